"""Spraying records (农药使用记录): the park's list of pesticide products, each spray in a greenhouse, and the
harvests a manager allowed inside a spray's pre-harvest interval (安全间隔期)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from farm import clock
from farm.models.base import Base
from farm.vocab import DoseUnit

if TYPE_CHECKING:
    from farm.models.auth import User
    from farm.models.crops import Crop
    from farm.models.harvest import Harvest
    from farm.models.park import Greenhouse
    from farm.models.people import Worker


class SprayProduct(Base):
    """A pesticide product the park uses: its name, registration number (农药登记证号), active ingredient and the
    pre-harvest interval its label states, which a spray record takes by default."""

    __tablename__ = "spray_products"
    __table_args__ = (CheckConstraint("phi_days >= 0", name="phi_days_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    registration_no: Mapped[str] = mapped_column(String(20))
    active_ingredient: Mapped[str] = mapped_column(String(200))
    phi_days: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    crop_intervals: Mapped[list["SprayProductCrop"]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="SprayProductCrop.id")


class SprayProductCrop(Base):
    """The interval a product's label states for one crop, where it differs from the product's default."""

    __tablename__ = "spray_product_crops"
    __table_args__ = (UniqueConstraint("product_id", "crop_id"),
                      CheckConstraint("phi_days >= 0", name="phi_days_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("spray_products.id", ondelete="CASCADE"))
    crop_id: Mapped[int] = mapped_column(ForeignKey("crops.id"))
    phi_days: Mapped[int]

    product: Mapped[SprayProduct] = relationship(back_populates="crop_intervals")
    crop: Mapped["Crop"] = relationship()


class Spray(Base):
    """One spraying of a greenhouse. `day` is the park's day of `applied_at`; `harvest_allowed_from` is the first
    park day a harvest there is allowed again: `day` + `phi_days` (services.sprays holds the rule)."""

    __tablename__ = "sprays"
    __table_args__ = (
        CheckConstraint("phi_days >= 0", name="phi_days_not_negative"),
        CheckConstraint("dose > 0", name="dose_positive"),
        DoseUnit.check("dose_unit"),
        Index("ix_sprays_greenhouse_allowed", "greenhouse_id", "harvest_allowed_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    greenhouse_id: Mapped[int] = mapped_column(ForeignKey("greenhouses.id"))
    applied_at: Mapped[datetime] = mapped_column(index=True)
    day: Mapped[date]
    product_id: Mapped[int | None] = mapped_column(ForeignKey("spray_products.id"))
    product_name: Mapped[str] = mapped_column(String(100))
    registration_no: Mapped[str] = mapped_column(String(20))
    active_ingredient: Mapped[str] = mapped_column(String(200))
    dose: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    dose_unit: Mapped[str] = mapped_column(String(4), default=DoseUnit.ML.value)
    water_l: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    target: Mapped[str] = mapped_column(String(200))
    operator_id: Mapped[int] = mapped_column(ForeignKey("workers.id"), index=True)
    phi_days: Mapped[int]
    harvest_allowed_from: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    greenhouse: Mapped["Greenhouse"] = relationship()
    product: Mapped["SprayProduct | None"] = relationship()
    operator: Mapped["Worker"] = relationship()
    recorded_by: Mapped["User"] = relationship()


class SprayOverride(Base):
    """A harvest a manager allowed inside a spray's pre-harvest interval, with the reason given."""

    __tablename__ = "spray_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    harvest_id: Mapped[int] = mapped_column(ForeignKey("harvests.id", ondelete="CASCADE"), unique=True)
    spray_id: Mapped[int] = mapped_column(ForeignKey("sprays.id"), index=True)
    harvest_allowed_from: Mapped[date]
    reason: Mapped[str] = mapped_column(Text)
    overridden_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    overridden_at: Mapped[datetime] = mapped_column(default=clock.now)

    harvest: Mapped["Harvest"] = relationship()
    spray: Mapped[Spray] = relationship()
    overridden_by: Mapped["User"] = relationship()
