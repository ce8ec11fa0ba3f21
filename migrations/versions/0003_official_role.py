"""foundation: the `official` role (a village or township official) joins the users' role CHECK

Revision ID: 0003_official_role
Revises: 0002_foundation_vocab

The roles are written out as they stand with this migration (farm.vocab.Role).
"""
from alembic import op

revision = "0003_official_role"
down_revision = "0002_foundation_vocab"
branch_labels = None
depends_on = None

NAME = "ck_users_role_vocab"
BEFORE = ("admin", "manager", "worker", "viewer")
AFTER = BEFORE + ("official",)


def _sql(values: tuple[str, ...]) -> str:
    return f"role IN ({', '.join(repr(v) for v in values)})"


def _replace(values: tuple[str, ...]) -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(NAME), type_="check")
        batch_op.create_check_constraint(op.f(NAME), _sql(values))


def upgrade() -> None:
    _replace(AFTER)


def downgrade() -> None:
    # An official's login stays, reading no more than a viewer.
    op.execute("UPDATE users SET role = 'viewer' WHERE role = 'official'")
    _replace(BEFORE)
