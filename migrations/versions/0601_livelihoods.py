"""livelihoods: the monitoring line per year and households' other income entries

Revision ID: 0601_livelihoods
Revises: 0303_household_labour

The income kinds allowed are written out here as they stood when this migration was made (farm.vocab.IncomeKind);
a new kind gets a new migration that widens the constraint.
"""
import sqlalchemy as sa
from alembic import op

import farm.models.base

revision = "0601_livelihoods"
down_revision = "0303_household_labour"
branch_labels = ("livelihoods",)
depends_on = None

KINDS = "kind IN ('wages_other', 'business', 'property', 'transfer', 'costs')"


def upgrade() -> None:
    op.create_table(
        "income_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("line", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("set_at", farm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("line > 0", name=op.f("ck_income_lines_line_positive")),
        sa.ForeignKeyConstraint(["set_by_id"], ["users.id"], name=op.f("fk_income_lines_set_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_income_lines")),
        sa.UniqueConstraint("year", name=op.f("uq_income_lines_year")),
    )
    op.create_table(
        "income_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", farm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("voided_at", farm.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("voided_by_id", sa.Integer(), nullable=True),
        sa.Column("replaces_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(KINDS, name=op.f("ck_income_entries_kind_vocab")),
        sa.CheckConstraint("amount > 0", name=op.f("ck_income_entries_amount_positive")),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"],
                                name=op.f("fk_income_entries_household_id_households")),
        sa.ForeignKeyConstraint(["entered_by_id"], ["users.id"], name=op.f("fk_income_entries_entered_by_id_users")),
        sa.ForeignKeyConstraint(["voided_by_id"], ["users.id"], name=op.f("fk_income_entries_voided_by_id_users")),
        sa.ForeignKeyConstraint(["replaces_id"], ["income_entries.id"],
                                name=op.f("fk_income_entries_replaces_id_income_entries")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_income_entries")),
    )
    with op.batch_alter_table("income_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_income_entries_household_id"), ["household_id"], unique=False)
        batch_op.create_index("ix_income_entries_year_household", ["year", "household_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("income_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_income_entries_year_household")
        batch_op.drop_index(batch_op.f("ix_income_entries_household_id"))
    op.drop_table("income_entries")
    op.drop_table("income_lines")
