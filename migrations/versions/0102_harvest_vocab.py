"""harvest: the database keeps a harvest's grade inside the park's grades (farm.vocab.Grade)

Revision ID: 0102_harvest_vocab
Revises: 0101_harvest

SQLite adds a CHECK constraint only by rebuilding the table (batch mode). The app's connections enforce foreign
keys, so dropping the old `harvests` would cascade to `harvest_changes` and lose the history: the history is
kept aside and put back around the rebuild.
"""
from alembic import op

revision = "0102_harvest_vocab"
down_revision = "0101_harvest"
branch_labels = None
depends_on = None

# The grades when this revision was written; a later change of farm.vocab.Grade comes with its own migration.
GRADES = ("premium", "grade1", "grade2", "offgrade")
CHECK = "grade IN (" + ", ".join(f"'{g}'" for g in GRADES) + ")"


def _rebuild(change) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("CREATE TEMP TABLE _harvest_changes_kept AS SELECT * FROM harvest_changes")
    with op.batch_alter_table("harvests", schema=None) as batch_op:
        change(batch_op)
    if sqlite:
        op.execute("INSERT INTO harvest_changes SELECT * FROM _harvest_changes_kept "
                   "WHERE id NOT IN (SELECT id FROM harvest_changes)")
        op.execute("DROP TABLE _harvest_changes_kept")


def upgrade() -> None:
    _rebuild(lambda batch_op: batch_op.create_check_constraint(op.f("ck_harvests_grade_vocab"), CHECK))


def downgrade() -> None:
    _rebuild(lambda batch_op: batch_op.drop_constraint(op.f("ck_harvests_grade_vocab"), type_="check"))
