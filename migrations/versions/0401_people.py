"""people: worker details (the household link is in 0402_people_links), training, jobs with attendance, pay rates, closed payroll months, adjustments

Revision ID: 0401_people
Revises: 0001_foundation
"""
import sqlalchemy as sa
from alembic import op

import farm.models.base

revision = "0401_people"
down_revision = "0001_foundation"
branch_labels = ("people",)
depends_on = None


def upgrade() -> None:
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('greenhouse_id', sa.Integer(), nullable=True),
    sa.Column('hours', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('done_at', farm.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['greenhouse_id'], ['greenhouses.id'], name=op.f('fk_jobs_greenhouse_id_greenhouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jobs_day'), ['day'], unique=False)

    op.create_table('pay_rates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=True),
    sa.Column('crop_id', sa.Integer(), nullable=True),
    sa.Column('grade', sa.String(length=10), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=4), nullable=False),
    sa.Column('created_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['crop_id'], ['crops.id'], name=op.f('fk_pay_rates_crop_id_crops')),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_pay_rates_worker_id_workers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pay_rates'))
    )
    with op.batch_alter_table('pay_rates', schema=None) as batch_op:
        batch_op.create_index('ix_pay_rates_kind_from', ['kind', 'valid_from'], unique=False)

    op.create_table('trainings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('course', sa.String(length=200), nullable=False),
    sa.Column('taken_on', sa.Date(), nullable=False),
    sa.Column('result', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_trainings_worker_id_workers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trainings'))
    )
    with op.batch_alter_table('trainings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trainings_worker_id'), ['worker_id'], unique=False)

    op.create_table('job_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=True),
    sa.Column('hours', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_job_assignments_job_id_jobs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_job_assignments_worker_id_workers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_assignments')),
    sa.UniqueConstraint('job_id', 'worker_id', name=op.f('uq_job_assignments_job_id_worker_id'))
    )
    with op.batch_alter_table('job_assignments', schema=None) as batch_op:
        batch_op.create_index('ix_job_assignments_worker_day', ['worker_id', 'day'], unique=False)

    op.create_table('pay_adjustments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_pay_adjustments_created_by_id_users')),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_pay_adjustments_worker_id_workers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pay_adjustments'))
    )
    with op.batch_alter_table('pay_adjustments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pay_adjustments_month'), ['month'], unique=False)
        batch_op.create_index(batch_op.f('ix_pay_adjustments_worker_id'), ['worker_id'], unique=False)

    op.create_table('payroll_months',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('closed_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_payroll_months_closed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payroll_months')),
    sa.UniqueConstraint('month', name=op.f('uq_payroll_months_month'))
    )
    op.create_table('payroll_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payroll_id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('crop_id', sa.Integer(), nullable=True),
    sa.Column('grade', sa.String(length=10), nullable=True),
    sa.Column('quantity', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('rate', sa.Numeric(precision=12, scale=4), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('hours', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['crop_id'], ['crops.id'], name=op.f('fk_payroll_lines_crop_id_crops')),
    sa.ForeignKeyConstraint(['payroll_id'], ['payroll_months.id'], name=op.f('fk_payroll_lines_payroll_id_payroll_months'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_payroll_lines_worker_id_workers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payroll_lines'))
    )
    with op.batch_alter_table('payroll_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payroll_lines_payroll_id'), ['payroll_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payroll_lines_worker_id'), ['worker_id'], unique=False)

    with op.batch_alter_table('workers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('id_number', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('skills', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('household_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('workers', schema=None) as batch_op:
        batch_op.drop_column('household_id')
        batch_op.drop_column('skills')
        batch_op.drop_column('id_number')

    with op.batch_alter_table('payroll_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payroll_lines_worker_id'))
        batch_op.drop_index(batch_op.f('ix_payroll_lines_payroll_id'))

    op.drop_table('payroll_lines')
    op.drop_table('payroll_months')
    with op.batch_alter_table('pay_adjustments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pay_adjustments_worker_id'))
        batch_op.drop_index(batch_op.f('ix_pay_adjustments_month'))

    op.drop_table('pay_adjustments')
    with op.batch_alter_table('job_assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_job_assignments_worker_day')

    op.drop_table('job_assignments')
    with op.batch_alter_table('trainings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trainings_worker_id'))

    op.drop_table('trainings')
    with op.batch_alter_table('pay_rates', schema=None) as batch_op:
        batch_op.drop_index('ix_pay_rates_kind_from')

    op.drop_table('pay_rates')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_day'))

    op.drop_table('jobs')
