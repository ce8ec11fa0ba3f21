"""People who work in the park."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from farm.models.base import Base, Money, utcnow

WORKER_STATUSES = ("active", "left")


class Worker(Base):
    """A worker; a `worker` login belongs to exactly one of these."""

    __tablename__ = "workers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(40), default="")
    village_group: Mapped[str] = mapped_column(String(60), default="")
    status: Mapped[str] = mapped_column(String(20), default="active")
    daily_wage: Mapped[Decimal | None] = mapped_column(Money())
    started_on: Mapped[date | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
