"""The daily park report, kept as a snapshot per park day, and the land reminders the scheduler has recorded."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from farm.models.base import Base, Money


class DailyReport(Base):
    """How one park day went, as it stood when the report was made; making it again replaces the snapshot.

    The snapshot is JSON (see farm.services.daily_report for its shape) so the report of a past day keeps
    reading the same after plantings, settings or contracts change.
    """

    __tablename__ = "daily_reports"

    day: Mapped[date] = mapped_column(primary_key=True)
    generated_at: Mapped[datetime]
    data: Mapped[dict] = mapped_column(JSON)


class LandReminderRecord(Base):
    """A land reminder (rent overdue, rent due soon, contract ending) the scheduler has seen, once per key.

    `key` names the reminder and the date it is about, so each is notified once however often the job runs.
    No foreign key: the table sits on the scheduler's migration branch, apart from the land tables.
    """

    __tablename__ = "land_reminder_records"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    contract_id: Mapped[int] = mapped_column(Integer, index=True)
    due_on: Mapped[date]  # the rent's due date, or the contract's last day
    amount: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    notified_at: Mapped[datetime | None]
