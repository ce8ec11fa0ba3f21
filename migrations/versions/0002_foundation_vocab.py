"""foundation: CHECK constraints keeping the park's vocabularies (farm.vocab) in greenhouses, crops, plantings
and users

Revision ID: 0002_foundation_vocab
Revises: 0001_foundation

The allowed values are written out here, not read from farm.vocab: a migration stays what it was when a
vocabulary later grows (the migration that widens a CHECK goes with the new value).

SQLite cannot add a CHECK to a table, so batch mode copies each table; with foreign keys enforced, dropping the
old copy would run its ON DELETE actions (a user's API tokens, a crop's varieties would be deleted), so on SQLite
enforcement is paused for the copy and every reference is checked before it is switched back on.
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


def _sqlite_foreign_keys(on: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if on:
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"references broken while copying tables: {broken}")
        bind.exec_driver_sql("PRAGMA foreign_keys=ON")
        return
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    # The pragma does nothing inside a transaction; copying the tables then would run the ON DELETE actions.
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("cannot pause foreign keys inside a transaction; run this migration on its own")


def upgrade() -> None:
    _sqlite_foreign_keys(False)
    for table, columns in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, values in columns.items():
                batch_op.create_check_constraint(op.f(f"ck_{table}_{column}_vocab"), _sql(column, values))
    _sqlite_foreign_keys(True)


def downgrade() -> None:
    _sqlite_foreign_keys(False)
    for table, columns in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_constraint(op.f(f"ck_{table}_{column}_vocab"), type_="check")
    _sqlite_foreign_keys(True)
