"""rollups: backlog of devices that delivered readings later than the look-back

Revision ID: 0504_rollup_backlog
Revises: 0503_daily_reports
"""
from alembic import op
import sqlalchemy as sa
import farm.models.base


revision = '0504_rollup_backlog'
down_revision = '0503_daily_reports'
branch_labels = None
depends_on = None

UTC = farm.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('rollup_backlog',
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('since', UTC, nullable=False),
    sa.Column('noted_at', UTC, nullable=False),
    sa.PrimaryKeyConstraint('device_id', name=op.f('pk_rollup_backlog'))
    )


def downgrade() -> None:
    op.drop_table('rollup_backlog')
