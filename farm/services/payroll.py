"""Monthly pay: daily wage for the days present, piece pay for kilograms picked and crates packed, adjustments.

Every line is rounded to the fen on its own (farm.units.fen, the park's one rounding of money) and a total is
the exact sum of its lines, so a payslip always adds up. A closed month is read from its stored lines and never
recomputed. Months ('YYYY-MM') and their days are farm.clock's.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Callable, Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from farm import clock
from farm.clock import month_of, month_range, parse_month
from farm.errors import Conflict, Invalid, NotFound
from farm.models.crops import Crop
from farm.models.harvest import Harvest
from farm.models.people import Assignment, PayAdjustment, PayRate, PayrollLine, PayrollMonth, Worker
from farm.models.sales import PackingSession
from farm.models.settings import Setting
from farm.services import settings
from farm.services.settings import SettingSpec, _decimal
from farm.units import fen
from farm.vocab import PayLineKind, RateKind

ZERO = Decimal(0)

settings.register(SettingSpec("pay.daily_wage", Decimal("150.00"), _decimal, _l("Default daily wage"),
                              _l("yuan per day"), Decimal(0)))
settings.register(SettingSpec("pay.piece_rate", Decimal("0.20"), _decimal, _l("Picking rate when none is set for the crop and grade"),
                              _l("yuan per kg"), Decimal(0)))
settings.register(SettingSpec("pay.crate_rate", Decimal("0.50"), _decimal, _l("Packing rate per crate"),
                              _l("yuan per crate"), Decimal(0)))


def _switch(text: str) -> int:
    value = int(str(text).strip())
    if value not in (0, 1):
        raise ValueError(text)
    return value


# Where the crates paid at `pay.crate_rate` come from, day by day: 0 the crates entered on harvest records, 1 the
# units of packing sessions (farm.services.sales), paid to the packer. One source a day, so no crate is paid twice.
settings.register(SettingSpec("pay.crates_from_packing", 0, _switch,
                              _l("Pay crates from packing sessions (1) instead of harvest records (0)"),
                              minimum=Decimal(0)))


# --- months ------------------------------------------------------------------------------------------

def closed(session: Session, month: str) -> PayrollMonth | None:
    return session.scalar(select(PayrollMonth).where(PayrollMonth.month == month))


def ensure_open(session: Session, day: date, field_name: str = "date") -> None:
    """409 when the payroll month holding `day` is closed: a closed month never changes."""
    month = month_of(day)
    if closed(session, month) is not None:
        msg = _l("The payroll of %(month)s is closed and cannot change; enter a correction as an adjustment "
                 "in an open month.", month=month)
        raise Conflict(msg, {field_name: msg})


# --- rates in force on a day ------------------------------------------------------------------------

class Timeline:
    """Values that each apply from a date on; `at(day)` is the one in force that day."""

    def __init__(self, default, changes: Iterable[tuple[date | None, object]] = ()):
        self.default = default
        self.changes = sorted(((d or date.min), v) for d, v in changes)

    def at(self, day: date):
        value = self.default
        for since, v in self.changes:
            if since > day:
                break
            value = v
        return value


def setting_timeline(session: Session, key: str) -> Timeline:
    spec = settings.REGISTRY[key]
    rows = session.scalars(select(Setting).where(Setting.key == key)).all()
    return Timeline(spec.default, [(r.valid_from, spec.parse(r.value)) for r in rows])


@dataclass
class Rates:
    """Every rate a month needs, loaded once: wage per worker, piece per crop and grade, crate, defaults."""

    default_wage: Timeline
    default_piece: Timeline
    crate: Timeline
    wages: dict[int, Timeline] = field(default_factory=dict)
    pieces: dict[tuple[int, str], Timeline] = field(default_factory=dict)
    fixed_wages: dict[int, Decimal] = field(default_factory=dict)

    def wage(self, worker_id: int, day: date) -> Decimal:
        line = self.wages.get(worker_id)
        if line is not None:
            value = line.at(day)
            if value is not None:
                return value
        if self.fixed_wages.get(worker_id) is not None:
            return self.fixed_wages[worker_id]
        return self.default_wage.at(day)

    def piece(self, crop_id: int, grade: str, day: date) -> Decimal:
        line = self.pieces.get((crop_id, grade))
        value = line.at(day) if line is not None else None
        return value if value is not None else self.default_piece.at(day)


def load_rates(session: Session) -> Rates:
    rates = Rates(setting_timeline(session, "pay.daily_wage"), setting_timeline(session, "pay.piece_rate"),
                  setting_timeline(session, "pay.crate_rate"))
    wage_rows: dict[int, list] = defaultdict(list)
    piece_rows: dict[tuple[int, str], list] = defaultdict(list)
    for r in session.scalars(select(PayRate)):
        if r.kind == RateKind.WAGE and r.worker_id is not None:
            wage_rows[r.worker_id].append((r.valid_from, r.amount))
        elif r.kind == RateKind.PIECE and r.crop_id is not None and r.grade:
            piece_rows[(r.crop_id, r.grade)].append((r.valid_from, r.amount))
    rates.wages = {k: Timeline(None, v) for k, v in wage_rows.items()}
    rates.pieces = {k: Timeline(None, v) for k, v in piece_rows.items()}
    rates.fixed_wages = dict(session.execute(select(Worker.id, Worker.daily_wage)).all())
    return rates


# --- the arithmetic (pure) -------------------------------------------------------------------------

@dataclass(frozen=True)
class DayWork:
    """A worker present on a day, with the hours booked; or on `days` distinct days of a stretch of the month
    whose rates do not change, from `day` (its first day, which prices them all) on."""

    worker_id: int
    day: date
    hours: Decimal
    days: int = 1


@dataclass(frozen=True)
class Picked:
    """Kilograms of a crop and grade a worker picked on a day, and the crates packed (a packing session's units
    come as crates with no kilograms)."""

    worker_id: int
    day: date
    crop_id: int
    grade: str
    kg: Decimal
    crates: int = 0


@dataclass
class Line:
    """One source of pay: `quantity` (days, kg or crates) × `rate` = `amount`, rounded to the fen."""

    kind: str
    quantity: Decimal
    rate: Decimal
    amount: Decimal
    crop_id: int | None = None
    grade: str | None = None
    days: int = 0
    hours: Decimal = ZERO
    note: str = ""


@dataclass
class WorkerPay:
    worker_id: int
    lines: list[Line] = field(default_factory=list)

    def _sum(self, *kinds) -> Decimal:
        return sum((line.amount for line in self.lines if line.kind in kinds), ZERO)

    @property
    def days(self) -> int:
        return sum(line.days for line in self.lines if line.kind == PayLineKind.WAGE)

    @property
    def hours(self) -> Decimal:
        return sum((line.hours for line in self.lines if line.kind == PayLineKind.WAGE), ZERO)

    @property
    def piece_kg(self) -> Decimal:
        return sum((line.quantity for line in self.lines if line.kind == PayLineKind.PIECE), ZERO)

    @property
    def crates(self) -> int:
        return int(sum((line.quantity for line in self.lines if line.kind == PayLineKind.CRATE), ZERO))

    @property
    def wage(self) -> Decimal:
        return self._sum(PayLineKind.WAGE)

    @property
    def picking_pay(self) -> Decimal:
        return self._sum(PayLineKind.PIECE)

    @property
    def piece_pay(self) -> Decimal:
        """Picking and packing together: the contract's `piece_pay`."""
        return self._sum(PayLineKind.PIECE, PayLineKind.CRATE)

    @property
    def adjustments(self) -> Decimal:
        return self._sum(PayLineKind.ADJUSTMENT)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)


def price(work: Iterable[DayWork], picked: Iterable[Picked], adjustments: Iterable[tuple[int, Decimal, str]],
          wage: Callable[[int, date], Decimal], piece: Callable[[int, str, date], Decimal],
          crate: Callable[[date], Decimal]) -> dict[int, WorkerPay]:
    """Pay per worker: each day at the rates in force that day, one line per source and rate, each to the fen."""
    wage_groups: dict[tuple[int, Decimal], list] = defaultdict(lambda: [0, ZERO])
    seen_days: dict[tuple[int, date], list] = {}
    for w in work:
        # the same worker and day twice (two jobs) is one day, its hours added
        seen_days.setdefault((w.worker_id, w.day), [w.days, ZERO])[1] += w.hours
    for (worker_id, day), (days, hours) in seen_days.items():
        group = wage_groups[(worker_id, Decimal(wage(worker_id, day)))]
        group[0] += days
        group[1] += hours
    piece_groups: dict[tuple[int, int, str, Decimal], Decimal] = defaultdict(lambda: ZERO)
    crate_groups: dict[tuple[int, Decimal], int] = defaultdict(int)
    for p in picked:
        if p.kg:
            piece_groups[(p.worker_id, p.crop_id, p.grade, Decimal(piece(p.crop_id, p.grade, p.day)))] += p.kg
        if p.crates:
            crate_groups[(p.worker_id, Decimal(crate(p.day)))] += p.crates
    pay: dict[int, WorkerPay] = {}

    def add(worker_id: int, line: Line) -> None:
        pay.setdefault(worker_id, WorkerPay(worker_id)).lines.append(line)

    for (worker_id, rate), (days, hours) in sorted(wage_groups.items()):
        add(worker_id, Line(PayLineKind.WAGE, Decimal(days), rate, fen(days * rate), days=days, hours=hours))
    for (worker_id, crop_id, grade, rate), kg in sorted(piece_groups.items()):
        add(worker_id, Line(PayLineKind.PIECE, kg, rate, fen(kg * rate), crop_id=crop_id, grade=grade))
    for (worker_id, rate), crates in sorted(crate_groups.items()):
        add(worker_id, Line(PayLineKind.CRATE, Decimal(crates), rate, fen(crates * rate)))
    for worker_id, amount, reason in adjustments:
        add(worker_id, Line(PayLineKind.ADJUSTMENT, Decimal(1), fen(amount), fen(amount), note=reason))
    return pay


# --- a month from the database ---------------------------------------------------------------------

# The settings whose timelines price a month (a change of one of them starts a new stretch of the month).
PRICED_SETTINGS = ("pay.daily_wage", "pay.piece_rate", "pay.crate_rate", "pay.crates_from_packing")


def stretches(session: Session, month: str) -> list[tuple[date, date]]:
    """The month cut at every day a rate or pay setting changes: [(first, end)] with no change inside one, so each
    stretch can be read by aggregate queries (days, hours, kilograms, crates per worker) and priced at the rates of
    its first day, exactly as pricing it day by day would. Almost every month is one stretch."""
    start, end = month_range(month)
    cuts = set(session.scalars(select(PayRate.valid_from)
                               .where(PayRate.valid_from > start, PayRate.valid_from < end)))
    cuts |= set(session.scalars(select(Setting.valid_from)
                                .where(Setting.key.in_(PRICED_SETTINGS), Setting.valid_from > start,
                                       Setting.valid_from < end)))
    bounds = [start, *sorted(cuts), end]
    return list(zip(bounds, bounds[1:]))


def _gather(session: Session, month: str, worker_id: int | None = None):
    """The month's work for pricing, one stretch of unchanged rates at a time (`stretches`), summed in SQL per
    worker: days present and hours; kilograms and crates per crop and grade; packed units; and the adjustments.
    A row stands for its stretch and carries the stretch's first day, the day whose rates price it."""
    packing = setting_timeline(session, "pay.crates_from_packing")
    work: list[DayWork] = []
    picked: list[Picked] = []
    for first, end in stretches(session, month):
        q = (select(Assignment.worker_id, func.count(distinct(Assignment.day)), func.sum(Assignment.hours))
             .where(Assignment.day >= first, Assignment.day < end, Assignment.present.is_(True))
             .group_by(Assignment.worker_id))
        h = (select(Harvest.worker_id, Harvest.crop_id, Harvest.grade, func.sum(Harvest.weight_kg),
                    func.coalesce(func.sum(Harvest.crates), 0))
             .where(Harvest.day >= first, Harvest.day < end, Harvest.voided_at.is_(None),
                    Harvest.worker_id.is_not(None))
             .group_by(Harvest.worker_id, Harvest.crop_id, Harvest.grade))
        p = (select(PackingSession.packer_id, func.sum(PackingSession.units))
             .where(PackingSession.day >= first, PackingSession.day < end)
             .group_by(PackingSession.packer_id))
        if worker_id is not None:
            q = q.where(Assignment.worker_id == worker_id)
            h = h.where(Harvest.worker_id == worker_id)
            p = p.where(PackingSession.packer_id == worker_id)
        from_packing = packing.at(first)
        work += [DayWork(w, first, Decimal(hours or 0), int(days)) for w, days, hours in session.execute(q)]
        picked += [Picked(w, first, c, g, Decimal(kg or 0), 0 if from_packing else int(crates or 0))
                   for w, c, g, kg, crates in session.execute(h)]
        if from_packing:
            picked += [Picked(w, first, 0, "", ZERO, int(n or 0)) for w, n in session.execute(p)]
    a = select(PayAdjustment).where(PayAdjustment.month == month).order_by(PayAdjustment.id)
    if worker_id is not None:
        a = a.where(PayAdjustment.worker_id == worker_id)
    adjustments = [(r.worker_id, r.amount, r.reason) for r in session.scalars(a)]
    return work, picked, adjustments


def compute(session: Session, month: str, worker_id: int | None = None, rates: Rates | None = None) -> dict[int, WorkerPay]:
    """The month's pay per worker as the records stand now (ignores whether the month is closed); `rates`: the
    rates already loaded, when several months are priced at once."""
    rates = rates or load_rates(session)
    work, picked, adjustments = _gather(session, month, worker_id)
    return price(work, picked, adjustments, rates.wage, rates.piece, rates.crate.at)


def _stored(payroll: PayrollMonth, worker_id: int | None) -> dict[int, WorkerPay]:
    pay: dict[int, WorkerPay] = {}
    for r in payroll.lines:
        if worker_id is not None and r.worker_id != worker_id:
            continue
        pay.setdefault(r.worker_id, WorkerPay(r.worker_id)).lines.append(
            Line(r.kind, r.quantity, r.rate, r.amount, r.crop_id, r.grade, r.days, r.hours, r.note))
    return pay


def payroll(session: Session, month: str, worker_id: int | None = None) -> dict[int, WorkerPay]:
    """The month's pay per worker: the stored lines of a closed month, else computed from the records."""
    record = closed(session, month)
    if record is not None:
        return _stored(record, worker_id)
    return compute(session, month, worker_id)


def totals(session: Session, months: Iterable[str], worker_ids: Iterable[int] | None = None) -> dict[tuple[int, str], Decimal]:
    """What the payroll pays each worker in each of `months`: {(worker_id, 'YYYY-MM'): total}, leaving out nothing
    paid. A closed month is its stored lines summed in SQL, an open month `compute`d as its payslips show it: the
    one source of the pay totals every report (households' incomes, the 联农带农 report) adds up. `worker_ids`
    limits it to those workers."""
    return _totals(session, months, worker_ids, by_month=True)


def totals_over(session: Session, months: Iterable[str], worker_ids: Iterable[int] | None = None) -> dict[int, Decimal]:
    """What the payroll pays each worker over `months` together: {worker_id: total} (`totals`, summed; the closed
    months in one SQL sum)."""
    return _totals(session, months, worker_ids, by_month=False)


def _totals(session: Session, months: Iterable[str], worker_ids: Iterable[int] | None, by_month: bool) -> dict:
    months = sorted(set(months))
    wanted = None if worker_ids is None else set(worker_ids)
    if not months or (wanted is not None and not wanted):
        return {}
    closed_months = set(session.scalars(select(PayrollMonth.month).where(PayrollMonth.month.in_(months))))
    out: dict = defaultdict(lambda: ZERO)
    if closed_months:
        keys = (PayrollLine.worker_id, PayrollMonth.month) if by_month else (PayrollLine.worker_id,)
        query = (select(*keys, func.sum(PayrollLine.amount))
                 .join(PayrollMonth, PayrollMonth.id == PayrollLine.payroll_id)
                 .where(PayrollMonth.month.in_(closed_months)).group_by(*keys))
        if wanted is not None:
            query = query.where(PayrollLine.worker_id.in_(sorted(wanted)))
        for *key, amount in session.execute(query):
            out[tuple(key) if by_month else key[0]] += fen(amount)
    rates = load_rates(session) if len(closed_months) < len(months) else None
    for month in months:
        if month in closed_months:
            continue
        if wanted is not None and len(wanted) <= 20:
            pays: dict[int, WorkerPay] = {}
            for worker_id in sorted(wanted):
                pays.update(compute(session, month, worker_id, rates))
        else:
            pays = compute(session, month, rates=rates)
        for worker_id, pay in pays.items():
            if wanted is None or worker_id in wanted:
                out[(worker_id, month) if by_month else worker_id] += pay.total
    return {key: amount for key, amount in out.items() if amount}


def close_month(session: Session, month: str, user_id: int | None = None, today: date | None = None) -> PayrollMonth:
    """Freeze a finished month's payroll: its lines are stored and it never changes afterwards."""
    month = parse_month(month)
    if closed(session, month) is not None:
        msg = _l("The payroll of %(month)s is already closed.", month=month)
        raise Conflict(msg, {"month": msg})
    if month_range(month)[1] > (today or clock.today()):
        msg = _l("%(month)s has not ended yet; a month is closed after its last day.", month=month)
        raise Conflict(msg, {"month": msg})
    record = PayrollMonth(month=month, closed_at=clock.now(), closed_by_id=user_id)
    session.add(record)
    for worker_id, pay in sorted(compute(session, month).items()):
        for line in pay.lines:
            record.lines.append(PayrollLine(
                worker_id=worker_id, kind=line.kind, crop_id=line.crop_id, grade=line.grade, quantity=line.quantity,
                rate=line.rate, amount=line.amount, days=line.days, hours=line.hours, note=line.note))
    session.flush()
    return record


def drift(session: Session, month: str) -> dict[int, Decimal]:
    """For a closed month: per worker, what the records say now minus what was paid (harvest corrections made
    after closing); a manager pays these as adjustments in an open month."""
    record = closed(session, month)
    if record is None:
        return {}
    paid = _stored(record, None)
    now = compute(session, month)
    out = {}
    for worker_id in set(paid) | set(now):
        diff = (now[worker_id].total if worker_id in now else ZERO) - (paid[worker_id].total if worker_id in paid else ZERO)
        if diff != 0:
            out[worker_id] = diff
    return out


def add_adjustment(session: Session, worker_id: int, month: str, amount: Decimal, reason: str,
                   user_id: int | None = None) -> PayAdjustment:
    """An adjustment with its reason, into an open month only."""
    month = parse_month(month)
    if session.get(Worker, worker_id) is None:
        msg = _l("There is no worker %(id)s.", id=worker_id)
        raise Invalid(msg, {"worker_id": msg})
    if closed(session, month) is not None:
        msg = _l("The payroll of %(month)s is closed and cannot change; put the adjustment in an open month.",
                 month=month)
        raise Conflict(msg, {"month": msg})
    if not (reason or "").strip():
        msg = _l("Give the reason for the adjustment.")
        raise Invalid(msg, {"reason": msg})
    row = PayAdjustment(worker_id=worker_id, month=month, amount=fen(amount), reason=reason.strip(),
                        created_by_id=user_id)
    session.add(row)
    session.flush()
    return row


def set_piece_rate(session: Session, crop_code: str, grade: str, valid_from: date, rate: Decimal) -> PayRate:
    """A picking rate (元/kg) for a crop and grade from a date on; a date inside a closed month is refused."""
    crop = session.scalar(select(Crop).where(Crop.code == (crop_code or "").strip()))
    if crop is None:
        msg = _l("There is no crop %(code)s.", code=crop_code)
        raise Invalid(msg, {"crop": msg})
    if rate < 0:
        msg = _l("Must be at least %(n)s.", n=0)
        raise Invalid(msg, {"rate": msg})
    _ensure_after_closed(session, valid_from)
    row = session.scalar(select(PayRate).where(PayRate.kind == RateKind.PIECE, PayRate.crop_id == crop.id,
                                               PayRate.grade == grade, PayRate.valid_from == valid_from))
    if row is None:
        row = PayRate(kind=RateKind.PIECE, crop_id=crop.id, grade=grade, valid_from=valid_from, amount=rate)
        session.add(row)
    row.amount = rate
    session.flush()
    return row


def _ensure_after_closed(session: Session, valid_from: date, name: str = "valid_from") -> None:
    """A rate change reaches back into every later day: refuse one starting in or before a closed month."""
    last = session.scalar(select(func.max(PayrollMonth.month)))
    if last is not None and month_of(valid_from) <= last:
        msg = _l("The payroll of %(month)s is closed; a new rate can apply from %(next)s on.", month=last,
                 next=month_range(last)[1].isoformat())
        raise Conflict(msg, {name: msg})


def piece_rates(session: Session) -> list[PayRate]:
    return list(session.scalars(select(PayRate).where(PayRate.kind == RateKind.PIECE)
                                .order_by(PayRate.crop_id, PayRate.grade, PayRate.valid_from)))


def get_worker_pay(session: Session, month: str, worker_id: int) -> WorkerPay:
    """One worker's pay for a month (empty when they earned nothing)."""
    if session.get(Worker, worker_id) is None:
        raise NotFound(_l("There is no worker %(id)s.", id=worker_id))
    return payroll(session, month, worker_id).get(worker_id, WorkerPay(worker_id))
