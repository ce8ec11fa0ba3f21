"""scheduler: lease, job runs, reading rollups and their mark

Revision ID: 0501_scheduler
Revises: 0001_foundation
"""
from alembic import op
import sqlalchemy as sa
import farm.models.base


revision = '0501_scheduler'
down_revision = '0001_foundation'
branch_labels = ('scheduler',)
depends_on = None

UTC = farm.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('scheduler_leases',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('holder', sa.String(length=100), nullable=False),
    sa.Column('acquired_at', UTC, nullable=False),
    sa.Column('renewed_at', UTC, nullable=False),
    sa.Column('expires_at', UTC, nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduler_leases'))
    )
    op.create_table('job_runs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('job', sa.String(length=40), nullable=False),
    sa.Column('holder', sa.String(length=100), nullable=False),
    sa.Column('started_at', UTC, nullable=False),
    sa.Column('finished_at', UTC, nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs'))
    )
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_runs_job'), ['job'], unique=False)
    op.create_table('reading_rollups',
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('metric', sa.String(length=20), nullable=False),
    sa.Column('resolution', sa.String(length=4), nullable=False),
    sa.Column('period_start', UTC, nullable=False),
    sa.Column('greenhouse_id', sa.Integer(), nullable=False),
    sa.Column('min', sa.Float(), nullable=False),
    sa.Column('max', sa.Float(), nullable=False),
    sa.Column('mean', sa.Float(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('device_id', 'metric', 'resolution', 'period_start', name=op.f('pk_reading_rollups'))
    )
    op.create_table('rollup_marks',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('done_until', UTC, nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_rollup_marks'))
    )


def downgrade() -> None:
    op.drop_table('rollup_marks')
    op.drop_table('reading_rollups')
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_runs_job'))
    op.drop_table('job_runs')
    op.drop_table('scheduler_leases')
