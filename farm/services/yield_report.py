"""Yield reports: harvest weight by day, week, month, crop, greenhouse, worker, grade or planting, summed in SQL."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from farm import clock, units
from farm.errors import Invalid
from farm.models.crops import Crop, Planting
from farm.models.harvest import Harvest
from farm.models.park import Greenhouse
from farm.models.people import Worker
from farm.vocab import Grade, YieldGrouping

GROUPINGS = YieldGrouping.values()
PERIODS = (YieldGrouping.DAY.value, YieldGrouping.WEEK.value, YieldGrouping.MONTH.value)
MAX_DAYS = 366 * 12
# How finely shares and yields per area are shown (weights and mu round in farm.units).
SHARE_DIGITS, PER_M2_DIGITS, PER_MU_DIGITS = 1, 2, 1  # decimals shown


@dataclass
class YieldRow:
    """One line of a report: its key, a label for people, weight and number of entries, and extras."""

    key: str
    label: str
    weight_kg: Decimal
    count: int
    extra: dict = field(default_factory=dict)


@dataclass
class YieldReport:
    """A report over the park's days [since, until) grouped `by`, with its rows."""

    since: date
    until: date
    by: str
    rows: list[YieldRow]

    @property
    def total_kg(self) -> Decimal:
        return sum((r.weight_kg for r in self.rows), Decimal(0))

    @property
    def count(self) -> int:
        return sum(r.count for r in self.rows)


def _ratio(part: Decimal, whole: Decimal, digits: int) -> Decimal:
    """part / whole rounded to `digits` decimals as the park rounds (0 when there is no whole)."""
    return units.rounded(part / whole, digits) if whole else Decimal(0)


def default_range() -> tuple[date, date]:
    """This month in the park's days: its first day and the first day of the next."""
    return clock.this_month()


def check_range(since: date, until: date) -> None:
    if until <= since:
        msg = _l("The end of the range must come after its start.")
        raise Invalid(msg, {"to": msg})
    if (until - since).days > MAX_DAYS:
        msg = _l("A report covers at most %(n)s days.", n=MAX_DAYS)
        raise Invalid(msg, {"from": msg})


def period_start(day: date, by: str) -> date:
    if by == "week":
        return day - timedelta(days=day.weekday())
    if by == "month":
        return day.replace(day=1)
    return day


def next_period(start: date, by: str) -> date:
    if by == "week":
        return start + timedelta(days=7)
    if by == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start + timedelta(days=1)


def period_label(start: date, by: str) -> str:
    """How a report names a period: 2026-11 for a month, its first day for a day or a week."""
    return start.strftime("%Y-%m") if by == "month" else start.isoformat()


def periods(since: date, until: date, by: str) -> list[date]:
    """The starts of the periods that begin inside [since, until) (docs/api.md: a rolled-up point belongs to a
    range when its period starts inside it)."""
    start = period_start(since, by)
    if start < since:
        start = next_period(start, by)
    starts = []
    while start < until:
        starts.append(start)
        start = next_period(start, by)
    return starts


def _alive(since: date, until: date):
    return (Harvest.day >= since, Harvest.day < until, Harvest.voided_at.is_(None))


def _by_period(session: Session, since: date, until: date, by: str) -> list[YieldRow]:
    starts = periods(since, until, by)
    if not starts:
        return []
    end = next_period(starts[-1], by)
    # Sum per day in SQL (an index range scan on `day`), then fold the days into weeks or months here:
    # that is at most one row per day, whatever the history holds.
    daily = session.execute(
        select(Harvest.day, func.sum(Harvest.weight_kg), func.count(Harvest.id))
        .where(*_alive(starts[0], end)).group_by(Harvest.day)
    ).all()
    totals = {s: [Decimal(0), 0] for s in starts}
    for day, weight, count in daily:
        bucket = totals.get(period_start(day, by))
        if bucket is not None:
            bucket[0] += units.kg(weight)
            bucket[1] += count
    return [YieldRow(s.isoformat(), period_label(s, by), w, n) for s, (w, n) in totals.items()]


def _by_crop(session, since, until, language):
    weight = func.sum(Harvest.weight_kg)
    rows = session.execute(
        select(Crop.code, Crop.name_zh, Crop.name_en, Crop.color, weight, func.count(Harvest.id))
        .join(Crop, Crop.id == Harvest.crop_id).where(*_alive(since, until))
        .group_by(Crop.code, Crop.name_zh, Crop.name_en, Crop.color).order_by(weight.desc())
    ).all()
    return [YieldRow(code, en if language == "en" else zh, units.kg(w), n, {"color": color})
            for code, zh, en, color, w, n in rows]


def _by_greenhouse(session, since, until, language):
    weight = func.sum(Harvest.weight_kg)
    rows = session.execute(
        select(Greenhouse.code, Greenhouse.name, weight, func.count(Harvest.id))
        .join(Greenhouse, Greenhouse.id == Harvest.greenhouse_id).where(*_alive(since, until))
        .group_by(Greenhouse.code, Greenhouse.name).order_by(Greenhouse.code)
    ).all()
    return [YieldRow(code, f"{code} {name}", units.kg(w), n) for code, name, w, n in rows]


def _by_worker(session, since, until, language):
    weight = func.sum(Harvest.weight_kg)
    rows = session.execute(
        select(Harvest.worker_id, Worker.name, weight, func.count(Harvest.id))
        .outerjoin(Worker, Worker.id == Harvest.worker_id).where(*_alive(since, until))
        .group_by(Harvest.worker_id, Worker.name).order_by(weight.desc())
    ).all()
    return [YieldRow(str(wid) if wid is not None else "", name or str(_l("No worker named")), units.kg(w), n)
            for wid, name, w, n in rows]


def _by_grade(session, since, until, language):
    rows = dict((g, (w, n)) for g, w, n in session.execute(
        select(Harvest.grade, func.sum(Harvest.weight_kg), func.count(Harvest.id))
        .where(*_alive(since, until)).group_by(Harvest.grade)
    ).all())
    total = sum((units.kg(w) for w, _ in rows.values()), Decimal(0))
    out = []
    for grade in Grade:
        if grade.value not in rows:
            continue
        weight, count = units.kg(rows[grade.value][0]), rows[grade.value][1]
        share = _ratio(weight * 100, total, SHARE_DIGITS)
        out.append(YieldRow(grade.value, grade.label, weight, count, {"share_percent": share}))
    return out


def _by_planting(session, since, until, language):
    weight = func.sum(Harvest.weight_kg)
    rows = session.execute(
        select(Planting.id, Greenhouse.code, Crop.name_zh, Crop.name_en, Planting.variety, Planting.planted_on,
               Planting.area_m2, weight, func.count(Harvest.id))
        .join(Planting, Planting.id == Harvest.planting_id).join(Greenhouse, Greenhouse.id == Planting.greenhouse_id)
        .join(Crop, Crop.id == Planting.crop_id).where(*_alive(since, until))
        .group_by(Planting.id, Greenhouse.code, Crop.name_zh, Crop.name_en, Planting.variety, Planting.planted_on,
                  Planting.area_m2)
        .order_by(Greenhouse.code, Planting.planted_on)
    ).all()
    out = []
    for pid, code, zh, en, variety, planted_on, area, w, n in rows:
        kg = units.kg(w)
        area = units.decimal(area)
        out.append(YieldRow(str(pid), f"{code} {en if language == 'en' else zh} {variety}".strip(), kg, n, {
            "greenhouse": code, "planted_on": planted_on, "area_m2": area, "area_mu": units.mu_from_m2(area),
            "kg_per_m2": _ratio(kg, area, PER_M2_DIGITS) if area else None,
            "kg_per_mu": _ratio(kg * units.M2_PER_MU, area, PER_MU_DIGITS) if area else None,
        }))
    return out


GROUPERS = {"crop": _by_crop, "greenhouse": _by_greenhouse, "worker": _by_worker, "grade": _by_grade,
            "planting": _by_planting}


def yield_report(session: Session, since: date, until: date, by: str = "day", language: str = "zh_CN") -> YieldReport:
    """Harvest weight (voided records left out) over the park's days [since, until), grouped `by`."""
    if by not in GROUPINGS:
        msg = _l("Group by one of: %(choices)s.", choices=", ".join(GROUPINGS))
        raise Invalid(msg, {"by": msg})
    check_range(since, until)
    if by in PERIODS:
        rows = _by_period(session, since, until, by)
    else:
        rows = GROUPERS[by](session, since, until, language)
    return YieldReport(since, until, by, rows)
