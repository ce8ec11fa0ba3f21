"""assets: public-fund assets (三本账) with their funding, greenhouses and change log; returns paid to the village
collective and its distributions

Revision ID: 1001_assets
Revises: 0001_foundation
Depends on: 0301_land (households: operators and dividends)

The CHECK constraints list the vocabularies as they stood when this migration was made (farm.vocab).
"""
import sqlalchemy as sa
from alembic import op

import farm.models.base

revision = '1001_assets'
down_revision = '0001_foundation'
branch_labels = ('assets',)
depends_on = ('0301_land',)


def upgrade() -> None:
    op.create_table('assets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('built_on', sa.Date(), nullable=False),
    sa.Column('handed_over_on', sa.Date(), nullable=True),
    sa.Column('owner', sa.String(length=100), nullable=False),
    sa.Column('operator_kind', sa.String(length=20), nullable=False),
    sa.Column('operator_name', sa.String(length=100), nullable=False),
    sa.Column('operator_household_id', sa.Integer(), nullable=True),
    sa.Column('value', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('depreciation_years', sa.Integer(), nullable=False),
    sa.Column('residual_value', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('return_percent', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('return_fixed', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('disposed_on', sa.Date(), nullable=True),
    sa.Column('disposal_reason', sa.String(length=200), nullable=False),
    sa.Column('disposal_approval', sa.String(length=100), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("category IN ('public', 'operating', 'household')", name=op.f('ck_assets_category_vocab')),
    sa.CheckConstraint("kind IN ('greenhouse', 'packing_shed', 'cold_store', 'irrigation', 'road', 'other')", name=op.f('ck_assets_kind_vocab')),
    sa.CheckConstraint("operator_kind IN ('company', 'household')", name=op.f('ck_assets_operator_kind_vocab')),
    sa.CheckConstraint("status IN ('in_use', 'idle', 'under_repair', 'disposed')", name=op.f('ck_assets_status_vocab')),
    sa.ForeignKeyConstraint(['operator_household_id'], ['households.id'], name=op.f('fk_assets_operator_household_id_households')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assets')),
    sa.UniqueConstraint('code', name=op.f('uq_assets_code'))
    )
    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assets_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_assets_operator_household_id'), ['operator_household_id'], unique=False)

    op.create_table('asset_funding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.CheckConstraint("source IN ('fiscal', 'east_west', 'social', 'village', 'company')", name=op.f('ck_asset_funding_source_vocab')),
    sa.ForeignKeyConstraint(['asset_id'], ['assets.id'], name=op.f('fk_asset_funding_asset_id_assets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asset_funding'))
    )
    with op.batch_alter_table('asset_funding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_asset_funding_asset_id'), ['asset_id'], unique=False)

    op.create_table('asset_greenhouses',
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('greenhouse_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['asset_id'], ['assets.id'], name=op.f('fk_asset_greenhouses_asset_id_assets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['greenhouse_id'], ['greenhouses.id'], name=op.f('fk_asset_greenhouses_greenhouse_id_greenhouses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('asset_id', 'greenhouse_id', name=op.f('pk_asset_greenhouses'))
    )
    op.create_table('asset_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('changed_by', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=False),
    sa.CheckConstraint("action IN ('created', 'updated', 'status')", name=op.f('ck_asset_changes_action_vocab')),
    sa.ForeignKeyConstraint(['asset_id'], ['assets.id'], name=op.f('fk_asset_changes_asset_id_assets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['changed_by'], ['users.id'], name=op.f('fk_asset_changes_changed_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asset_changes'))
    )
    with op.batch_alter_table('asset_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_asset_changes_asset_id'), ['asset_id'], unique=False)

    op.create_table('asset_distributions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_asset_distributions_recorded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asset_distributions'))
    )
    with op.batch_alter_table('asset_distributions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_asset_distributions_paid_on'), ['paid_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_asset_distributions_year'), ['year'], unique=False)

    op.create_table('asset_returns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('receipt_no', sa.String(length=60), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', farm.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_asset_returns_recorded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asset_returns'))
    )
    with op.batch_alter_table('asset_returns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_asset_returns_year'), ['year'], unique=False)

    op.create_table('asset_distribution_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('distribution_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('person', sa.String(length=100), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.CheckConstraint("kind IN ('dividend', 'public_job', 'public_works', 'retained')", name=op.f('ck_asset_distribution_lines_kind_vocab')),
    sa.ForeignKeyConstraint(['distribution_id'], ['asset_distributions.id'], name=op.f('fk_asset_distribution_lines_distribution_id_asset_distributions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_asset_distribution_lines_household_id_households')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asset_distribution_lines'))
    )
    with op.batch_alter_table('asset_distribution_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_asset_distribution_lines_distribution_id'), ['distribution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_asset_distribution_lines_household_id'), ['household_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('asset_distribution_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_asset_distribution_lines_household_id'))
        batch_op.drop_index(batch_op.f('ix_asset_distribution_lines_distribution_id'))

    op.drop_table('asset_distribution_lines')
    with op.batch_alter_table('asset_returns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_asset_returns_year'))

    op.drop_table('asset_returns')
    with op.batch_alter_table('asset_distributions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_asset_distributions_year'))
        batch_op.drop_index(batch_op.f('ix_asset_distributions_paid_on'))

    op.drop_table('asset_distributions')
    with op.batch_alter_table('asset_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_asset_changes_asset_id'))

    op.drop_table('asset_changes')
    op.drop_table('asset_greenhouses')
    with op.batch_alter_table('asset_funding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_asset_funding_asset_id'))

    op.drop_table('asset_funding')
    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assets_operator_household_id'))
        batch_op.drop_index(batch_op.f('ix_assets_category'))

    op.drop_table('assets')
