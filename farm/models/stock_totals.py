"""Running totals of stock per crop and grade, kept by the database itself.

`StockTotal` holds, per crop and grade, the grams ever harvested (voided records left out), shipped and lost.
Triggers on `harvests`, `shipment_lines` and `stock_losses` (migration 0951_stock_totals, for SQLite and
PostgreSQL alike) add and take back each row's weight in the same statement that writes the row, whatever writes
it (a service, a bulk insert, a cascade), so the totals cannot drift from the records; farm.services.stock reads
them instead of summing the whole history. Grams are whole numbers, so the sums are exact on both databases.
"""
from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from farm.models.base import Base
from farm.vocab import Grade


class StockTotal(Base):
    """Grams of a crop in a grade harvested, shipped and lost since the park began (kept by triggers)."""

    __tablename__ = "stock_totals"
    __table_args__ = (Grade.check("grade"),)

    crop_id: Mapped[int] = mapped_column(ForeignKey("crops.id"), primary_key=True)
    grade: Mapped[str] = mapped_column(String(10), primary_key=True)
    harvested_g: Mapped[int] = mapped_column(BigInteger, default=0)
    shipped_g: Mapped[int] = mapped_column(BigInteger, default=0)
    lost_g: Mapped[int] = mapped_column(BigInteger, default=0)
