"""warnings: early warning of households against a return to poverty, and their follow-ups

Revision ID: 0701_warnings
Revises: 0303_household_labour

The kinds, states and measures allowed are written out as they stand with this migration (farm.vocab WarningKind,
WarningState, FollowUpMeasure); a new value gets a new migration that widens the constraint. The partial unique
index keeps at most one open or followed-up warning per household and kind (SQLite and PostgreSQL both index
partially).
"""
import sqlalchemy as sa
from alembic import op

import farm.models.base

revision = "0701_warnings"
down_revision = "0303_household_labour"
branch_labels = ("warnings",)
depends_on = None

UTC = farm.models.base.UTCDateTime(timezone=True)
KINDS = ("below_line", "near_line", "income_drop", "stopped_working", "rent_overdue")
STATES = ("open", "following", "closed")
MEASURES = ("employment", "training", "rent_paid", "subsidy", "other")
OPEN_WHERE = sa.text("state IN ('open', 'following')")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "warnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("opened_at", UTC, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("condition_holds", sa.Boolean(), nullable=False),
        sa.Column("checked_at", UTC, nullable=False),
        sa.Column("closed_at", UTC, nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=False),
        sa.CheckConstraint(_in("kind", KINDS), name=op.f("ck_warnings_kind_vocab")),
        sa.CheckConstraint(_in("state", STATES), name=op.f("ck_warnings_state_vocab")),
        sa.ForeignKeyConstraint(["closed_by_id"], ["users.id"], name=op.f("fk_warnings_closed_by_id_users")),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"], name=op.f("fk_warnings_household_id_households")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warnings")),
    )
    with op.batch_alter_table("warnings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_warnings_household_id"), ["household_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_warnings_opened_at"), ["opened_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_warnings_state"), ["state"], unique=False)
        batch_op.create_index("uq_warnings_open_household_kind", ["household_id", "kind"], unique=True,
                              sqlite_where=OPEN_WHERE, postgresql_where=OPEN_WHERE)

    op.create_table(
        "warning_follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("at", UTC, nullable=False),
        sa.CheckConstraint(_in("measure", MEASURES), name=op.f("ck_warning_follow_ups_measure_vocab")),
        sa.ForeignKeyConstraint(["by_id"], ["users.id"], name=op.f("fk_warning_follow_ups_by_id_users")),
        sa.ForeignKeyConstraint(["warning_id"], ["warnings.id"], name=op.f("fk_warning_follow_ups_warning_id_warnings"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_follow_ups")),
    )
    with op.batch_alter_table("warning_follow_ups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_warning_follow_ups_warning_id"), ["warning_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("warning_follow_ups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warning_follow_ups_warning_id"))
    op.drop_table("warning_follow_ups")
    with op.batch_alter_table("warnings", schema=None) as batch_op:
        batch_op.drop_index("uq_warnings_open_household_kind")
        batch_op.drop_index(batch_op.f("ix_warnings_state"))
        batch_op.drop_index(batch_op.f("ix_warnings_opened_at"))
        batch_op.drop_index(batch_op.f("ix_warnings_household_id"))
    op.drop_table("warnings")
