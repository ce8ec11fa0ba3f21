"""sprays: pesticide products (with intervals per crop), spraying records with their pre-harvest interval, and harvests a manager allowed
inside one (with the reason)

Revision ID: 0801_sprays
Revises: 0403_people_vocab (workers, the operators); depends on 0102_harvest_vocab (harvests)

The dose units allowed are written out here as they stood when this migration was made (farm.vocab.DoseUnit).
"""
import sqlalchemy as sa
from alembic import op

import farm.models.base

revision = "0801_sprays"
down_revision = "0403_people_vocab"
branch_labels = ("sprays",)
depends_on = ("0102_harvest_vocab",)


def upgrade() -> None:
    op.create_table(
        "spray_products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("registration_no", sa.String(length=20), nullable=False),
        sa.Column("active_ingredient", sa.String(length=200), nullable=False),
        sa.Column("phi_days", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", farm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("phi_days >= 0", name=op.f("ck_spray_products_phi_days_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spray_products")),
        sa.UniqueConstraint("name", name=op.f("uq_spray_products_name")),
    )
    op.create_table(
        "spray_product_crops",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("crop_id", sa.Integer(), nullable=False),
        sa.Column("phi_days", sa.Integer(), nullable=False),
        sa.CheckConstraint("phi_days >= 0", name=op.f("ck_spray_product_crops_phi_days_not_negative")),
        sa.ForeignKeyConstraint(["product_id"], ["spray_products.id"],
                                name=op.f("fk_spray_product_crops_product_id_spray_products"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["crop_id"], ["crops.id"], name=op.f("fk_spray_product_crops_crop_id_crops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spray_product_crops")),
        sa.UniqueConstraint("product_id", "crop_id", name=op.f("uq_spray_product_crops_product_id_crop_id")),
    )
    op.create_table(
        "sprays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("greenhouse_id", sa.Integer(), nullable=False),
        sa.Column("applied_at", farm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("product_name", sa.String(length=100), nullable=False),
        sa.Column("registration_no", sa.String(length=20), nullable=False),
        sa.Column("active_ingredient", sa.String(length=200), nullable=False),
        sa.Column("dose", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("dose_unit", sa.String(length=4), nullable=False),
        sa.Column("water_l", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("phi_days", sa.Integer(), nullable=False),
        sa.Column("harvest_allowed_from", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", farm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("phi_days >= 0", name=op.f("ck_sprays_phi_days_not_negative")),
        sa.CheckConstraint("dose > 0", name=op.f("ck_sprays_dose_positive")),
        sa.CheckConstraint("dose_unit IN ('ml', 'g')", name=op.f("ck_sprays_dose_unit_vocab")),
        sa.ForeignKeyConstraint(["greenhouse_id"], ["greenhouses.id"], name=op.f("fk_sprays_greenhouse_id_greenhouses")),
        sa.ForeignKeyConstraint(["product_id"], ["spray_products.id"], name=op.f("fk_sprays_product_id_spray_products")),
        sa.ForeignKeyConstraint(["operator_id"], ["workers.id"], name=op.f("fk_sprays_operator_id_workers")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], name=op.f("fk_sprays_recorded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sprays")),
    )
    with op.batch_alter_table("sprays", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sprays_applied_at"), ["applied_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_sprays_operator_id"), ["operator_id"], unique=False)
        batch_op.create_index("ix_sprays_greenhouse_allowed", ["greenhouse_id", "harvest_allowed_from"], unique=False)
    op.create_table(
        "spray_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("harvest_id", sa.Integer(), nullable=False),
        sa.Column("spray_id", sa.Integer(), nullable=False),
        sa.Column("harvest_allowed_from", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("overridden_by_id", sa.Integer(), nullable=False),
        sa.Column("overridden_at", farm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["harvest_id"], ["harvests.id"], name=op.f("fk_spray_overrides_harvest_id_harvests"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["spray_id"], ["sprays.id"], name=op.f("fk_spray_overrides_spray_id_sprays")),
        sa.ForeignKeyConstraint(["overridden_by_id"], ["users.id"],
                                name=op.f("fk_spray_overrides_overridden_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spray_overrides")),
        sa.UniqueConstraint("harvest_id", name=op.f("uq_spray_overrides_harvest_id")),
    )
    with op.batch_alter_table("spray_overrides", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_spray_overrides_spray_id"), ["spray_id"], unique=False)


def downgrade() -> None:
    op.drop_table("spray_overrides")
    op.drop_table("sprays")
    op.drop_table("spray_product_crops")
    op.drop_table("spray_products")
