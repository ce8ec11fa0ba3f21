"""Public-fund assets (扶贫资产) of the village collective, kept in three ledgers (三本账), the returns their
operators pay the collective, and how the collective distributes that income.

Depreciation, what a year's return is and how payments are shared over the assets are not stored: they follow from
an asset's terms and are computed by farm.services.assets, so a corrected term leaves no stale figure behind.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Column, ForeignKey, Integer, Numeric, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from farm import clock
from farm.models.auth import User
from farm.models.base import Base, Money
from farm.models.land import Household
from farm.models.park import Greenhouse
from farm.vocab import (
    AssetCategory,
    AssetChangeAction,
    AssetKind,
    AssetOperator,
    AssetStatus,
    DistributionKind,
    FundingSource,
)

# The greenhouses an asset is (one asset may be a group of greenhouses built with one grant).
asset_greenhouses = Table(
    "asset_greenhouses",
    Base.metadata,
    Column("asset_id", Integer, ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True),
    Column("greenhouse_id", Integer, ForeignKey("greenhouses.id", ondelete="CASCADE"), primary_key=True),
)


class Asset(Base):
    """An asset built (wholly or partly) with public funds and owned by the village collective."""

    __tablename__ = "assets"
    __table_args__ = (AssetKind.check("kind"), AssetCategory.check("category"), AssetStatus.check("status"),
                      AssetOperator.check("operator_kind"))

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(20), index=True)
    built_on: Mapped[date]
    handed_over_on: Mapped[date | None]
    owner: Mapped[str] = mapped_column(String(100))
    operator_kind: Mapped[str] = mapped_column(String(20), default=AssetOperator.COMPANY.value)
    operator_name: Mapped[str] = mapped_column(String(100), default="")
    operator_household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    # The original value: always the sum of the funding lines (farm.services.assets keeps it so).
    value: Mapped[Decimal] = mapped_column(Money())
    depreciation_years: Mapped[int]
    residual_value: Mapped[Decimal] = mapped_column(Money())
    # What the operator owes the collective a year: a percentage of the public funds, or a fixed amount, or nothing.
    return_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    return_fixed: Mapped[Decimal | None] = mapped_column(Money())
    status: Mapped[str] = mapped_column(String(20), default=AssetStatus.IN_USE.value)
    disposed_on: Mapped[date | None]
    disposal_reason: Mapped[str] = mapped_column(String(200), default="")
    disposal_approval: Mapped[str] = mapped_column(String(100), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    funding: Mapped[list["AssetFunding"]] = relationship(
        back_populates="asset", order_by="AssetFunding.id", cascade="all, delete-orphan"
    )
    greenhouses: Mapped[list[Greenhouse]] = relationship(secondary=asset_greenhouses, order_by="Greenhouse.code")
    operator_household: Mapped[Household | None] = relationship()
    changes: Mapped[list["AssetChange"]] = relationship(
        back_populates="asset", order_by="AssetChange.id", cascade="all, delete-orphan"
    )

    @property
    def in_service_on(self) -> date:
        """The day the operator took the asset over (the day it was built when no hand-over is recorded)."""
        return self.handed_over_on or self.built_on


class AssetFunding(Base):
    """One source of an asset's original value (财政衔接资金, 东西部协作 ...)."""

    __tablename__ = "asset_funding"
    __table_args__ = (FundingSource.check("source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(Money())

    asset: Mapped[Asset] = relationship(back_populates="funding")


class AssetChange(Base):
    """One change of an asset, kept for good: who, when, what it was before and after. Never edited."""

    __tablename__ = "asset_changes"
    __table_args__ = (AssetChangeAction.check("action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), index=True)
    changed_at: Mapped[datetime] = mapped_column(default=clock.now)
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(20))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict] = mapped_column(JSON)

    asset: Mapped[Asset] = relationship(back_populates="changes")
    user: Mapped[User | None] = relationship()


class AssetReturn(Base):
    """A payment of the operators to the village collective for one year's return on its assets."""

    __tablename__ = "asset_returns"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    paid_on: Mapped[date]
    receipt_no: Mapped[str] = mapped_column(String(60), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class Distribution(Base):
    """One decision of the collective on how to use a year's income from its assets, with its lines."""

    __tablename__ = "asset_distributions"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    paid_on: Mapped[date] = mapped_column(index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    lines: Mapped[list["DistributionLine"]] = relationship(
        back_populates="distribution", order_by="DistributionLine.id", cascade="all, delete-orphan"
    )

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))


class DistributionLine(Base):
    """A dividend to a household, pay for a public-welfare job, village public works, or what is retained."""

    __tablename__ = "asset_distribution_lines"
    __table_args__ = (DistributionKind.check("kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    distribution_id: Mapped[int] = mapped_column(ForeignKey("asset_distributions.id", ondelete="CASCADE"),
                                                 index=True)
    kind: Mapped[str] = mapped_column(String(20))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    # The person paid for a public-welfare job, or what the works or the retained sum are for.
    person: Mapped[str] = mapped_column(String(100), default="")
    amount: Mapped[Decimal] = mapped_column(Money())

    distribution: Mapped[Distribution] = relationship(back_populates="lines")
    household: Mapped[Household | None] = relationship()
