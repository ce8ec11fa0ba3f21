"""Packing, stock and sales: pack sizes, packing sessions, losses, buyers and their price lists, shipments (送货单)
with their lines and payments, and the allocation rows that trace every shipped or lost kilogram back to the harvest
records it came from.

Stock is not stored as a balance: on hand = harvested − shipped − lost per crop and grade, summed from the harvest
records, the shipment lines and the losses (farm.services.stock). What is stored is the lineage: each shipment line
and each loss holds `StockAllocation` rows, first in first out, naming the harvests its kilograms came from.
`StockLock` holds one row per crop and grade that every change of stock updates first, so two shipments of the
same produce take turns (a row lock on PostgreSQL, the write lock on SQLite).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from farm import clock
from farm.models.base import Base, Money, Weight
from farm.vocab import BuyerKind, Grade, LossReason, PackUnit, PaymentMethod

if TYPE_CHECKING:
    from farm.models.auth import User
    from farm.models.crops import Crop
    from farm.models.harvest import Harvest
    from farm.models.people import Worker


class PackSize(Base):
    """How a crop of a grade is packed: a box or a crate of a set net weight (e.g. 5 kg boxes of grade-1 tomatoes)."""

    __tablename__ = "pack_sizes"
    __table_args__ = (UniqueConstraint("crop_id", "grade"), Grade.check("grade"), PackUnit.check("unit"),
                      CheckConstraint("net_kg > 0", name="net_kg_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    crop_id: Mapped[int] = mapped_column(ForeignKey("crops.id"))
    grade: Mapped[str] = mapped_column(String(10))
    unit: Mapped[str] = mapped_column(String(10), default=PackUnit.BOX.value)
    net_kg: Mapped[Decimal] = mapped_column(Weight())
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)

    crop: Mapped["Crop"] = relationship()


class PackingSession(Base):
    """A packer's packing of graded produce into units of its pack size on a day.

    Packing does not change stock (kilograms are on hand loose or packed alike); the units packed are the packer's
    crates for piece pay (farm.services.payroll, from the day `pay.crates_from_packing` applies).
    """

    __tablename__ = "packing_sessions"
    __table_args__ = (Grade.check("grade"), CheckConstraint("units > 0", name="units_positive"),
                      Index("ix_packing_sessions_day_packer", "day", "packer_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    packer_id: Mapped[int] = mapped_column(ForeignKey("workers.id"))
    crop_id: Mapped[int] = mapped_column(ForeignKey("crops.id"))
    grade: Mapped[str] = mapped_column(String(10))
    pack_size_id: Mapped[int] = mapped_column(ForeignKey("pack_sizes.id"))
    units: Mapped[int]
    net_kg: Mapped[Decimal] = mapped_column(Weight())  # the pack size's net weight when packed
    weight_kg: Mapped[Decimal] = mapped_column(Weight())
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    packer: Mapped["Worker"] = relationship()
    crop: Mapped["Crop"] = relationship()
    pack_size: Mapped[PackSize] = relationship()


class Loss(Base):
    """Produce that left the stock unsold (culls, spoilage ...), with its reason; traced like a shipment."""

    __tablename__ = "stock_losses"
    __table_args__ = (Grade.check("grade"), LossReason.check("reason"),
                      CheckConstraint("weight_kg > 0", name="weight_positive"),
                      Index("ix_stock_losses_crop_grade", "crop_id", "grade"))

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(index=True)
    crop_id: Mapped[int] = mapped_column(ForeignKey("crops.id"))
    grade: Mapped[str] = mapped_column(String(10))
    weight_kg: Mapped[Decimal] = mapped_column(Weight())
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    crop: Mapped["Crop"] = relationship()
    allocations: Mapped[list["StockAllocation"]] = relationship(
        back_populates="loss", order_by="StockAllocation.id", cascade="all, delete-orphan")


class Buyer(Base):
    """Who buys the park's produce; `consumption_aid` marks a buyer purchasing as 消费帮扶."""

    __tablename__ = "buyers"
    __table_args__ = (BuyerKind.check("kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    contact: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    consumption_aid: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    prices: Mapped[list["BuyerPrice"]] = relationship(
        back_populates="buyer", order_by="(BuyerPrice.crop_id, BuyerPrice.grade, BuyerPrice.valid_from)",
        cascade="all, delete-orphan")


class BuyerPrice(Base):
    """A buyer's agreed price (元/kg) for a crop and grade from a day on; the newest one not after a day applies."""

    __tablename__ = "buyer_prices"
    __table_args__ = (UniqueConstraint("buyer_id", "crop_id", "grade", "valid_from"), Grade.check("grade"),
                      CheckConstraint("price_per_kg > 0", name="price_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id", ondelete="CASCADE"))
    crop_id: Mapped[int] = mapped_column(ForeignKey("crops.id"))
    grade: Mapped[str] = mapped_column(String(10))
    valid_from: Mapped[date]
    price_per_kg: Mapped[Decimal] = mapped_column(Money())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    buyer: Mapped[Buyer] = relationship(back_populates="prices")
    crop: Mapped["Crop"] = relationship()


class Shipment(Base):
    """A delivery to a buyer (送货单): its lines, total, payments and the code of its 承诺达标合格证.

    `consumption_aid` is the buyer's flag on the day shipped, so a later change of the buyer does not rewrite what
    was reported as 消费帮扶. `certificate_code` is random and unguessable: the public trace page is found by it.
    """

    __tablename__ = "shipments"
    __table_args__ = (Index("ix_shipments_buyer_day", "buyer_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"))
    day: Mapped[date] = mapped_column(index=True)
    total: Mapped[Decimal] = mapped_column(Money())
    consumption_aid: Mapped[bool] = mapped_column(Boolean, default=False)
    certificate_code: Mapped[str] = mapped_column(String(32), unique=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    buyer: Mapped[Buyer] = relationship()
    lines: Mapped[list["ShipmentLine"]] = relationship(
        back_populates="shipment", order_by="ShipmentLine.id", cascade="all, delete-orphan")
    payments: Mapped[list["ShipmentPayment"]] = relationship(
        back_populates="shipment", order_by="(ShipmentPayment.paid_on, ShipmentPayment.id)",
        cascade="all, delete-orphan")
    cancellation: Mapped["ShipmentCancellation | None"] = relationship(
        back_populates="shipment", cascade="all, delete-orphan")

    @property
    def cancelled(self) -> bool:
        return self.cancellation is not None


class ShipmentLine(Base):
    """One crop and grade on a shipment: weight (or units of its pack size), price, amount (to the fen).

    `list_price_per_kg` is the buyer's list price that day, kept to show how far the price agreed differs.
    """

    __tablename__ = "shipment_lines"
    __table_args__ = (Grade.check("grade"), CheckConstraint("weight_kg > 0", name="weight_positive"),
                      CheckConstraint("price_per_kg > 0", name="price_positive"),
                      Index("ix_shipment_lines_crop_grade", "crop_id", "grade"))

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"), index=True)
    crop_id: Mapped[int] = mapped_column(ForeignKey("crops.id"))
    grade: Mapped[str] = mapped_column(String(10))
    weight_kg: Mapped[Decimal] = mapped_column(Weight())
    units: Mapped[int | None]
    pack_size_id: Mapped[int | None] = mapped_column(ForeignKey("pack_sizes.id"))
    price_per_kg: Mapped[Decimal] = mapped_column(Money())
    list_price_per_kg: Mapped[Decimal | None] = mapped_column(Money())
    amount: Mapped[Decimal] = mapped_column(Money())

    shipment: Mapped[Shipment] = relationship(back_populates="lines")
    crop: Mapped["Crop"] = relationship()
    pack_size: Mapped[PackSize | None] = relationship()
    allocations: Mapped[list["StockAllocation"]] = relationship(
        back_populates="line", order_by="StockAllocation.id", cascade="all, delete-orphan")


class ShipmentPayment(Base):
    """Money received against a shipment; what exceeds the shipment's total is the buyer's credit."""

    __tablename__ = "shipment_payments"
    __table_args__ = (PaymentMethod.check("method"), CheckConstraint("amount > 0", name="amount_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"), index=True)
    paid_on: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(Money())
    method: Mapped[str] = mapped_column(String(20), default=PaymentMethod.BANK.value)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    shipment: Mapped[Shipment] = relationship(back_populates="payments")


class StockAllocation(Base):
    """Kilograms of one harvest record that went out with one shipment line or one loss (first in, first out)."""

    __tablename__ = "stock_allocations"
    __table_args__ = (
        CheckConstraint("(shipment_line_id IS NULL) <> (loss_id IS NULL)", name="one_target"),
        CheckConstraint("weight_kg > 0", name="weight_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    harvest_id: Mapped[int] = mapped_column(ForeignKey("harvests.id"), index=True)
    shipment_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("shipment_lines.id", ondelete="CASCADE"), index=True)
    loss_id: Mapped[int | None] = mapped_column(ForeignKey("stock_losses.id", ondelete="CASCADE"), index=True)
    weight_kg: Mapped[Decimal] = mapped_column(Weight())

    harvest: Mapped["Harvest"] = relationship()
    line: Mapped[ShipmentLine | None] = relationship(back_populates="allocations")
    loss: Mapped[Loss | None] = relationship(back_populates="allocations")


class StockLock(Base):
    """One row per crop and grade, updated first by every change of its stock so that changes take turns."""

    __tablename__ = "stock_locks"
    __table_args__ = (Grade.check("grade"),)

    crop_id: Mapped[int] = mapped_column(ForeignKey("crops.id"), primary_key=True)
    grade: Mapped[str] = mapped_column(String(10), primary_key=True)
    changes: Mapped[int] = mapped_column(default=0)


class ShipmentCancellation(Base):
    """A shipment taken back: who, when, why, and its lines as they were (the allocations they held included).

    Cancelling deletes the shipment's lines, so the database's stock totals give the kilograms back and the
    harvest lots they came from are open again exactly as taken; `lines` keeps what was shipped, for the record.
    `payments_as_credit`: payments made against it stay, counted as the buyer's credit.
    """

    __tablename__ = "shipment_cancellations"

    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"), primary_key=True)
    cancelled_at: Mapped[datetime] = mapped_column(default=clock.now)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    lines: Mapped[list] = mapped_column(JSON, default=list)
    payments_as_credit: Mapped[bool] = mapped_column(Boolean, default=False)

    shipment: Mapped[Shipment] = relationship(back_populates="cancellation")


class PackedBatch(Base):
    """A packing session as a batch with its own 承诺达标合格证 and trace code.

    Packing takes nothing out of the stock, so a batch's lineage is the first-in first-out lots that were on hand
    of its crop and grade, harvested on or before its day, when the batch got its code (`PackedBatchSource`)."""

    __tablename__ = "packed_batches"

    packing_session_id: Mapped[int] = mapped_column(ForeignKey("packing_sessions.id", ondelete="CASCADE"),
                                                    primary_key=True)
    certificate_code: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    packing: Mapped[PackingSession] = relationship()
    sources: Mapped[list["PackedBatchSource"]] = relationship(
        order_by="PackedBatchSource.id", cascade="all, delete-orphan")


class PackedBatchSource(Base):
    """Kilograms of one harvest record in a packed batch."""

    __tablename__ = "packed_batch_sources"
    __table_args__ = (CheckConstraint("weight_kg > 0", name="weight_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("packed_batches.packing_session_id", ondelete="CASCADE"),
                                          index=True)
    harvest_id: Mapped[int] = mapped_column(ForeignKey("harvests.id"))
    weight_kg: Mapped[Decimal] = mapped_column(Weight())


class CertificateIssue(Base):
    """One 承诺达标合格证 printed: its number, what it certifies (a shipment or a packed batch), product, weight,
    the day issued, who printed it and how (layout, copies, basis, test result), so it can be printed again the
    same. Kept at least `farm.services.certificates.RETENTION_YEARS`."""

    __tablename__ = "certificate_issues"
    __table_args__ = (
        CheckConstraint("(shipment_id IS NULL) <> (packing_session_id IS NULL)", name="one_subject"),
        CheckConstraint("copies > 0", name="copies_positive"),
        Index("ix_certificate_issues_issued_on", "issued_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    certificate_code: Mapped[str] = mapped_column(String(32), index=True)
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id"))
    packing_session_id: Mapped[int | None] = mapped_column(ForeignKey("packing_sessions.id"))
    product: Mapped[str] = mapped_column(String(200))
    weight_kg: Mapped[Decimal] = mapped_column(Weight())
    issued_on: Mapped[date]
    layout: Mapped[str] = mapped_column(String(10), default="sheet")
    copies: Mapped[int] = mapped_column(default=1)
    basis: Mapped[str] = mapped_column(String(20), default="promise")
    test_result: Mapped[str] = mapped_column(String(100), default="")
    printed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    printed_at: Mapped[datetime] = mapped_column(default=clock.now)

    printed_by: Mapped["User | None"] = relationship()
