"""alerts: climate and offline alerts, their judging state, and the notification outbox

Revision ID: 0502_alerts
Revises: 0501_scheduler
"""
from alembic import op
import sqlalchemy as sa
import farm.models.base


revision = '0502_alerts'
down_revision = '0501_scheduler'
branch_labels = None
# Alerts and their judging state point at devices, which the sensors branch creates.
depends_on = ('0201_sensors',)

UTC = farm.models.base.UTCDateTime(timezone=True)
BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('alerts',
    sa.Column('id', BigId, nullable=False),
    sa.Column('greenhouse_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('metric', sa.String(length=20), nullable=True),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('open_key', sa.String(length=80), nullable=True),
    sa.Column('started_at', UTC, nullable=False),
    sa.Column('opened_at', UTC, nullable=False),
    sa.Column('refreshed_at', UTC, nullable=False),
    sa.Column('cleared_at', UTC, nullable=True),
    sa.Column('worst_value', sa.Float(), nullable=True),
    sa.Column('limit_value', sa.Float(), nullable=True),
    sa.Column('last_value', sa.Float(), nullable=True),
    sa.Column('acknowledged_at', UTC, nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('ack_note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'], name=op.f('fk_alerts_acknowledged_by_id_users')),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_alerts_device_id_devices'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['greenhouse_id'], ['greenhouses.id'], name=op.f('fk_alerts_greenhouse_id_greenhouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts')),
    sa.UniqueConstraint('open_key', name=op.f('uq_alerts_open_key'))
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alerts_device_id'), ['device_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_greenhouse_id'), ['greenhouse_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_opened_at'), ['opened_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_state'), ['state'], unique=False)

    op.create_table('alert_conditions',
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('greenhouse_id', sa.Integer(), nullable=False),
    sa.Column('judged_until', UTC, nullable=False),
    sa.Column('since', UTC, nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('worst', sa.Float(), nullable=True),
    sa.Column('worst_limit', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_alert_conditions_device_id_devices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['greenhouse_id'], ['greenhouses.id'], name=op.f('fk_alert_conditions_greenhouse_id_greenhouses')),
    sa.PrimaryKeyConstraint('device_id', 'kind', name=op.f('pk_alert_conditions'))
    )
    with op.batch_alter_table('alert_conditions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_conditions_greenhouse_id'), ['greenhouse_id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', BigId, nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', UTC, nullable=False),
    sa.Column('next_attempt_at', UTC, nullable=False),
    sa.Column('sent_at', UTC, nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('log', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('key', 'channel', name=op.f('uq_notifications_key_channel'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_state'), ['state'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_state'))
    op.drop_table('notifications')
    with op.batch_alter_table('alert_conditions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_conditions_greenhouse_id'))
    op.drop_table('alert_conditions')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alerts_state'))
        batch_op.drop_index(batch_op.f('ix_alerts_opened_at'))
        batch_op.drop_index(batch_op.f('ix_alerts_greenhouse_id'))
        batch_op.drop_index(batch_op.f('ix_alerts_device_id'))
    op.drop_table('alerts')
