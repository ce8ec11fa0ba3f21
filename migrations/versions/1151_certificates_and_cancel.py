"""certificate log, packed batches with their own trace code, shipment cancellations

Revision ID: 1151_certificates_and_cancel
Revises: 0951_stock_totals

New tables only (no existing table is rebuilt): `certificate_issues` (every 承诺达标合格证 printed, kept at least
two years), `packed_batches` and `packed_batch_sources` (a packing session's certificate code and the harvest lots
it came from), `shipment_cancellations` (a cancelled shipment's reason, who, when and its lines as they were).
"""
import sqlalchemy as sa
from alembic import op

import farm.models.base

revision = "1151_certificates_and_cancel"
down_revision = "0951_stock_totals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shipment_cancellations",
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("cancelled_at", farm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("payments_as_credit", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["cancelled_by_id"], ["users.id"],
                                name=op.f("fk_shipment_cancellations_cancelled_by_id_users")),
        sa.ForeignKeyConstraint(["shipment_id"], ["shipments.id"], ondelete="CASCADE",
                                name=op.f("fk_shipment_cancellations_shipment_id_shipments")),
        sa.PrimaryKeyConstraint("shipment_id", name=op.f("pk_shipment_cancellations")),
    )
    op.create_table(
        "packed_batches",
        sa.Column("packing_session_id", sa.Integer(), nullable=False),
        sa.Column("certificate_code", sa.String(length=32), nullable=False),
        sa.Column("created_at", farm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["packing_session_id"], ["packing_sessions.id"], ondelete="CASCADE",
                                name=op.f("fk_packed_batches_packing_session_id_packing_sessions")),
        sa.PrimaryKeyConstraint("packing_session_id", name=op.f("pk_packed_batches")),
        sa.UniqueConstraint("certificate_code", name=op.f("uq_packed_batches_certificate_code")),
    )
    op.create_table(
        "packed_batch_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("harvest_id", sa.Integer(), nullable=False),
        sa.Column("weight_kg", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.CheckConstraint("weight_kg > 0", name=op.f("ck_packed_batch_sources_weight_positive")),
        sa.ForeignKeyConstraint(["batch_id"], ["packed_batches.packing_session_id"], ondelete="CASCADE",
                                name=op.f("fk_packed_batch_sources_batch_id_packed_batches")),
        sa.ForeignKeyConstraint(["harvest_id"], ["harvests.id"],
                                name=op.f("fk_packed_batch_sources_harvest_id_harvests")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_packed_batch_sources")),
    )
    with op.batch_alter_table("packed_batch_sources", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_packed_batch_sources_batch_id"), ["batch_id"], unique=False)
    op.create_table(
        "certificate_issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=30), nullable=False),
        sa.Column("certificate_code", sa.String(length=32), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=True),
        sa.Column("packing_session_id", sa.Integer(), nullable=True),
        sa.Column("product", sa.String(length=200), nullable=False),
        sa.Column("weight_kg", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("layout", sa.String(length=10), nullable=False),
        sa.Column("copies", sa.Integer(), nullable=False),
        sa.Column("basis", sa.String(length=20), nullable=False),
        sa.Column("test_result", sa.String(length=100), nullable=False),
        sa.Column("printed_by_id", sa.Integer(), nullable=True),
        sa.Column("printed_at", farm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("(shipment_id IS NULL) <> (packing_session_id IS NULL)",
                           name=op.f("ck_certificate_issues_one_subject")),
        sa.CheckConstraint("copies > 0", name=op.f("ck_certificate_issues_copies_positive")),
        sa.ForeignKeyConstraint(["packing_session_id"], ["packing_sessions.id"],
                                name=op.f("fk_certificate_issues_packing_session_id_packing_sessions")),
        sa.ForeignKeyConstraint(["printed_by_id"], ["users.id"], name=op.f("fk_certificate_issues_printed_by_id_users")),
        sa.ForeignKeyConstraint(["shipment_id"], ["shipments.id"], name=op.f("fk_certificate_issues_shipment_id_shipments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_issues")),
        sa.UniqueConstraint("number", name=op.f("uq_certificate_issues_number")),
    )
    with op.batch_alter_table("certificate_issues", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificate_issues_certificate_code"), ["certificate_code"], unique=False)
        batch_op.create_index("ix_certificate_issues_issued_on", ["issued_on"], unique=False)


def downgrade() -> None:
    op.drop_table("certificate_issues")
    op.drop_table("packed_batch_sources")
    op.drop_table("packed_batches")
    op.drop_table("shipment_cancellations")
