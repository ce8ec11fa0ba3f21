"""Households' livelihoods (防止返贫监测): the monitoring line per year and the income a village official enters.

Rent and wages are never stored here: they are read from the rent payments and the payroll
(farm.services.livelihoods). An income entry is never deleted or overwritten: a deletion or a correction
voids it (who, when) and a correction adds the new entry that replaces it.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from farm import clock
from farm.models.base import Base, Money
from farm.models.land import Household
from farm.vocab import IncomeKind


class IncomeLine(Base):
    """The monitoring line (元 per person per year) set for a year; it holds until a later year sets another."""

    __tablename__ = "income_lines"
    __table_args__ = (CheckConstraint("line > 0", name="line_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    line: Mapped[Decimal] = mapped_column(Money())
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(default=clock.now)


class IncomeEntry(Base):
    """Income of a household the park's ledgers do not hold, for a year; costs are a positive amount subtracted."""

    __tablename__ = "income_entries"
    __table_args__ = (IncomeKind.check("kind"), CheckConstraint("amount > 0", name="amount_positive"),
                      Index("ix_income_entries_year_household", "year", "household_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    year: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(Money())
    note: Mapped[str] = mapped_column(Text, default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    # Deleted or corrected: the entry stays, marked with who voided it and when.
    voided_at: Mapped[datetime | None]
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The entry this one corrects (voided when this one was made).
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("income_entries.id"))

    household: Mapped[Household] = relationship()
