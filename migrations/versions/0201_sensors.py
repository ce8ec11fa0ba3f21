"""sensors: devices, readings, latest values, rejects, heartbeat

Revision ID: 0201_sensors
Revises: 0001_foundation
Create Date: 2026-11-28 19:02:02.539140
"""
from alembic import op
import sqlalchemy as sa
import farm.models.base


revision = '0201_sensors'
down_revision = '0001_foundation'
branch_labels = ('sensors',)
depends_on = None


def upgrade() -> None:
    op.create_table('ingest_heartbeats',
    sa.Column('client_id', sa.String(length=100), nullable=False),
    sa.Column('started_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('beat_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('stored', sa.BigInteger(), nullable=False),
    sa.Column('rejected', sa.BigInteger(), nullable=False),
    sa.Column('queued', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('client_id', name=op.f('pk_ingest_heartbeats'))
    )
    op.create_table('ingest_rejects',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('received_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('topic', sa.String(length=300), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('detail', sa.String(length=300), nullable=False),
    sa.Column('device_code', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ingest_rejects'))
    )
    with op.batch_alter_table('ingest_rejects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ingest_rejects_received_at'), ['received_at'], unique=False)

    op.create_table('devices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('greenhouse_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('online', sa.Boolean(), nullable=True),
    sa.Column('status_at', farm.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_seen_at', farm.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('message_count', sa.BigInteger(), nullable=False),
    sa.Column('reject_count', sa.BigInteger(), nullable=False),
    sa.Column('created_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['greenhouse_id'], ['greenhouses.id'], name=op.f('fk_devices_greenhouse_id_greenhouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_devices')),
    sa.UniqueConstraint('code', name=op.f('uq_devices_code'))
    )
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_devices_greenhouse_id'), ['greenhouse_id'], unique=False)

    op.create_table('latest_readings',
    sa.Column('greenhouse_id', sa.Integer(), nullable=False),
    sa.Column('metric', sa.String(length=20), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('ts', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_latest_readings_device_id_devices'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['greenhouse_id'], ['greenhouses.id'], name=op.f('fk_latest_readings_greenhouse_id_greenhouses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('greenhouse_id', 'metric', name=op.f('pk_latest_readings'))
    )
    op.create_table('readings',
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('metric', sa.String(length=20), nullable=False),
    sa.Column('ts', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('greenhouse_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_readings_device_id_devices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['greenhouse_id'], ['greenhouses.id'], name=op.f('fk_readings_greenhouse_id_greenhouses')),
    sa.PrimaryKeyConstraint('device_id', 'metric', 'ts', name=op.f('pk_readings')),
    sqlite_with_rowid=False,
    )



def downgrade() -> None:
    op.drop_table('readings')
    op.drop_table('latest_readings')
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_devices_greenhouse_id'))

    op.drop_table('devices')
    with op.batch_alter_table('ingest_rejects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ingest_rejects_received_at'))

    op.drop_table('ingest_rejects')
    op.drop_table('ingest_heartbeats')
