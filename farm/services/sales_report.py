"""Sales reports: weight, revenue and average price of shipments by day, month, crop, grade or buyer; 消费帮扶
(consumption-aid) sales beside them; and the period's harvest against what became of it (sold, lost, on hand).

Every figure is summed in the database (GROUP BY over shipment lines joined to their shipment, whose `date` is
indexed), so a report reads a few rows per group whatever the history holds; bench/sales_bench.py measures it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from farm import clock, units
from farm.errors import Invalid
from farm.models.crops import Crop
from farm.models.harvest import Harvest
from farm.models.sales import Buyer, Shipment, ShipmentLine, StockAllocation
from farm.services.yield_report import check_range, next_period, period_label, period_start, periods
from farm.vocab import Grade, SalesGrouping

GROUPINGS = SalesGrouping.values()
PERIODS = (SalesGrouping.DAY.value, SalesGrouping.MONTH.value)


def _ratio(part: Decimal, whole: Decimal, places: int) -> Decimal | None:
    return units.rounded(part / whole, places) if whole else None


@dataclass
class SalesRow:
    """One line of the report: its key, a label for people, weight, revenue, and the 消费帮扶 part of both."""

    key: str
    label: str
    weight_kg: Decimal
    revenue: Decimal
    aid_kg: Decimal = Decimal(0)
    aid_revenue: Decimal = Decimal(0)

    @property
    def avg_price_per_kg(self) -> Decimal | None:
        """Revenue per kilogram, to the fen (None without weight)."""
        return _ratio(self.revenue, self.weight_kg, 2)


@dataclass
class CropBalance:
    """The period's harvest of one crop and what became of it: sold (with its revenue), lost, still on hand."""

    key: str
    label: str
    harvested_kg: Decimal
    sold_kg: Decimal
    lost_kg: Decimal
    revenue: Decimal

    @property
    def on_hand_kg(self) -> Decimal:
        return max(self.harvested_kg - self.sold_kg - self.lost_kg, Decimal(0))

    @property
    def sold_percent(self) -> Decimal | None:
        return _ratio(self.sold_kg * 100, self.harvested_kg, 1)

    @property
    def revenue_per_kg_harvested(self) -> Decimal | None:
        return _ratio(self.revenue, self.harvested_kg, 2)


@dataclass
class SalesReport:
    """Sales over the park's days [since, until) grouped `by`, and the harvest of those days against them."""

    since: date
    until: date
    by: str
    rows: list[SalesRow]
    balance: list[CropBalance] = field(default_factory=list)

    @property
    def total_kg(self) -> Decimal:
        return units.kg(sum((r.weight_kg for r in self.rows), Decimal(0)))

    @property
    def total_revenue(self) -> Decimal:
        return units.fen(sum((r.revenue for r in self.rows), Decimal(0)))

    @property
    def avg_price_per_kg(self) -> Decimal | None:
        return _ratio(self.total_revenue, self.total_kg, 2)

    @property
    def aid_kg(self) -> Decimal:
        return units.kg(sum((r.aid_kg for r in self.rows), Decimal(0)))

    @property
    def aid_revenue(self) -> Decimal:
        return units.fen(sum((r.aid_revenue for r in self.rows), Decimal(0)))

    @property
    def harvested_kg(self) -> Decimal:
        return units.kg(sum((b.harvested_kg for b in self.balance), Decimal(0)))

    @property
    def sold_of_harvest_kg(self) -> Decimal:
        return units.kg(sum((b.sold_kg for b in self.balance), Decimal(0)))

    @property
    def lost_of_harvest_kg(self) -> Decimal:
        return units.kg(sum((b.lost_kg for b in self.balance), Decimal(0)))

    @property
    def on_hand_of_harvest_kg(self) -> Decimal:
        return units.kg(sum((b.on_hand_kg for b in self.balance), Decimal(0)))


def default_range() -> tuple[date, date]:
    """This month in the park's days."""
    return clock.this_month()


def _sums():
    """weight, revenue, 消费帮扶 weight, 消费帮扶 revenue of the grouped lines."""
    aid = Shipment.consumption_aid.is_(True)
    return (func.sum(ShipmentLine.weight_kg), func.sum(ShipmentLine.amount),
            func.sum(case((aid, ShipmentLine.weight_kg), else_=0)),
            func.sum(case((aid, ShipmentLine.amount), else_=0)))


def _lines(since: date, until: date):
    return (select().select_from(ShipmentLine).join(Shipment, Shipment.id == ShipmentLine.shipment_id)
            .join(Buyer, Buyer.id == Shipment.buyer_id).where(Shipment.day >= since, Shipment.day < until))


def _row(key: str, label: str, w, r, aw, ar) -> SalesRow:
    return SalesRow(key, label, units.kg(w or 0), units.fen(r or 0), units.kg(aw or 0), units.fen(ar or 0))


def _by_period(session: Session, since: date, until: date, by: str) -> list[SalesRow]:
    starts = periods(since, until, by)
    if not starts:
        return []
    end = next_period(starts[-1], by)
    # One row per day from the database; days folded into months here.
    daily = session.execute(_lines(starts[0], end).add_columns(Shipment.day, *_sums()).group_by(Shipment.day)).all()
    totals: dict[date, list[Decimal]] = {}
    for day, *figures in daily:
        bucket = totals.setdefault(period_start(day, by), [Decimal(0)] * 4)
        for i, value in enumerate(figures):
            bucket[i] += units.decimal(value or 0)
    rows = []
    for start in starts:
        if start in totals:
            label = period_label(start, by)
            rows.append(_row(label, label, *totals[start]))
    return rows


def _by_crop(session, since, until, language):
    rows = session.execute(_lines(since, until).join(Crop, Crop.id == ShipmentLine.crop_id)
                           .add_columns(Crop.code, Crop.name_zh, Crop.name_en, *_sums())
                           .group_by(Crop.code, Crop.name_zh, Crop.name_en).order_by(Crop.code)).all()
    return [_row(code, en if language == "en" else zh, *figures) for code, zh, en, *figures in rows]


def _by_grade(session, since, until, language):
    found = {grade: figures for grade, *figures in session.execute(
        _lines(since, until).add_columns(ShipmentLine.grade, *_sums()).group_by(ShipmentLine.grade)).all()}
    return [_row(g.value, str(g.label), *found[g.value]) for g in Grade if g.value in found]


def _by_buyer(session, since, until, language):
    rows = session.execute(_lines(since, until).add_columns(Buyer.id, Buyer.name, *_sums())
                           .group_by(Buyer.id, Buyer.name).order_by(Buyer.name)).all()
    return [_row(str(buyer_id), name, *figures) for buyer_id, name, *figures in rows]


GROUPERS = {"crop": _by_crop, "grade": _by_grade, "buyer": _by_buyer}


def balance(session: Session, since: date, until: date, language: str = "zh_CN") -> list[CropBalance]:
    """Per crop, the harvest of the days [since, until) (voided records left out) and, through the FIFO
    allocation rows, how much of exactly that harvest was shipped (and for how much) or written off as lost."""
    alive = (Harvest.day >= since, Harvest.day < until, Harvest.voided_at.is_(None))
    harvested = dict(session.execute(
        select(Harvest.crop_id, func.sum(Harvest.weight_kg)).where(*alive).group_by(Harvest.crop_id)).all())
    if not harvested:
        return []
    amount = func.sum(StockAllocation.weight_kg * ShipmentLine.price_per_kg)
    sold = {crop: (w, r) for crop, w, r in session.execute(
        select(Harvest.crop_id, func.sum(StockAllocation.weight_kg), amount)
        .select_from(StockAllocation).join(Harvest, Harvest.id == StockAllocation.harvest_id)
        .join(ShipmentLine, ShipmentLine.id == StockAllocation.shipment_line_id)
        .where(*alive, StockAllocation.shipment_line_id.is_not(None)).group_by(Harvest.crop_id)).all()}
    lost = dict(session.execute(
        select(Harvest.crop_id, func.sum(StockAllocation.weight_kg))
        .select_from(StockAllocation).join(Harvest, Harvest.id == StockAllocation.harvest_id)
        .where(*alive, StockAllocation.loss_id.is_not(None)).group_by(Harvest.crop_id)).all())
    crops = {c.id: c for c in session.scalars(select(Crop).where(Crop.id.in_(list(harvested))))}
    out = []
    for crop_id in sorted(harvested, key=lambda i: crops[i].code):
        crop = crops[crop_id]
        w, r = sold.get(crop_id, (0, 0))
        out.append(CropBalance(crop.code, crop.display_name(language), units.kg(harvested[crop_id]), units.kg(w or 0),
                               units.kg(lost.get(crop_id) or 0), units.fen(r or 0)))
    return out


def sales_report(session: Session, since: date, until: date, by: str = "day", language: str = "zh_CN",
                 with_balance: bool = True) -> SalesReport:
    """Shipments over the park's days [since, until) grouped `by` (day, month, crop, grade, buyer)."""
    if by not in GROUPINGS:
        msg = _l("Group by one of: %(choices)s.", choices=", ".join(GROUPINGS))
        raise Invalid(msg, {"by": msg})
    check_range(since, until)
    rows = _by_period(session, since, until, by) if by in PERIODS else GROUPERS[by](session, since, until, language)
    return SalesReport(since, until, by, rows, balance(session, since, until, language) if with_balance else [])
