"""The park and its greenhouses."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from farm import clock
from farm.models.base import Area, Base
from farm.vocab import GreenhouseKind, GreenhouseStatus

if TYPE_CHECKING:
    from farm.models.crops import Planting


class Park(Base):
    """The demonstration park; topics carry its code."""

    __tablename__ = "parks"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    location: Mapped[str] = mapped_column(String(200), default="")
    area_mu: Mapped[Decimal | None] = mapped_column(Area())
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    greenhouses: Mapped[list["Greenhouse"]] = relationship(back_populates="park", order_by="Greenhouse.code")


class Greenhouse(Base):
    """A greenhouse (大棚), coded GH-001 and up."""

    __tablename__ = "greenhouses"
    __table_args__ = (GreenhouseKind.check("kind"), GreenhouseStatus.check("status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    park_id: Mapped[int] = mapped_column(ForeignKey("parks.id"), index=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    zone: Mapped[str] = mapped_column(String(40), default="")
    row: Mapped[int | None]
    area_m2: Mapped[Decimal] = mapped_column(Area())
    kind: Mapped[str] = mapped_column(String(20), default=GreenhouseKind.SOLAR.value)
    status: Mapped[str] = mapped_column(String(20), default=GreenhouseStatus.ACTIVE.value)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    park: Mapped[Park] = relationship(back_populates="greenhouses")
    plantings: Mapped[list["Planting"]] = relationship(
        back_populates="greenhouse", order_by="Planting.planted_on.desc()"
    )
