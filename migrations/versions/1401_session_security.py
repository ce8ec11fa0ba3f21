"""foundation: revocable sessions, expiring API tokens, unlockable login throttle

Revision ID: 1401_session_security
Revises: 0003_official_role

- users.session_version: a page session carries the version it was made under; logout, a password change and
  deactivation raise it, which ends every session of that login;
- api_tokens.expires_at: a token may carry an end (empty: none);
- login_attempts.cleared_at: an administrator's unlock marks the failures it forgave (they stay as a record);
  an index on the client address, which the throttle now counts too.
"""
from alembic import op
import sqlalchemy as sa

import farm.models.base

revision = "1401_session_security"
down_revision = "0003_official_role"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", farm.models.base.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cleared_at", farm.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_login_attempts_remote_addr"), ["remote_addr"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_attempts_remote_addr"))
        batch_op.drop_column("cleared_at")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_version")
