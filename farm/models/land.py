"""Land transfer (土地流转): village households, their lease contracts with the park, parcels and rent payments.

The rent schedule is not stored: it follows from the contract's terms and is computed by
farm.services.rent, so a corrected term or a new payment never leaves stale dues behind.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, ForeignKey, Integer, Numeric, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from farm import clock
from farm.models.base import Area, Base, Money
from farm.models.park import Greenhouse
from farm.vocab import ContractStatus, HouseholdStatus, MonitorKind, PaymentMethod

# Which greenhouses stand on a contract's land.
contract_greenhouses = Table(
    "land_contract_greenhouses",
    Base.metadata,
    Column("contract_id", Integer, ForeignKey("land_contracts.id", ondelete="CASCADE"), primary_key=True),
    Column("greenhouse_id", Integer, ForeignKey("greenhouses.id", ondelete="CASCADE"), primary_key=True),
)


class Household(Base):
    """A village household (农户) that leases land to the park; named after its head."""

    __tablename__ = "households"
    __table_args__ = (HouseholdStatus.check("status"), MonitorKind.check("monitor_kind", nullable=True))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    village_group: Mapped[str] = mapped_column(String(60), default="", index=True)
    members: Mapped[int] = mapped_column(default=1)
    # Members able to work (劳动力); as many of them, or more, may work in the park.
    labour: Mapped[int] = mapped_column(default=0, server_default="0")
    status: Mapped[str] = mapped_column(String(20), default=HouseholdStatus.NONE.value)
    # Only for a monitored household (farm.services.land keeps it null otherwise); may be unknown yet.
    monitor_kind: Mapped[str | None] = mapped_column(String(20))
    phone: Mapped[str] = mapped_column(String(40), default="")
    id_number: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    bank_name: Mapped[str] = mapped_column(String(100), default="")
    bank_account: Mapped[str] = mapped_column(String(40), default="")
    # End of the household's own land-contract period (承包期); a lease may not run past it.
    contract_period_end: Mapped[date | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    contracts: Mapped[list["LandContract"]] = relationship(
        back_populates="household", order_by="LandContract.start_date"
    )


class LandContract(Base):
    """A land-transfer contract after the national model text (农村土地经营权出租合同示范文本)."""

    __tablename__ = "land_contracts"
    __table_args__ = (ContractStatus.check("status"), PaymentMethod.check("payment_method"))

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    use: Mapped[str] = mapped_column(String(200), default="")
    start_date: Mapped[date]
    end_date: Mapped[date]
    delivery_date: Mapped[date | None]
    rent_per_mu_year: Mapped[Decimal] = mapped_column(Money())
    # "MM-DD": the day each year's rent is due; 02-29 means the last day of February.
    payment_month_day: Mapped[str] = mapped_column(String(5))
    payment_method: Mapped[str] = mapped_column(String(20), default=PaymentMethod.BANK.value)
    escalation_every_years: Mapped[int | None]
    escalation_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    deposit: Mapped[Decimal | None] = mapped_column(Money())
    # Late rent costs 万分之X of the year's rent a day; X here (None: no late fee).
    late_fee_per_10k: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    village_filed_on: Mapped[date | None]
    township_filed_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default=ContractStatus.ACTIVE.value, index=True)
    terminated_on: Mapped[date | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    household: Mapped[Household] = relationship(back_populates="contracts")
    parcels: Mapped[list["Parcel"]] = relationship(
        back_populates="contract", order_by="Parcel.id", cascade="all, delete-orphan"
    )
    payments: Mapped[list["RentPayment"]] = relationship(
        back_populates="contract", order_by="(RentPayment.paid_on, RentPayment.id)", cascade="all, delete-orphan"
    )
    greenhouses: Mapped[list[Greenhouse]] = relationship(secondary=contract_greenhouses, order_by="Greenhouse.code")

    @property
    def area_mu(self) -> Decimal:
        return sum((p.area_mu for p in self.parcels), Decimal("0.00"))


class Parcel(Base):
    """One parcel (地块) of a contract, with its code (地块代码) and four boundaries (四至)."""

    __tablename__ = "land_parcels"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("land_contracts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(60), index=True)
    area_mu: Mapped[Decimal] = mapped_column(Area())
    east: Mapped[str] = mapped_column(String(100), default="")
    south: Mapped[str] = mapped_column(String(100), default="")
    west: Mapped[str] = mapped_column(String(100), default="")
    north: Mapped[str] = mapped_column(String(100), default="")
    land_type: Mapped[str] = mapped_column(String(60), default="")
    remarks: Mapped[str] = mapped_column(String(200), default="")

    contract: Mapped[LandContract] = relationship(back_populates="parcels")


class RentPayment(Base):
    """Rent paid to a household; allocated to the oldest open due when the schedule is computed."""

    __tablename__ = "rent_payments"
    __table_args__ = (PaymentMethod.check("method"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("land_contracts.id", ondelete="CASCADE"), index=True)
    paid_on: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(Money())
    method: Mapped[str] = mapped_column(String(20), default=PaymentMethod.BANK.value)
    receipt_no: Mapped[str] = mapped_column(String(60), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    contract: Mapped[LandContract] = relationship(back_populates="payments")
