"""sensors: device moves, so a moved device's history stays with the greenhouse it was in

Readings and rollups already carry the greenhouse they were taken in; the charts and reports found a greenhouse's
devices by where each device is now, so a device moved away took its old history out of its old greenhouse's
rolled-up charts. Each move is recorded from now on (moves before this revision are not known).

Revision ID: 1301_device_moves
Revises: 0202_sensors_vocab
"""
import sqlalchemy as sa
from alembic import op

import farm.models.base

revision = "1301_device_moves"
down_revision = "0202_sensors_vocab"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "device_moves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("from_greenhouse_id", sa.Integer(), nullable=False),
        sa.Column("to_greenhouse_id", sa.Integer(), nullable=False),
        sa.Column("moved_at", farm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], name=op.f("fk_device_moves_device_id_devices"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["from_greenhouse_id"], ["greenhouses.id"],
                                name=op.f("fk_device_moves_from_greenhouse_id_greenhouses"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["to_greenhouse_id"], ["greenhouses.id"],
                                name=op.f("fk_device_moves_to_greenhouse_id_greenhouses"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_moves")),
    )
    op.create_index(op.f("ix_device_moves_device_id"), "device_moves", ["device_id"])
    op.create_index(op.f("ix_device_moves_from_greenhouse_id"), "device_moves", ["from_greenhouse_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_device_moves_from_greenhouse_id"), table_name="device_moves")
    op.drop_index(op.f("ix_device_moves_device_id"), table_name="device_moves")
    op.drop_table("device_moves")
