"""sales: pack sizes, packing sessions, losses, buyers, price lists, shipments, payments, stock allocations

Revision ID: 0901_sales
Revises: 0403_people_vocab (workers), depends on 0102_harvest_vocab (harvest records and their grades)
Create Date: 2026-12-02 20:24:37.642315

Its own branch ("sales"); it starts on the people branch's head rather than at the shared base, since a branch
that starts at the base and depends on sibling branches trips Alembic (see 0402_people_links).
"""
import sqlalchemy as sa
from alembic import op

import farm.models.base

revision = '0901_sales'
down_revision = '0403_people_vocab'
branch_labels = ('sales',)
depends_on = ('0102_harvest_vocab',)


def upgrade() -> None:
    op.create_table('buyers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('contact', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('consumption_aid', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('supermarket', 'canteen', 'wholesale', 'restaurant', 'online', 'individual')", name=op.f('ck_buyers_kind_vocab')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_buyers'))
    )
    op.create_table('pack_sizes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('crop_id', sa.Integer(), nullable=False),
    sa.Column('grade', sa.String(length=10), nullable=False),
    sa.Column('unit', sa.String(length=10), nullable=False),
    sa.Column('net_kg', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('updated_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("grade IN ('premium', 'grade1', 'grade2', 'offgrade')", name=op.f('ck_pack_sizes_grade_vocab')),
    sa.CheckConstraint("unit IN ('box', 'crate')", name=op.f('ck_pack_sizes_unit_vocab')),
    sa.CheckConstraint('net_kg > 0', name=op.f('ck_pack_sizes_net_kg_positive')),
    sa.ForeignKeyConstraint(['crop_id'], ['crops.id'], name=op.f('fk_pack_sizes_crop_id_crops')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pack_sizes')),
    sa.UniqueConstraint('crop_id', 'grade', name=op.f('uq_pack_sizes_crop_id_grade'))
    )
    op.create_table('stock_locks',
    sa.Column('crop_id', sa.Integer(), nullable=False),
    sa.Column('grade', sa.String(length=10), nullable=False),
    sa.Column('changes', sa.Integer(), nullable=False),
    sa.CheckConstraint("grade IN ('premium', 'grade1', 'grade2', 'offgrade')", name=op.f('ck_stock_locks_grade_vocab')),
    sa.ForeignKeyConstraint(['crop_id'], ['crops.id'], name=op.f('fk_stock_locks_crop_id_crops')),
    sa.PrimaryKeyConstraint('crop_id', 'grade', name=op.f('pk_stock_locks'))
    )
    op.create_table('buyer_prices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('crop_id', sa.Integer(), nullable=False),
    sa.Column('grade', sa.String(length=10), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('price_per_kg', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("grade IN ('premium', 'grade1', 'grade2', 'offgrade')", name=op.f('ck_buyer_prices_grade_vocab')),
    sa.CheckConstraint('price_per_kg > 0', name=op.f('ck_buyer_prices_price_positive')),
    sa.ForeignKeyConstraint(['buyer_id'], ['buyers.id'], name=op.f('fk_buyer_prices_buyer_id_buyers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_buyer_prices_created_by_id_users')),
    sa.ForeignKeyConstraint(['crop_id'], ['crops.id'], name=op.f('fk_buyer_prices_crop_id_crops')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_buyer_prices')),
    sa.UniqueConstraint('buyer_id', 'crop_id', 'grade', 'valid_from', name=op.f('uq_buyer_prices_buyer_id_crop_id_grade_valid_from'))
    )
    op.create_table('packing_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('packer_id', sa.Integer(), nullable=False),
    sa.Column('crop_id', sa.Integer(), nullable=False),
    sa.Column('grade', sa.String(length=10), nullable=False),
    sa.Column('pack_size_id', sa.Integer(), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('net_kg', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('weight_kg', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("grade IN ('premium', 'grade1', 'grade2', 'offgrade')", name=op.f('ck_packing_sessions_grade_vocab')),
    sa.CheckConstraint('units > 0', name=op.f('ck_packing_sessions_units_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_packing_sessions_created_by_id_users')),
    sa.ForeignKeyConstraint(['crop_id'], ['crops.id'], name=op.f('fk_packing_sessions_crop_id_crops')),
    sa.ForeignKeyConstraint(['pack_size_id'], ['pack_sizes.id'], name=op.f('fk_packing_sessions_pack_size_id_pack_sizes')),
    sa.ForeignKeyConstraint(['packer_id'], ['workers.id'], name=op.f('fk_packing_sessions_packer_id_workers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_packing_sessions'))
    )
    with op.batch_alter_table('packing_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_packing_sessions_day_packer', ['day', 'packer_id'], unique=False)

    op.create_table('shipments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('consumption_aid', sa.Boolean(), nullable=False),
    sa.Column('certificate_code', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['buyer_id'], ['buyers.id'], name=op.f('fk_shipments_buyer_id_buyers')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_shipments_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipments')),
    sa.UniqueConstraint('certificate_code', name=op.f('uq_shipments_certificate_code')),
    sa.UniqueConstraint('number', name=op.f('uq_shipments_number'))
    )
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.create_index('ix_shipments_buyer_day', ['buyer_id', 'day'], unique=False)
        batch_op.create_index(batch_op.f('ix_shipments_day'), ['day'], unique=False)

    op.create_table('stock_losses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('crop_id', sa.Integer(), nullable=False),
    sa.Column('grade', sa.String(length=10), nullable=False),
    sa.Column('weight_kg', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("grade IN ('premium', 'grade1', 'grade2', 'offgrade')", name=op.f('ck_stock_losses_grade_vocab')),
    sa.CheckConstraint("reason IN ('cull', 'spoilage', 'damage', 'sample', 'other')", name=op.f('ck_stock_losses_reason_vocab')),
    sa.CheckConstraint('weight_kg > 0', name=op.f('ck_stock_losses_weight_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_stock_losses_created_by_id_users')),
    sa.ForeignKeyConstraint(['crop_id'], ['crops.id'], name=op.f('fk_stock_losses_crop_id_crops')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_losses'))
    )
    with op.batch_alter_table('stock_losses', schema=None) as batch_op:
        batch_op.create_index('ix_stock_losses_crop_grade', ['crop_id', 'grade'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_losses_day'), ['day'], unique=False)

    op.create_table('shipment_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shipment_id', sa.Integer(), nullable=False),
    sa.Column('crop_id', sa.Integer(), nullable=False),
    sa.Column('grade', sa.String(length=10), nullable=False),
    sa.Column('weight_kg', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('units', sa.Integer(), nullable=True),
    sa.Column('pack_size_id', sa.Integer(), nullable=True),
    sa.Column('price_per_kg', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('list_price_per_kg', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.CheckConstraint("grade IN ('premium', 'grade1', 'grade2', 'offgrade')", name=op.f('ck_shipment_lines_grade_vocab')),
    sa.CheckConstraint('price_per_kg > 0', name=op.f('ck_shipment_lines_price_positive')),
    sa.CheckConstraint('weight_kg > 0', name=op.f('ck_shipment_lines_weight_positive')),
    sa.ForeignKeyConstraint(['crop_id'], ['crops.id'], name=op.f('fk_shipment_lines_crop_id_crops')),
    sa.ForeignKeyConstraint(['pack_size_id'], ['pack_sizes.id'], name=op.f('fk_shipment_lines_pack_size_id_pack_sizes')),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipments.id'], name=op.f('fk_shipment_lines_shipment_id_shipments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipment_lines'))
    )
    with op.batch_alter_table('shipment_lines', schema=None) as batch_op:
        batch_op.create_index('ix_shipment_lines_crop_grade', ['crop_id', 'grade'], unique=False)
        batch_op.create_index(batch_op.f('ix_shipment_lines_shipment_id'), ['shipment_id'], unique=False)

    op.create_table('shipment_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shipment_id', sa.Integer(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("method IN ('bank', 'cash', 'mobile', 'other')", name=op.f('ck_shipment_payments_method_vocab')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_shipment_payments_amount_positive')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_shipment_payments_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipments.id'], name=op.f('fk_shipment_payments_shipment_id_shipments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipment_payments'))
    )
    with op.batch_alter_table('shipment_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shipment_payments_shipment_id'), ['shipment_id'], unique=False)

    op.create_table('stock_allocations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('harvest_id', sa.Integer(), nullable=False),
    sa.Column('shipment_line_id', sa.Integer(), nullable=True),
    sa.Column('loss_id', sa.Integer(), nullable=True),
    sa.Column('weight_kg', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.CheckConstraint('(shipment_line_id IS NULL) <> (loss_id IS NULL)', name=op.f('ck_stock_allocations_one_target')),
    sa.CheckConstraint('weight_kg > 0', name=op.f('ck_stock_allocations_weight_positive')),
    sa.ForeignKeyConstraint(['harvest_id'], ['harvests.id'], name=op.f('fk_stock_allocations_harvest_id_harvests')),
    sa.ForeignKeyConstraint(['loss_id'], ['stock_losses.id'], name=op.f('fk_stock_allocations_loss_id_stock_losses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shipment_line_id'], ['shipment_lines.id'], name=op.f('fk_stock_allocations_shipment_line_id_shipment_lines'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_allocations'))
    )
    with op.batch_alter_table('stock_allocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_allocations_harvest_id'), ['harvest_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_allocations_loss_id'), ['loss_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_allocations_shipment_line_id'), ['shipment_line_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('stock_allocations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_allocations_shipment_line_id'))
        batch_op.drop_index(batch_op.f('ix_stock_allocations_loss_id'))
        batch_op.drop_index(batch_op.f('ix_stock_allocations_harvest_id'))

    op.drop_table('stock_allocations')
    with op.batch_alter_table('shipment_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shipment_payments_shipment_id'))

    op.drop_table('shipment_payments')
    with op.batch_alter_table('shipment_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shipment_lines_shipment_id'))
        batch_op.drop_index('ix_shipment_lines_crop_grade')

    op.drop_table('shipment_lines')
    with op.batch_alter_table('stock_losses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_losses_day'))
        batch_op.drop_index('ix_stock_losses_crop_grade')

    op.drop_table('stock_losses')
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shipments_day'))
        batch_op.drop_index('ix_shipments_buyer_day')

    op.drop_table('shipments')
    with op.batch_alter_table('packing_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_packing_sessions_day_packer')

    op.drop_table('packing_sessions')
    op.drop_table('buyer_prices')
    op.drop_table('stock_locks')
    op.drop_table('pack_sizes')
    op.drop_table('buyers')
