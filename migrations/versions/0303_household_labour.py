"""land: a household's labour (members able to work) and, for a monitored household, the kind of monitoring

Revision ID: 0303_household_labour
Revises: 0302_land_vocab

The kinds allowed are written out here as they stood when this migration was made (farm.vocab.MonitorKind); a new
kind gets a new migration that widens the constraint.
"""
import sqlalchemy as sa
from alembic import op

revision = "0303_household_labour"
down_revision = "0302_land_vocab"
branch_labels = None
depends_on = None

CHECK = ("ck_households_monitor_kind_vocab",
         "monitor_kind IS NULL OR monitor_kind IN ('unstable', 'edge', 'hardship')")


def upgrade() -> None:
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.add_column(sa.Column("labour", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("monitor_kind", sa.String(length=20), nullable=True))
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.create_check_constraint(op.f(CHECK[0]), CHECK[1])


def downgrade() -> None:
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(CHECK[0]), type_="check")
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.drop_column("monitor_kind")
        batch_op.drop_column("labour")
