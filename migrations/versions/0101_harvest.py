"""harvest: harvest records and their corrections

Revision ID: 0101_harvest
Revises: 0001_foundation
Create Date: 2026-11-28 19:01:05.892921
"""
from alembic import op
import sqlalchemy as sa
import farm.models.base


revision = '0101_harvest'
down_revision = '0001_foundation'
branch_labels = ('harvest',)
depends_on = None


def upgrade() -> None:
    op.create_table('harvests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('greenhouse_id', sa.Integer(), nullable=False),
    sa.Column('planting_id', sa.Integer(), nullable=False),
    sa.Column('crop_id', sa.Integer(), nullable=False),
    sa.Column('weight_kg', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('grade', sa.String(length=10), nullable=False),
    sa.Column('crates', sa.Integer(), nullable=True),
    sa.Column('harvested_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=True),
    sa.Column('entered_by_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=100), nullable=True),
    sa.Column('created_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('voided_at', farm.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('voided_by_id', sa.Integer(), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['crop_id'], ['crops.id'], name=op.f('fk_harvests_crop_id_crops')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_harvests_entered_by_id_users')),
    sa.ForeignKeyConstraint(['greenhouse_id'], ['greenhouses.id'], name=op.f('fk_harvests_greenhouse_id_greenhouses')),
    sa.ForeignKeyConstraint(['planting_id'], ['plantings.id'], name=op.f('fk_harvests_planting_id_plantings')),
    sa.ForeignKeyConstraint(['voided_by_id'], ['users.id'], name=op.f('fk_harvests_voided_by_id_users')),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_harvests_worker_id_workers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_harvests')),
    sa.UniqueConstraint('entered_by_id', 'idempotency_key', name=op.f('uq_harvests_entered_by_id_idempotency_key'))
    )
    with op.batch_alter_table('harvests', schema=None) as batch_op:
        batch_op.create_index('ix_harvests_day_crop', ['day', 'crop_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_harvests_greenhouse_id'), ['greenhouse_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_harvests_harvested_at'), ['harvested_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_harvests_planting_id'), ['planting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_harvests_worker_id'), ['worker_id'], unique=False)

    op.create_table('harvest_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('harvest_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('before', sa.JSON(), nullable=False),
    sa.Column('after', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_harvest_changes_changed_by_id_users')),
    sa.ForeignKeyConstraint(['harvest_id'], ['harvests.id'], name=op.f('fk_harvest_changes_harvest_id_harvests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_harvest_changes'))
    )
    with op.batch_alter_table('harvest_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_harvest_changes_harvest_id'), ['harvest_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('harvest_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_harvest_changes_harvest_id'))

    op.drop_table('harvest_changes')
    with op.batch_alter_table('harvests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_harvests_worker_id'))
        batch_op.drop_index(batch_op.f('ix_harvests_planting_id'))
        batch_op.drop_index(batch_op.f('ix_harvests_harvested_at'))
        batch_op.drop_index(batch_op.f('ix_harvests_greenhouse_id'))
        batch_op.drop_index('ix_harvests_day_crop')

    op.drop_table('harvests')
