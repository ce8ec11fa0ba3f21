"""land: households, land-transfer contracts, parcels, rent payments, contract-greenhouse links

Revision ID: 0301_land
Revises: 0001_foundation
Create Date: 2026-11-28 19:01:21.880878
"""
import sqlalchemy as sa
from alembic import op

import farm.models.base

revision = '0301_land'
down_revision = '0001_foundation'
branch_labels = ('land',)
depends_on = None


def upgrade() -> None:
    op.create_table('households',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('village_group', sa.String(length=60), nullable=False),
    sa.Column('members', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('id_number', sa.String(length=40), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('bank_name', sa.String(length=100), nullable=False),
    sa.Column('bank_account', sa.String(length=40), nullable=False),
    sa.Column('contract_period_end', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_households'))
    )
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_households_village_group'), ['village_group'], unique=False)

    op.create_table('land_contracts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('use', sa.String(length=200), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('delivery_date', sa.Date(), nullable=True),
    sa.Column('rent_per_mu_year', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('payment_month_day', sa.String(length=5), nullable=False),
    sa.Column('payment_method', sa.String(length=20), nullable=False),
    sa.Column('escalation_every_years', sa.Integer(), nullable=True),
    sa.Column('escalation_percent', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('deposit', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('late_fee_per_10k', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('village_filed_on', sa.Date(), nullable=True),
    sa.Column('township_filed_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('terminated_on', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_land_contracts_household_id_households')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_land_contracts')),
    sa.UniqueConstraint('number', name=op.f('uq_land_contracts_number'))
    )
    with op.batch_alter_table('land_contracts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_land_contracts_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_land_contracts_status'), ['status'], unique=False)

    op.create_table('land_contract_greenhouses',
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('greenhouse_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['land_contracts.id'], name=op.f('fk_land_contract_greenhouses_contract_id_land_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['greenhouse_id'], ['greenhouses.id'], name=op.f('fk_land_contract_greenhouses_greenhouse_id_greenhouses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contract_id', 'greenhouse_id', name=op.f('pk_land_contract_greenhouses'))
    )
    op.create_table('land_parcels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('area_mu', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('east', sa.String(length=100), nullable=False),
    sa.Column('south', sa.String(length=100), nullable=False),
    sa.Column('west', sa.String(length=100), nullable=False),
    sa.Column('north', sa.String(length=100), nullable=False),
    sa.Column('land_type', sa.String(length=60), nullable=False),
    sa.Column('remarks', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['land_contracts.id'], name=op.f('fk_land_parcels_contract_id_land_contracts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_land_parcels'))
    )
    with op.batch_alter_table('land_parcels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_land_parcels_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_land_parcels_contract_id'), ['contract_id'], unique=False)

    op.create_table('rent_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('receipt_no', sa.String(length=60), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['land_contracts.id'], name=op.f('fk_rent_payments_contract_id_land_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_rent_payments_recorded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rent_payments'))
    )
    with op.batch_alter_table('rent_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rent_payments_contract_id'), ['contract_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('rent_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rent_payments_contract_id'))

    op.drop_table('rent_payments')
    with op.batch_alter_table('land_parcels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_land_parcels_contract_id'))
        batch_op.drop_index(batch_op.f('ix_land_parcels_code'))

    op.drop_table('land_parcels')
    op.drop_table('land_contract_greenhouses')
    with op.batch_alter_table('land_contracts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_land_contracts_status'))
        batch_op.drop_index(batch_op.f('ix_land_contracts_household_id'))

    op.drop_table('land_contracts')
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_households_village_group'))

    op.drop_table('households')
