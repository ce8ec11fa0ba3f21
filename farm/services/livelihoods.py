"""Households' livelihoods: each household's income per month and per year, the monitoring line, the bands.

Income is read from what the park already holds, never typed twice, always by aggregate queries over every
household at once (never household by household):

* rent (财产性): the rent payments paid in the period, through the contract's household (`rent_received`);
* wages (工资性): the pay of the household's workers (Worker.household_id, as it stands now) for the period's
  months, as the payroll pays it (farm.services.payroll.totals: a closed month from its stored lines summed in
  SQL, an open month priced by aggregate queries, stretch by stretch of unchanged rates) (`wages_by_month`);
* dividends from collective assets (`dividends`, supplied by the asset ledgers);
* other income a village official enters per year (`IncomeEntry`): wages from elsewhere, business, property,
  transfers, and production costs, which are entered as a positive amount and subtracted (`other_income`).

Per-capita income is the year's total ÷ members, to the fen (farm.units.fen). The monitoring line is stored per
year; the line in force for a year is the one stored for that year or, when none is, for the latest earlier year
(so "7,300 from 2023 on" is one row for 2023). A household is `below_line` under the line, `near_line` from the
line up to (not including) the line × the near factor (setting `livelihoods.near_factor`, 1.5), else `above`.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from farm import clock
from farm.clock import month_of, month_range, previous_month
from farm.errors import Invalid, NotFound
from farm.inputs.livelihoods import IncomeEntryIn
from farm.models.land import Household, LandContract, Parcel, RentPayment
from farm.models.livelihoods import IncomeEntry, IncomeLine
from farm.models.people import Worker
from farm.services import payroll, rent, settings, workbook
from farm.services.settings import SettingSpec, _decimal
from farm.units import fen, yuan_text
from farm.vocab import ContractStatus, HouseholdStatus, IncomeBand, IncomeKind, label

ZERO = Decimal("0.00")

settings.register(SettingSpec("livelihoods.near_factor", Decimal("1.5"), _decimal,
                              _l("Near-poverty band: up to this many times the monitoring line"), _l("times"),
                              Decimal(1)))

# The near factor a caller without a session uses (the setting's default).
NEAR_FACTOR = settings.REGISTRY["livelihoods.near_factor"].default
# Months whose wages are averaged to project the rest of a year.
AVERAGE_MONTHS = 3


# --- years ---------------------------------------------------------------------------------------

def year_months(year: int) -> list[str]:
    return [f"{year:04d}-{m:02d}" for m in range(1, 13)]


def check_year(year: int, today: date | None = None, field_name: str = "year") -> int:
    """`year` when it has begun; Invalid for a year in the future (or outside the calendar the park reads)."""
    today = today or clock.today()
    if not clock.FIRST_YEAR <= year <= clock.LAST_YEAR:
        msg = _l("Enter a year between %(first)s and %(last)s.", first=clock.FIRST_YEAR, last=clock.LAST_YEAR)
        raise Invalid(msg, {field_name: msg})
    if year > today.year:
        msg = _l("%(year)s has not begun yet; choose this year or an earlier one.", year=year)
        raise Invalid(msg, {field_name: msg})
    return year


def parse_year(text: str | None, today: date | None = None, field_name: str = "year") -> int:
    """A year from a query or form (default: this year); Invalid when it is no year or lies in the future."""
    today = today or clock.today()
    raw = (text or "").strip()
    if not raw:
        return today.year
    if not (len(raw) == 4 and raw.isdigit()):
        msg = _l("Enter a year as YYYY.")
        raise Invalid(msg, {field_name: msg})
    return check_year(int(raw), today, field_name)


def _months_begun(year: int, today: date) -> list[str]:
    """The months of `year` that have begun by `today`."""
    return [m for m in year_months(year) if month_range(m)[0] <= today]


# --- the monitoring line -------------------------------------------------------------------------

def line_for(session: Session, year: int) -> Decimal | None:
    """The line in force for `year`: the one stored for that year, else for the latest earlier year; None when
    no line is stored for it or before it."""
    return session.scalar(select(IncomeLine.line).where(IncomeLine.year <= year)
                          .order_by(IncomeLine.year.desc()).limit(1))


def lines(session: Session) -> list[IncomeLine]:
    """Every stored line, oldest year first."""
    return list(session.scalars(select(IncomeLine).order_by(IncomeLine.year)))


def set_line(session: Session, year: int, line: Decimal, user_id: int | None = None,
             today: date | None = None) -> IncomeLine:
    """Store the line of `year` (an admin's act; the view checks the role). Next year's line may be set once the
    province publishes it; a later year is refused."""
    today = today or clock.today()
    if not clock.FIRST_YEAR <= year <= today.year + 1:
        msg = _l("Set a line for a year up to %(last)s.", last=today.year + 1)
        raise Invalid(msg, {"year": msg})
    line = Decimal(line)
    if not line.is_finite() or line <= 0:
        msg = _l("Must be more than %(n)s.", n=0)
        raise Invalid(msg, {"line": msg})
    row = session.scalar(select(IncomeLine).where(IncomeLine.year == year))
    if row is None:
        row = IncomeLine(year=year)
        session.add(row)
    row.line, row.set_by_id, row.set_at = fen(line), user_id, clock.now()
    session.flush()
    return row


def near_factor(session: Session, year: int) -> Decimal:
    """The near-poverty factor in force at the end of `year`."""
    return Decimal(settings.get(session, "livelihoods.near_factor", on=date(year, 12, 31)))


def band_of(per_capita: Decimal, line: Decimal | None, factor: Decimal = NEAR_FACTOR) -> IncomeBand | None:
    """`below_line` under the line, `near_line` in [line, line × factor), else `above`; None without a line."""
    if line is None:
        return None
    if per_capita < line:
        return IncomeBand.BELOW_LINE
    if per_capita < line * factor:
        return IncomeBand.NEAR_LINE
    return IncomeBand.ABOVE


# --- the sources ---------------------------------------------------------------------------------

def rent_received(session: Session, start: date, end: date, household_id: int | None = None) -> dict[int, Decimal]:
    """Rent paid to each household with `paid_on` in [start, end) (property income)."""
    query = (select(LandContract.household_id, func.sum(RentPayment.amount))
             .join(RentPayment, RentPayment.contract_id == LandContract.id)
             .where(RentPayment.paid_on >= start, RentPayment.paid_on < end)
             .group_by(LandContract.household_id))
    if household_id is not None:
        query = query.where(LandContract.household_id == household_id)
    return {hid: fen(total) for hid, total in session.execute(query)}


def rent_by_month(session: Session, months: list[str], household_id: int | None = None) -> dict[tuple[int, str], Decimal]:
    """Rent paid to each household in each of `months`: {(household_id, 'YYYY-MM'): amount}."""
    if not months:
        return {}
    wanted = set(months)
    start, end = month_range(min(months))[0], month_range(max(months))[1]
    query = (select(LandContract.household_id, RentPayment.paid_on, func.sum(RentPayment.amount))
             .join(RentPayment, RentPayment.contract_id == LandContract.id)
             .where(RentPayment.paid_on >= start, RentPayment.paid_on < end)
             .group_by(LandContract.household_id, RentPayment.paid_on))
    if household_id is not None:
        query = query.where(LandContract.household_id == household_id)
    out: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    for hid, paid_on, amount in session.execute(query):
        month = month_of(paid_on)
        if month in wanted:
            out[(hid, month)] += fen(amount)
    return dict(out)


def wages_by_month(session: Session, months: list[str], household_id: int | None = None) -> dict[tuple[int, str], Decimal]:
    """The pay of each household's workers in each of `months`: {(household_id, 'YYYY-MM'): amount}.

    The payroll's own totals (farm.services.payroll.totals: a closed month's stored lines, an open month as its
    payslips show it) added up per household, so these figures and the payslips agree to the fen. Workers are counted with the household they belong to now; months without pay are
    left out."""
    return _wages(session, months, household_id, by_month=True)


def wages_total(session: Session, months: list[str], household_id: int | None = None) -> dict[int, Decimal]:
    """The pay of each household's workers over `months` together (as `wages_by_month`, summed)."""
    return _wages(session, months, household_id, by_month=False)


def _wages(session: Session, months: list[str], household_id: int | None, by_month: bool) -> dict:
    """The payroll's totals per worker and month (farm.services.payroll.totals: a closed month's stored lines, an
    open month as computed), added up per household."""
    query = select(Worker.id, Worker.household_id).where(Worker.household_id.is_not(None))
    if household_id is not None:
        query = query.where(Worker.household_id == household_id)
    home = dict(session.execute(query).all())
    if not home:
        return {}
    out: dict = defaultdict(lambda: ZERO)
    workers = home if household_id is not None else None
    if by_month:
        for (worker_id, month), amount in payroll.totals(session, months, workers).items():
            if worker_id in home:
                out[(home[worker_id], month)] += amount
    else:
        for worker_id, amount in payroll.totals_over(session, months, workers).items():
            if worker_id in home:
                out[home[worker_id]] += amount
    return {key: amount for key, amount in out.items() if amount}


def dividends(session: Session, start: date, end: date) -> dict[int, Decimal]:
    """Dividends from collective assets paid to each household in [start, end): property income (财产性) that the
    asset ledgers' distributions hold (farm.services.assets)."""
    from farm.services import assets

    return assets.dividends_by_household(session, start, end)


def _signed_amount():
    return case((IncomeEntry.kind == IncomeKind.COSTS.value, -IncomeEntry.amount), else_=IncomeEntry.amount)


def other_income(session: Session, year: int, household_id: int | None = None) -> dict[int, Decimal]:
    """Each household's other income entered for `year`, net of its costs (may be negative)."""
    query = (select(IncomeEntry.household_id, func.sum(_signed_amount()))
             .where(IncomeEntry.year == year, IncomeEntry.voided_at.is_(None))
             .group_by(IncomeEntry.household_id))
    if household_id is not None:
        query = query.where(IncomeEntry.household_id == household_id)
    return {hid: fen(total) for hid, total in session.execute(query)}


def park_income_by_month(session: Session, months: list[str],
                         wages: dict[tuple[int, str], Decimal] | None = None) -> dict[tuple[int, str], Decimal]:
    """Income from the park (rent + wages) per household and month: {(household_id, 'YYYY-MM'): amount}.
    `wages`: `wages_by_month` already read for these months (and maybe more), so a caller reads them once."""
    out = dict(rent_by_month(session, months))
    wanted = set(months)
    if wages is None:
        wages = wages_by_month(session, months)
    for key, amount in wages.items():
        if key[1] in wanted:
            out[key] = out.get(key, ZERO) + amount
    return out


# --- other income entries ------------------------------------------------------------------------

def get_household(session: Session, household_id: int) -> Household:
    household = session.get(Household, household_id)
    if household is None:
        raise NotFound(_l("There is no household %(id)s.", id=household_id))
    return household


def add_income(session: Session, household_id: int, data: IncomeEntryIn, user=None,
               today: date | None = None, replaces: IncomeEntry | None = None) -> IncomeEntry:
    """Record other income (or a cost) of a household for a year that has begun."""
    get_household(session, household_id)
    check_year(data.year, today)
    entry = IncomeEntry(household_id=household_id, year=data.year, kind=data.kind, amount=fen(data.amount),
                        note=data.note, entered_by_id=getattr(user, "id", None),
                        replaces_id=replaces.id if replaces is not None else None)
    session.add(entry)
    session.flush()
    return entry


def get_entry(session: Session, household_id: int, entry_id: int) -> IncomeEntry:
    """A household's income entry; NotFound when there is none of that household (an id of another is none)."""
    entry = session.get(IncomeEntry, entry_id)
    if entry is None or entry.household_id != household_id:
        raise NotFound(_l("There is no income entry %(id)s for this household.", id=entry_id))
    return entry


def _void(entry: IncomeEntry, user) -> None:
    if entry.voided_at is not None:
        msg = _l("This entry was already deleted or corrected.")
        raise Invalid(msg, {"entry": msg})
    entry.voided_at, entry.voided_by_id = clock.now(), getattr(user, "id", None)


def delete_income(session: Session, household_id: int, entry_id: int, user=None) -> IncomeEntry:
    """Delete an entry: it stays on record, voided with who and when, and no longer counts."""
    entry = get_entry(session, household_id, entry_id)
    _void(entry, user)
    session.flush()
    return entry


def correct_income(session: Session, household_id: int, entry_id: int, data: IncomeEntryIn, user=None,
                   today: date | None = None) -> IncomeEntry:
    """Correct an entry: the old one is voided (who, when) and a new one that replaces it is recorded."""
    entry = get_entry(session, household_id, entry_id)
    check_year(data.year, today)
    _void(entry, user)
    return add_income(session, household_id, data, user, today, replaces=entry)


def income_entries(session: Session, household_id: int, year: int | None = None) -> list[IncomeEntry]:
    """A household's entries, voided ones too (they show who deleted or corrected them), newest year first."""
    query = select(IncomeEntry).where(IncomeEntry.household_id == household_id)
    if year is not None:
        query = query.where(IncomeEntry.year == year)
    return list(session.scalars(query.order_by(IncomeEntry.year.desc(), IncomeEntry.created_at, IncomeEntry.id)))


# --- a year's income -----------------------------------------------------------------------------

@dataclass
class HouseholdIncome:
    household_id: int
    members: int
    rent: Decimal = ZERO
    wages: Decimal = ZERO
    dividends: Decimal = ZERO
    other: Decimal = ZERO
    line: Decimal | None = None
    factor: Decimal = NEAR_FACTOR

    @property
    def total(self) -> Decimal:
        return self.rent + self.wages + self.dividends + self.other

    @property
    def per_capita(self) -> Decimal:
        return fen(self.total / self.members) if self.members > 0 else self.total

    @property
    def band(self) -> IncomeBand | None:
        return band_of(self.per_capita, self.line, self.factor)


def _year_sources(session: Session, year: int, today: date,
                  household_id: int | None = None) -> tuple[dict[int, Decimal], ...]:
    """The year's income per household from each source, one aggregate query each (to date for the running
    year): (rent received, wages of the months begun, dividends, other income net of costs)."""
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    return (rent_received(session, start, end, household_id),
            wages_total(session, _months_begun(year, today), household_id),
            dividends(session, start, end), other_income(session, year, household_id))


def year_incomes(session: Session, year: int, today: date | None = None,
                 household_id: int | None = None) -> dict[int, HouseholdIncome]:
    """Every household's income for `year` (to date, for the running year): rent received, wages for the months
    begun, dividends, other income net of costs; with per capita, the line and the band."""
    today = today or clock.today()
    check_year(year, today)
    line, factor = line_for(session, year), near_factor(session, year)
    query = select(Household.id, Household.members)
    if household_id is not None:
        query = query.where(Household.id == household_id)
    rents, wages, shares, other = _year_sources(session, year, today, household_id)
    return {hid: HouseholdIncome(hid, members, rents.get(hid, ZERO), wages.get(hid, ZERO), shares.get(hid, ZERO),
                                 other.get(hid, ZERO), line, factor)
            for hid, members in session.execute(query)}


@dataclass
class MonthIncome:
    month: str
    rent: Decimal = ZERO
    wages: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.rent + self.wages


@dataclass
class HouseholdYear:
    """One household's year: rent and wages month by month, and the year with dividends and other income."""

    year: int
    months: list[MonthIncome]
    income: HouseholdIncome
    entries: list[IncomeEntry] = field(default_factory=list)


def household_months(session: Session, household_id: int, year: int, today: date | None = None) -> HouseholdYear:
    today = today or clock.today()
    get_household(session, household_id)
    income = year_incomes(session, year, today, household_id)[household_id]
    months = _months_begun(year, today)
    rents = rent_by_month(session, months, household_id)
    wages = wages_by_month(session, months, household_id)
    rows = [MonthIncome(m, rents.get((household_id, m), ZERO), wages.get((household_id, m), ZERO)) for m in months]
    return HouseholdYear(year, rows, income, income_entries(session, household_id, year))


# --- the year's projection -----------------------------------------------------------------------

@dataclass
class Projection:
    """A household's projected income for the year and the parts it is made of (`figures`, JSON-able, written
    out only when asked for: the warnings ask for those of the households below or near the line)."""

    household_id: int
    members: int
    total: Decimal
    per_capita: Decimal
    line: Decimal | None
    band: IncomeBand | None
    parts: tuple = ()

    @property
    def figures(self) -> dict:
        row, rent_due, average, left, wages_ahead, wages_received, rent_received_ = self.parts
        return {
            "members": row.members,
            "rent_received": yuan_text(rent_received_),
            "wages_received": yuan_text(wages_received),
            "dividends": yuan_text(row.dividends),
            "rent_due": yuan_text(rent_due),
            "average_wages": yuan_text(average),
            "months_left": left,
            "wages_ahead": yuan_text(wages_ahead),
            "other": yuan_text(row.other),
            "total": yuan_text(self.total),
            "per_capita": yuan_text(self.per_capita),
            "line": yuan_text(row.line) if row.line is not None else None,
            "near_limit": yuan_text(row.line * row.factor) if row.line is not None else None,
            "band": self.band.value if self.band is not None else None,
        }


def rent_due_rest_of_year(session: Session, today: date) -> dict[int, Decimal]:
    """Rent each household is still to receive this year: the unpaid part of active contracts' dues falling due
    from `today` to 31 December, by the rent schedule's own arithmetic (farm.services.rent: dues, payments
    allocated to the oldest due). Read in three aggregate queries; only contracts with a due left this year are
    priced."""
    year_end = date(today.year, 12, 31)
    contracts = (select(LandContract.id, LandContract.household_id, LandContract.start_date, LandContract.end_date,
                        LandContract.terminated_on, LandContract.rent_per_mu_year, LandContract.payment_month_day,
                        LandContract.escalation_every_years, LandContract.escalation_percent)
                 .where(LandContract.status == ContractStatus.ACTIVE, LandContract.end_date >= today,
                        LandContract.start_date <= year_end,
                        or_(LandContract.terminated_on.is_(None), LandContract.terminated_on >= today),
                        # a payment day still ahead this year ("MM-DD" sorts as the calendar), or a first due on
                        # a start date still ahead
                        or_(LandContract.payment_month_day >= f"{today:%m-%d}", LandContract.start_date >= today)))
    rows = session.execute(contracts).all()
    if not rows:
        return {}
    ids = contracts.with_only_columns(LandContract.id).scalar_subquery()
    areas = dict(session.execute(select(Parcel.contract_id, func.sum(Parcel.area_mu))
                                 .where(Parcel.contract_id.in_(ids)).group_by(Parcel.contract_id)).all())
    paid: dict[int, list] = defaultdict(list)
    for contract_id, paid_on, amount in session.execute(
            select(RentPayment.contract_id, RentPayment.paid_on, RentPayment.amount)
            .where(RentPayment.contract_id.in_(ids), RentPayment.paid_on <= today)):
        paid[contract_id].append((paid_on, amount))
    out: dict[int, Decimal] = defaultdict(lambda: ZERO)
    # A rent year that begins by 31 December ends within the next year: dues past that are not needed.
    horizon = date(today.year + 1, 12, 31)
    for c in rows:
        items = rent.dues(areas.get(c.id, ZERO), c.rent_per_mu_year, c.start_date, min(rent.term_end(c), horizon),
                          c.payment_month_day, c.escalation_every_years, c.escalation_percent)
        rent.allocate(items, paid.get(c.id, []))
        for due in items:
            if today <= due.due_date <= year_end and due.outstanding > 0:
                out[c.household_id] += due.outstanding
    return dict(out)


def last_full_months(today: date, count: int = AVERAGE_MONTHS) -> list[str]:
    """The `count` whole months before today's month, oldest first."""
    months, month = [], month_of(today)
    for _ in range(count):
        month = previous_month(month)
        months.append(month)
    return sorted(months)


def projection_months(year: int, today: date) -> tuple[list[str], list[str]]:
    """The months whose wages a projection of `year` reads: (those of the year already ended, the last three whole
    months)."""
    return [m for m in year_months(year) if month_range(m)[1] <= today], last_full_months(today)


def projected(session: Session, year: int, today: date | None = None,
              wages: dict[tuple[int, str], Decimal] | None = None) -> dict[int, Projection]:
    """Each household's projected income for `year`: received so far (rent and dividends paid up to today, wages
    of the months already ended) + rent still due this year + the average wages of the last three whole months ×
    the months left (this one included) + other income entered for the year. A past year is its actual income.
    `wages`: `wages_by_month` already read for at least `projection_months` (the warnings read them once for
    several rules)."""
    today = today or clock.today()
    check_year(year, today)
    if year < today.year:
        return {hid: _projection(row, ZERO, ZERO, 0, row.wages, row.rent)
                for hid, row in year_incomes(session, year, today).items()}
    start = date(year, 1, 1)
    upto = date.fromordinal(today.toordinal() + 1)
    past, recent = projection_months(year, today)
    left = 12 - len(past)
    line, factor = line_for(session, year), near_factor(session, year)
    rents = rent_received(session, start, upto)
    due = rent_due_rest_of_year(session, today)
    by_month = wages if wages is not None else wages_by_month(session, sorted(set(past) | set(recent)))
    wages_past: dict[int, Decimal] = defaultdict(lambda: ZERO)
    wages_recent: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for (hid, month), amount in by_month.items():
        if month in past:
            wages_past[hid] += amount
        if month in recent:
            wages_recent[hid] += amount
    shares = dividends(session, start, upto)
    other = other_income(session, year)
    out = {}
    for hid, members in session.execute(select(Household.id, Household.members)):
        row = HouseholdIncome(hid, members, rents.get(hid, ZERO), wages_past.get(hid, ZERO), shares.get(hid, ZERO),
                              other.get(hid, ZERO), line, factor)
        average = fen(wages_recent.get(hid, ZERO) / AVERAGE_MONTHS)
        out[hid] = _projection(row, due.get(hid, ZERO), average, left, row.wages, row.rent)
    return out


def _projection(row: HouseholdIncome, rent_due: Decimal, average: Decimal, left: int, wages_received: Decimal,
                rent_received_: Decimal) -> Projection:
    wages_ahead = fen(average * left)
    total = row.total + rent_due + wages_ahead
    per_capita = fen(total / row.members) if row.members > 0 else total
    band = band_of(per_capita, row.line, row.factor)
    return Projection(row.household_id, row.members, total, per_capita, row.line, band,
                      (row, rent_due, average, left, wages_ahead, wages_received, rent_received_))


# --- the income report ---------------------------------------------------------------------------

@dataclass
class ReportRow:
    """A household's line of the income report: who it is and its year's income."""

    name: str
    village_group: str
    status: str
    income: HouseholdIncome


@dataclass
class ReportTotals:
    """The report's totals: sums over its rows, per capita over all their members, households per band."""

    households: int = 0
    members: int = 0
    rent: Decimal = ZERO
    wages: Decimal = ZERO
    dividends: Decimal = ZERO
    other: Decimal = ZERO
    total: Decimal = ZERO
    bands: dict[str, int] = field(default_factory=lambda: {b.value: 0 for b in IncomeBand})

    @property
    def per_capita(self) -> Decimal:
        return fen(self.total / self.members) if self.members else ZERO


@dataclass
class IncomeReport:
    year: int
    line: Decimal | None
    near_limit: Decimal | None
    rows: list[ReportRow]
    totals: ReportTotals


def _filter(value: str | None, term, field_name: str) -> str | None:
    if value and term.get(value) is None:
        msg = _l("Not one of the allowed choices.")
        raise Invalid(msg, {field_name: msg})
    return value or None


def income_report(session: Session, year: int, group: str | None = None, status: str | None = None,
                  band: str | None = None, today: date | None = None) -> IncomeReport:
    """Every household's income for `year` (filtered by village group, category and band), by group and name,
    with the totals of the rows shown: one query reads the households, one aggregate query each source
    (`_year_sources`)."""
    status = _filter(status, HouseholdStatus, "status")
    band = _filter(band, IncomeBand, "band")
    today = today or clock.today()
    check_year(year, today)
    line, factor = line_for(session, year), near_factor(session, year)
    rents, wages, shares, other = _year_sources(session, year, today)
    query = select(Household.id, Household.name, Household.village_group, Household.status, Household.members)
    if group:
        query = query.where(Household.village_group == group)
    if status:
        query = query.where(Household.status == status)
    rows, totals = [], ReportTotals()
    for hid, name, village_group, category, members in session.execute(
            query.order_by(Household.village_group, Household.name, Household.id)):
        income = HouseholdIncome(hid, members, rents.get(hid, ZERO), wages.get(hid, ZERO), shares.get(hid, ZERO),
                                 other.get(hid, ZERO), line, factor)
        row_band = income.band
        if band and (row_band is None or row_band.value != band):
            continue
        rows.append(ReportRow(name, village_group, category, income))
        totals.members += members
        totals.rent += income.rent
        totals.wages += income.wages
        totals.dividends += income.dividends
        totals.other += income.other
        totals.total += income.total
        if row_band is not None:
            totals.bands[row_band.value] += 1
    totals.households = len(rows)
    return IncomeReport(year, line, fen(line * factor) if line is not None else None, rows, totals)


def income_workbook(session: Session, report: IncomeReport) -> bytes:
    """The income report as an .xlsx: one row per household, and a sheet of totals."""
    heads = [_l("Household"), _l("Village group"), _l("Category"), _l("Members"), _l("Rent"), _l("Wages"),
             _l("Dividends"), _l("Other income (net of costs)"), _l("Total"), _l("Per capita"), _l("Band")]
    rows = [[r.name, r.village_group, label("household_status", r.status), r.income.members, r.income.rent,
             r.income.wages, r.income.dividends, r.income.other, r.income.total, r.income.per_capita,
             label("income_band", r.income.band.value) if r.income.band is not None else ""] for r in report.rows]
    t = report.totals
    summary = [
        [_l("Year"), report.year], [_l("Monitoring line (yuan per person)"), report.line],
        [_l("Near-poverty band up to"), report.near_limit], [_l("Households"), t.households],
        [_l("Members"), t.members], [_l("Rent"), t.rent], [_l("Wages"), t.wages], [_l("Dividends"), t.dividends],
        [_l("Other income (net of costs)"), t.other], [_l("Total"), t.total], [_l("Per capita"), t.per_capita],
    ] + [[label("income_band", b.value), t.bands[b.value]] for b in IncomeBand]
    return workbook.xlsx([
        workbook.Table(_l("Households"), heads, rows, (3, 4, 5, 6, 7, 8) if rows else ()),
        workbook.Table(_l("Totals"), [_l("Figure"), _l("Value")], summary),
    ])
