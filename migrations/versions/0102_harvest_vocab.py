"""harvest: the database keeps a harvest's grade inside the park's grades (farm.vocab.Grade)

Revision ID: 0102_harvest_vocab
Revises: 0101_harvest

SQLite adds a CHECK constraint only by rebuilding the table (batch mode); migrations/env.py pauses foreign keys
for the rebuild, so the history in `harvest_changes` is not cascaded away.
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
    with op.batch_alter_table("harvests", schema=None) as batch_op:
        change(batch_op)


def upgrade() -> None:
    _rebuild(lambda batch_op: batch_op.create_check_constraint(op.f("ck_harvests_grade_vocab"), CHECK))


def downgrade() -> None:
    _rebuild(lambda batch_op: batch_op.drop_constraint(op.f("ck_harvests_grade_vocab"), type_="check"))
