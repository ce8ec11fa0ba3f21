"""daily reports: the report snapshot per park day and the land reminders the scheduler recorded

Revision ID: 0503_daily_reports
Revises: 0502_alerts
"""
from alembic import op
import sqlalchemy as sa
import farm.models.base


revision = '0503_daily_reports'
down_revision = '0502_alerts'
branch_labels = None
depends_on = None

UTC = farm.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('daily_reports',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('generated_at', UTC, nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_daily_reports'))
    )
    op.create_table('land_reminder_records',
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('first_seen_at', UTC, nullable=False),
    sa.Column('last_seen_at', UTC, nullable=False),
    sa.Column('notified_at', UTC, nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_land_reminder_records'))
    )
    with op.batch_alter_table('land_reminder_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_land_reminder_records_contract_id'), ['contract_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('land_reminder_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_land_reminder_records_contract_id'))
    op.drop_table('land_reminder_records')
    op.drop_table('daily_reports')
