"""Crops with their climate ranges, their varieties, and plantings in greenhouses."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from farm import clock
from farm.models.base import Area, Base
from farm.models.park import Greenhouse
from farm.vocab import CropCategory, PlantingStatus

# Climate fields of a crop, in the order pages show them; each is a Numeric °C, % or ppm.
CLIMATE_FIELDS = (
    "day_temp_min", "day_temp_max", "night_temp_min", "night_temp_max",
    "chill_slow_c", "chill_stop_c", "frost_kill_c",
    "heat_impair_c", "heat_stop_c", "heat_injury_c",
    "humidity_min", "humidity_max", "soil_temp_min", "soil_temp_max",
    "co2_min", "co2_max",
)


def _climate() -> Mapped[Decimal | None]:
    return mapped_column(Numeric(7, 1), nullable=True)


class Crop(Base):
    """A crop such as cucumber 黄瓜, with the climate ranges alerts are judged by."""

    __tablename__ = "crops"
    __table_args__ = (CropCategory.check("category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(60))
    category: Mapped[str] = mapped_column(String(20), default=CropCategory.VEGETABLE.value)
    color: Mapped[str] = mapped_column(String(7), default="#4caf50")
    # Fruiting-stage climate (docs/domain.md): day/night air °C, chilling and heat limits, RH %, soil °C, CO2 ppm.
    day_temp_min: Mapped[Decimal | None] = _climate()
    day_temp_max: Mapped[Decimal | None] = _climate()
    night_temp_min: Mapped[Decimal | None] = _climate()
    night_temp_max: Mapped[Decimal | None] = _climate()
    chill_slow_c: Mapped[Decimal | None] = _climate()
    chill_stop_c: Mapped[Decimal | None] = _climate()
    frost_kill_c: Mapped[Decimal | None] = _climate()
    heat_impair_c: Mapped[Decimal | None] = _climate()
    heat_stop_c: Mapped[Decimal | None] = _climate()
    heat_injury_c: Mapped[Decimal | None] = _climate()
    humidity_min: Mapped[Decimal | None] = _climate()
    humidity_max: Mapped[Decimal | None] = _climate()
    soil_temp_min: Mapped[Decimal | None] = _climate()
    soil_temp_max: Mapped[Decimal | None] = _climate()
    co2_min: Mapped[Decimal | None] = _climate()
    co2_max: Mapped[Decimal | None] = _climate()
    notes: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)

    varieties: Mapped[list["CropVariety"]] = relationship(
        back_populates="crop", order_by="CropVariety.name", cascade="all, delete-orphan"
    )

    def display_name(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_zh


class CropVariety(Base):
    """A named variety (品种) of a crop."""

    __tablename__ = "crop_varieties"
    __table_args__ = (UniqueConstraint("crop_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    crop_id: Mapped[int] = mapped_column(ForeignKey("crops.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))

    crop: Mapped[Crop] = relationship(back_populates="varieties")


class Planting(Base):
    """A crop planted in (part of) a greenhouse, from planting to the end of harvest."""

    __tablename__ = "plantings"
    __table_args__ = (PlantingStatus.check("status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    greenhouse_id: Mapped[int] = mapped_column(ForeignKey("greenhouses.id"), index=True)
    crop_id: Mapped[int] = mapped_column(ForeignKey("crops.id"), index=True)
    variety: Mapped[str] = mapped_column(String(100), default="")
    planted_on: Mapped[date]
    area_m2: Mapped[Decimal] = mapped_column(Area())
    expected_harvest_on: Mapped[date | None]
    ended_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default=PlantingStatus.GROWING.value, index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    greenhouse: Mapped[Greenhouse] = relationship(back_populates="plantings")
    crop: Mapped[Crop] = relationship()
