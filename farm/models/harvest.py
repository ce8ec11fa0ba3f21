"""Harvest records and the history of their corrections."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from farm import clock
from farm.models.base import Base, Weight
from farm.vocab import Grade

if TYPE_CHECKING:
    from farm.models.auth import User
    from farm.models.crops import Crop, Planting
    from farm.models.park import Greenhouse
    from farm.models.people import Worker

class Harvest(Base):
    """One weighed harvest entry: what came out of which greenhouse, when, by whom, in what grade.

    `day` is the park's local date of `harvested_at`, kept beside it so reports group and filter
    by day with an index instead of converting time zones row by row.
    """

    __tablename__ = "harvests"
    __table_args__ = (
        # One record per (who entered it, idempotency key): a retried save cannot store a second one.
        UniqueConstraint("entered_by_id", "idempotency_key"),
        Index("ix_harvests_day_crop", "day", "crop_id"),
        Grade.check("grade"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    greenhouse_id: Mapped[int] = mapped_column(ForeignKey("greenhouses.id"), index=True)
    planting_id: Mapped[int] = mapped_column(ForeignKey("plantings.id"), index=True)
    crop_id: Mapped[int] = mapped_column(ForeignKey("crops.id"))
    weight_kg: Mapped[Decimal] = mapped_column(Weight())
    grade: Mapped[str] = mapped_column(String(10))
    crates: Mapped[int | None]
    harvested_at: Mapped[datetime] = mapped_column(index=True)
    day: Mapped[date]
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("workers.id"), index=True)
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
    voided_at: Mapped[datetime | None]
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    void_reason: Mapped[str] = mapped_column(Text, default="")

    greenhouse: Mapped["Greenhouse"] = relationship()
    planting: Mapped["Planting"] = relationship()
    crop: Mapped["Crop"] = relationship()
    worker: Mapped["Worker | None"] = relationship()
    entered_by: Mapped["User"] = relationship(foreign_keys=[entered_by_id])
    voided_by: Mapped["User | None"] = relationship(foreign_keys=[voided_by_id])
    changes: Mapped[list["HarvestChange"]] = relationship(
        back_populates="harvest", order_by="HarvestChange.id", cascade="all, delete-orphan"
    )

    @property
    def voided(self) -> bool:
        return self.voided_at is not None


class HarvestChange(Base):
    """One correction or void of a harvest record: who, when, and the fields before and after."""

    __tablename__ = "harvest_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    harvest_id: Mapped[int] = mapped_column(ForeignKey("harvests.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(10))  # correct | void
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(default=clock.now)
    before: Mapped[dict] = mapped_column(JSON)
    after: Mapped[dict] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")

    harvest: Mapped[Harvest] = relationship(back_populates="changes")
    changed_by: Mapped["User"] = relationship()
