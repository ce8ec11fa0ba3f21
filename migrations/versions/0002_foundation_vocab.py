"""foundation: CHECK constraints keeping the park's vocabularies (farm.vocab) in greenhouses, crops, plantings
and users

Revision ID: 0002_foundation_vocab
Revises: 0001_foundation

The allowed values are written out here, not read from farm.vocab: a migration stays what it was when a
vocabulary later grows (the migration that widens a CHECK goes with the new value).

SQLite cannot add a CHECK to a table, so batch mode copies each table (migrations/env.py pauses foreign keys for
the copy, so no ON DELETE action runs).
"""
from alembic import op

revision = "0002_foundation_vocab"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

CHECKS = {
    "greenhouses": {
        "kind": ("solar", "tunnel", "glass"),
        "status": ("active", "idle", "maintenance"),
    },
    "crops": {
        "category": ("vegetable", "fruit", "seedling", "other"),
    },
    "plantings": {
        "status": ("planned", "growing", "harvesting", "ended"),
    },
    "users": {
        "role": ("admin", "manager", "worker", "viewer"),
    },
}


def _sql(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    for table, columns in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, values in columns.items():
                batch_op.create_check_constraint(op.f(f"ck_{table}_{column}_vocab"), _sql(column, values))


def downgrade() -> None:
    for table, columns in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_constraint(op.f(f"ck_{table}_{column}_vocab"), type_="check")
