"""Stock per crop and grade, its lock, first-in first-out allocation to harvest records, and losses.

On hand = harvested − shipped − lost. The three figures are sums read by aggregate queries over the harvest records
(voided ones left out), the shipment lines and the losses; nothing keeps a running balance that could drift.

Lineage. Every kilogram that leaves the stock (a shipment line or a loss) is allocated, oldest harvest first (by
`harvested_at`, then id), to the harvest records it came from; each part is a `StockAllocation` row. A harvest's
open kilograms are its weight minus what is allocated from it, so on hand is also the sum of every open lot, and the
lineage and the totals agree as long as no allocated harvest is voided, reduced below what left from it, or moved
to another crop or grade: `check_harvest_change` refuses those (the harvest service calls it), which keeps on hand
from ever going below zero.

Taking turns. Every change of a crop and grade's stock first updates that pair's `StockLock` row
(`lock()`), and only then reads what is on hand. On PostgreSQL the update holds the row lock until the transaction
ends, so a second shipment of the same produce waits and then reads the first one's lines (READ COMMITTED reads
afresh per statement). On SQLite the update takes the database's write lock, which one transaction holds at a time,
and the reads that follow see everything committed before it. Pairs are locked in one order (crop id, grade), so two
shipments of several lines cannot wait on each other.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from farm import clock, units
from farm.errors import Conflict, Invalid
from farm.inputs.sales import LossIn
from farm.models.crops import Crop, Planting
from farm.models.harvest import Harvest
from farm.models.park import Greenhouse
from farm.models.sales import Loss, ShipmentLine, StockAllocation, StockLock
from farm.models.stock_totals import StockTotal
from farm.services.plantings import find_crop
from farm.vocab import Grade

ZERO = Decimal("0.000")

__all__ = ["StockRow", "Lot", "Source", "sources", "lock", "stock", "on_hand", "on_hand_on", "allocate", "record_loss", "check_harvest_change",
           "shortage_message", "grade_of"]


@dataclass
class StockRow:
    """What there is of a crop in a grade: harvested, shipped, lost and on hand (kg)."""

    crop_id: int
    crop: str
    crop_zh: str
    crop_en: str
    grade: str
    harvested_kg: Decimal = ZERO
    shipped_kg: Decimal = ZERO
    lost_kg: Decimal = ZERO

    @property
    def on_hand_kg(self) -> Decimal:
        return self.harvested_kg - self.shipped_kg - self.lost_kg


@dataclass(frozen=True)
class Lot:
    """Kilograms taken from one harvest record."""

    harvest_id: int
    weight_kg: Decimal


def grade_of(value) -> Grade:
    """The grade for a value, or Invalid naming the field."""
    found = Grade.get(value)
    if found is None:
        msg = _l("Unknown grade %(grade)s.", grade=value)
        raise Invalid(msg, {"grade": msg})
    return found


# --- taking turns ---------------------------------------------------------------------------------------

def lock(session: Session, keys: Iterable[tuple[int, str]]) -> None:
    """Hold the stock of these (crop id, grade) pairs until the transaction ends (see the module's docstring)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for crop_id, grade in sorted(set((int(c), str(g)) for c, g in keys)):
        session.execute(insert(StockLock).values(crop_id=crop_id, grade=grade, changes=0)
                        .on_conflict_do_nothing(index_elements=["crop_id", "grade"]))
        session.execute(update(StockLock).where(StockLock.crop_id == crop_id, StockLock.grade == grade)
                        .values(changes=StockLock.changes + 1))


# --- what is on hand ------------------------------------------------------------------------------------

def _sums(session: Session, crop_id: int | None = None, grade: str | None = None) -> dict[tuple[int, str], list]:
    """(crop id, grade) -> [harvested, shipped, lost] kg, read from the running totals the database keeps
    (farm.models.stock_totals: triggers add every harvest record, shipment line and loss as it is written), so
    stock costs a few rows however long the history is."""
    query = select(StockTotal)
    if crop_id is not None:
        query = query.where(StockTotal.crop_id == crop_id)
    if grade is not None:
        query = query.where(StockTotal.grade == grade)
    return {(t.crop_id, t.grade): [units.kg(Decimal(t.harvested_g) / 1000), units.kg(Decimal(t.shipped_g) / 1000),
                                   units.kg(Decimal(t.lost_g) / 1000)]
            for t in session.scalars(query) if t.harvested_g or t.shipped_g or t.lost_g}


def recount(session: Session) -> dict[tuple[int, str], list]:
    """The same figures summed from the records themselves (what the running totals must always equal)."""
    sources = (
        (0, select(Harvest.crop_id, Harvest.grade, func.sum(Harvest.weight_kg)).where(Harvest.voided_at.is_(None))
         .group_by(Harvest.crop_id, Harvest.grade)),
        (1, select(ShipmentLine.crop_id, ShipmentLine.grade, func.sum(ShipmentLine.weight_kg))
         .group_by(ShipmentLine.crop_id, ShipmentLine.grade)),
        (2, select(Loss.crop_id, Loss.grade, func.sum(Loss.weight_kg)).group_by(Loss.crop_id, Loss.grade)),
    )
    found: dict[tuple[int, str], list] = {}
    for index, query in sources:
        for c, g, kg in session.execute(query):
            found.setdefault((c, g), [ZERO, ZERO, ZERO])[index] = units.kg(kg or 0)
    return found


def stock(session: Session, crop_id: int | None = None, grade: str | None = None,
          with_empty: bool = True) -> list[StockRow]:
    """Stock per crop and grade (every pair that was ever harvested), in crop code and grade order.
    Without `with_empty`, only the pairs with something on hand."""
    sums = _sums(session, crop_id, grade)
    crops = {c.id: c for c in session.scalars(select(Crop).where(Crop.id.in_({c for c, _ in sums})))} if sums else {}
    order = {g.value: i for i, g in enumerate(Grade)}
    rows = []
    for (c, g), (harvested, shipped, lost) in sums.items():
        crop = crops[c]
        row = StockRow(c, crop.code, crop.name_zh, crop.name_en, g, harvested, shipped, lost)
        if with_empty or row.on_hand_kg > 0:
            rows.append(row)
    return sorted(rows, key=lambda r: (r.crop, order.get(r.grade, 99)))


def on_hand(session: Session, crop_id: int, grade: str) -> Decimal:
    """Kilograms of a crop in a grade on hand now."""
    harvested, shipped, lost = _sums(session, crop_id, grade).get((crop_id, grade), [ZERO, ZERO, ZERO])
    return harvested - shipped - lost


def shortage_message(crop: Crop, grade: str, have: Decimal, wanted: Decimal, day: date | None = None):
    """The message for taking more than is on hand: how much there is (on `day`, for a change dated before today)."""
    if day is not None and day < clock.today():
        return _l("Only %(have)s kg of %(crop)s, %(grade)s, harvested by %(day)s is still on hand "
                  "(%(wanted)s kg asked for).", have=units.kg(max(have, ZERO)), crop=crop.name_zh,
                  grade=Grade(grade).label, day=day.isoformat(), wanted=units.kg(wanted))
    return _l("Only %(have)s kg of %(crop)s, %(grade)s, is on hand (%(wanted)s kg asked for).",
              have=units.kg(max(have, ZERO)), crop=crop.name_zh, grade=Grade(grade).label, wanted=units.kg(wanted))


# --- first in, first out --------------------------------------------------------------------------------

def _open_lots(session: Session, crop_id: int, grade: str, until: date | None = None):
    """(harvest id, open kg) of the crop and grade's harvests with kilograms left, oldest first; with `until`, only
    those harvested on or before that park day."""
    used = (select(func.coalesce(func.sum(StockAllocation.weight_kg), 0))
            .where(StockAllocation.harvest_id == Harvest.id).correlate(Harvest).scalar_subquery())
    query = (select(Harvest.id, Harvest.weight_kg - used)
             .where(Harvest.crop_id == crop_id, Harvest.grade == grade, Harvest.voided_at.is_(None),
                    Harvest.weight_kg > used)
             .order_by(Harvest.harvested_at, Harvest.id))
    if until is not None:
        query = query.where(Harvest.day <= until)
    return session.execute(query)


def on_hand_on(session: Session, crop_id: int, grade: str, day: date) -> Decimal:
    """Kilograms of a crop in a grade that a change dated `day` may take: what is on hand now, and of it only the
    open lots harvested by that day (a back-dated shipment cannot take what was picked after it, nor what a later
    shipment already took). For today it is simply what is on hand."""
    have = on_hand(session, crop_id, grade)
    if day >= clock.today():
        return have
    open_then = sum((units.kg(kg) for _id, kg in _open_lots(session, crop_id, grade, day)), ZERO)
    return min(have, open_then)


def allocate(session: Session, crop_id: int, grade: str, weight_kg: Decimal, until: date | None = None) -> list[Lot]:
    """The lots `weight_kg` of a crop and grade is taken from, oldest harvest first (with `until`, only lots
    harvested by that day). The caller holds the lock and has checked what is on hand (`on_hand_on`); lots that
    cannot cover the weight (a lineage that no longer adds up) are Invalid."""
    wanted = units.kg(weight_kg)
    lots: list[Lot] = []
    for harvest_id, open_kg in _open_lots(session, crop_id, grade, until):
        if wanted <= 0:
            break
        take = min(units.kg(open_kg), wanted)
        if take <= 0:  # SQLite subtracts in floating point: a spent lot may show a few micrograms open
            continue
        lots.append(Lot(harvest_id, take))
        wanted -= take
    if wanted > 0:
        crop = session.get(Crop, crop_id)
        have = units.kg(weight_kg) - wanted
        msg = shortage_message(crop, grade, have, weight_kg)
        raise Invalid(msg, {"weight_kg": msg})
    return lots


def allocations_of(lots: Iterable[Lot]) -> list[StockAllocation]:
    return [StockAllocation(harvest_id=lot.harvest_id, weight_kg=lot.weight_kg) for lot in lots]


@dataclass(frozen=True)
class Source:
    """Kilograms of a shipment line (or a loss) that came from one harvest record: where and when it grew."""

    line_id: int | None
    harvest_id: int
    greenhouse: str
    planting_id: int
    crop: str
    variety: str
    harvest_day: date
    weight_kg: Decimal


def sources(session: Session, line_ids: Iterable[int] = (), loss_ids: Iterable[int] = ()) -> list[Source]:
    """The harvest records the given shipment lines or losses came from, in the order they were taken."""
    line_ids, loss_ids = list(line_ids), list(loss_ids)
    if not line_ids and not loss_ids:
        return []
    target = StockAllocation.shipment_line_id.in_(line_ids) if line_ids else StockAllocation.loss_id.in_(loss_ids)
    query = (select(StockAllocation.shipment_line_id, Harvest.id, Greenhouse.code, Harvest.planting_id, Crop.code,
                    Planting.variety, Harvest.day, StockAllocation.weight_kg)
             .join(Harvest, Harvest.id == StockAllocation.harvest_id)
             .join(Greenhouse, Greenhouse.id == Harvest.greenhouse_id)
             .join(Planting, Planting.id == Harvest.planting_id)
             .join(Crop, Crop.id == Harvest.crop_id)
             .where(target).order_by(StockAllocation.id))
    return [Source(*row[:7], units.kg(row[7])) for row in session.execute(query)]


# --- losses ---------------------------------------------------------------------------------------------

def record_loss(session: Session, data: LossIn, user=None) -> Loss:
    """Culls, spoilage and other produce that leaves unsold, traced to its harvests like a shipment."""
    crop = find_crop(session, data.crop)
    grade = grade_of(data.grade).value
    day = data.date or clock.today()
    if day > clock.today():
        msg = _l("A loss cannot be recorded for a day that has not come yet.")
        raise Invalid(msg, {"date": msg})
    lock(session, [(crop.id, grade)])
    have = on_hand_on(session, crop.id, grade, day)
    if data.weight_kg > have:
        msg = shortage_message(crop, grade, have, data.weight_kg, day)
        raise Invalid(msg, {"weight_kg": msg})
    loss = Loss(day=day, crop_id=crop.id, grade=grade, weight_kg=units.kg(data.weight_kg), reason=data.reason,
                note=data.note, created_by_id=getattr(user, "id", None))
    loss.allocations = allocations_of(allocate(session, crop.id, grade, data.weight_kg, day))
    session.add(loss)
    session.flush()
    return loss


def losses_query(since=None, until=None):
    """Losses from `since` (inclusive) to `until` (exclusive), newest first."""
    query = select(Loss).options(selectinload(Loss.crop))
    if since:
        query = query.where(Loss.day >= since)
    if until:
        query = query.where(Loss.day < until)
    return query.order_by(Loss.day.desc(), Loss.id.desc())


# --- harvests that change after their kilograms left ---------------------------------------------------

def check_harvest_change(session: Session, harvest: Harvest) -> None:
    """Refuse a void or correction of a harvest record that would take back kilograms already shipped or lost:
    voiding it, moving it to another crop or grade, or making it lighter than what left from it (Conflict)."""
    rows = session.execute(
        select(func.coalesce(ShipmentLine.crop_id, Loss.crop_id), func.coalesce(ShipmentLine.grade, Loss.grade),
               func.sum(StockAllocation.weight_kg))
        .select_from(StockAllocation)
        .outerjoin(ShipmentLine, ShipmentLine.id == StockAllocation.shipment_line_id)
        .outerjoin(Loss, Loss.id == StockAllocation.loss_id)
        .where(StockAllocation.harvest_id == harvest.id)
        .group_by(func.coalesce(ShipmentLine.crop_id, Loss.crop_id), func.coalesce(ShipmentLine.grade, Loss.grade))
    ).all()
    left = sum((units.kg(kg) for _, _, kg in rows), ZERO)
    if left <= 0:
        return
    if harvest.voided_at is not None:
        msg = _l("%(kg)s kg of this harvest were already shipped or recorded as lost; it cannot be voided. "
                 "Correct the weight to no less than that instead.", kg=left)
        raise Conflict(msg, {"reason": msg})
    if any(c != harvest.crop_id or g != harvest.grade for c, g, _ in rows):
        msg = _l("%(kg)s kg of this harvest were already shipped or recorded as lost as %(grade)s; its crop and "
                 "grade can no longer change.", kg=left, grade=Grade(rows[0][1]).label)
        raise Conflict(msg, {"grade": msg})
    if units.kg(harvest.weight_kg) < left:
        msg = _l("%(kg)s kg of this harvest were already shipped or recorded as lost; its weight cannot be less.",
                 kg=left)
        raise Conflict(msg, {"weight_kg": msg})
