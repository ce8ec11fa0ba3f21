"""foundation: park, crops, plantings, logins, settings

Revision ID: 0001_foundation
Revises: 
Create Date: 2026-11-28 18:56:08.879833
"""
from alembic import op
import sqlalchemy as sa
import farm.models.base


revision = '0001_foundation'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('crops',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.String(length=60), nullable=False),
    sa.Column('name_en', sa.String(length=60), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('color', sa.String(length=7), nullable=False),
    sa.Column('day_temp_min', sa.Numeric(precision=7, scale=1), nullable=True),
    sa.Column('day_temp_max', sa.Numeric(precision=7, scale=1), nullable=True),
    sa.Column('night_temp_min', sa.Numeric(precision=7, scale=1), nullable=True),
    sa.Column('night_temp_max', sa.Numeric(precision=7, scale=1), nullable=True),
    sa.Column('chill_slow_c', sa.Numeric(precision=7, scale=1), nullable=True),
    sa.Column('chill_stop_c', sa.Numeric(precision=7, scale=1), nullable=True),
    sa.Column('frost_kill_c', sa.Numeric(precision=7, scale=1), nullable=True),
    sa.Column('heat_impair_c', sa.Numeric(precision=7, scale=1), nullable=True),
    sa.Column('heat_stop_c', sa.Numeric(precision=7, scale=1), nullable=True),
    sa.Column('heat_injury_c', sa.Numeric(precision=7, scale=1), nullable=True),
    sa.Column('humidity_min', sa.Numeric(precision=7, scale=1), nullable=True),
    sa.Column('humidity_max', sa.Numeric(precision=7, scale=1), nullable=True),
    sa.Column('soil_temp_min', sa.Numeric(precision=7, scale=1), nullable=True),
    sa.Column('soil_temp_max', sa.Numeric(precision=7, scale=1), nullable=True),
    sa.Column('co2_min', sa.Numeric(precision=7, scale=1), nullable=True),
    sa.Column('co2_max', sa.Numeric(precision=7, scale=1), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('updated_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crops')),
    sa.UniqueConstraint('code', name=op.f('uq_crops_code'))
    )
    op.create_table('login_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('remote_addr', sa.String(length=64), nullable=False),
    sa.Column('success', sa.Boolean(), nullable=False),
    sa.Column('at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempts'))
    )
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_attempts_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempts_username'), ['username'], unique=False)

    op.create_table('parks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('area_mu', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('created_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parks')),
    sa.UniqueConstraint('code', name=op.f('uq_parks_code'))
    )
    op.create_table('workers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('village_group', sa.String(length=60), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('daily_wage', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('started_on', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workers'))
    )
    op.create_table('crop_varieties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('crop_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['crop_id'], ['crops.id'], name=op.f('fk_crop_varieties_crop_id_crops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crop_varieties')),
    sa.UniqueConstraint('crop_id', 'name', name=op.f('uq_crop_varieties_crop_id_name'))
    )
    with op.batch_alter_table('crop_varieties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crop_varieties_crop_id'), ['crop_id'], unique=False)

    op.create_table('greenhouses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('park_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('zone', sa.String(length=40), nullable=False),
    sa.Column('row', sa.Integer(), nullable=True),
    sa.Column('area_m2', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['park_id'], ['parks.id'], name=op.f('fk_greenhouses_park_id_parks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_greenhouses')),
    sa.UniqueConstraint('code', name=op.f('uq_greenhouses_code'))
    )
    with op.batch_alter_table('greenhouses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_greenhouses_park_id'), ['park_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=True),
    sa.Column('language', sa.String(length=10), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', farm.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_users_worker_id_workers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username')),
    sa.UniqueConstraint('worker_id', name=op.f('uq_users_worker_id'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('created_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', farm.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', farm.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('plantings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('greenhouse_id', sa.Integer(), nullable=False),
    sa.Column('crop_id', sa.Integer(), nullable=False),
    sa.Column('variety', sa.String(length=100), nullable=False),
    sa.Column('planted_on', sa.Date(), nullable=False),
    sa.Column('area_m2', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('expected_harvest_on', sa.Date(), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['crop_id'], ['crops.id'], name=op.f('fk_plantings_crop_id_crops')),
    sa.ForeignKeyConstraint(['greenhouse_id'], ['greenhouses.id'], name=op.f('fk_plantings_greenhouse_id_greenhouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plantings'))
    )
    with op.batch_alter_table('plantings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plantings_crop_id'), ['crop_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plantings_greenhouse_id'), ['greenhouse_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plantings_status'), ['status'], unique=False)

    op.create_table('settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_settings_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settings')),
    sa.UniqueConstraint('key', 'valid_from', name=op.f('uq_settings_key_valid_from'))
    )
    with op.batch_alter_table('settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_settings_key'), ['key'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_settings_key'))

    op.drop_table('settings')
    with op.batch_alter_table('plantings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plantings_status'))
        batch_op.drop_index(batch_op.f('ix_plantings_greenhouse_id'))
        batch_op.drop_index(batch_op.f('ix_plantings_crop_id'))

    op.drop_table('plantings')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    op.drop_table('users')
    with op.batch_alter_table('greenhouses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_greenhouses_park_id'))

    op.drop_table('greenhouses')
    with op.batch_alter_table('crop_varieties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crop_varieties_crop_id'))

    op.drop_table('crop_varieties')
    op.drop_table('workers')
    op.drop_table('parks')
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempts_username'))
        batch_op.drop_index(batch_op.f('ix_login_attempts_at'))

    op.drop_table('login_attempts')
    op.drop_table('crops')
