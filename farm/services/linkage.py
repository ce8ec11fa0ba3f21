"""The 联农带农 report: how the park links the village's households to its business, for a year or a quarter.

A household is linked by land when one of its contracts is in force on some day of the period (active, expired or
terminated, not a draft: from its start date to its end date, or to its termination), and by work when one of its
workers was present on a job on some day of the period. The report sums, per village group and for the park:

- households linked (by land, by work, by both), of which `lifted` and `monitored` (their category today);
- land transferred: the mu of the contracts in force in the period; rent paid: the payments made in the period;
- people employed: workers present on at least one day of the period, of which from lifted or monitored
  households; worker-days: the days each worker was present, summed;
- wages paid: the payroll of the period's months (farm.services.payroll.totals: a closed month from its stored
  lines; the same totals the households' incomes add up);
- the linked households' income from the park (their rent and their workers' wages in the period), on average
  per linked household and per member;
- the linked households below the monitoring line and in the band above it, by the year's incomes and by the
  previous year's (farm.services.livelihoods), and the change.

A household's village group is the group it is filed under; a worker who belongs to no household counts in
their own village group (their figures are in the park's totals and the group's, on a line of their own in the
household table). Every figure is read by a few aggregate queries over the whole park, never household by
household, so the park's totals are the sums of the groups and of the household lines.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, distinct, func, or_, select
from sqlalchemy.orm import Session

from farm import clock
from farm.errors import Invalid
from farm.models.land import Household, LandContract, Parcel
from farm.models.people import Assignment, Worker
from farm.services import livelihoods, payroll
from farm.units import fen
from farm.vocab import ContractStatus, HouseholdStatus, IncomeBand, label

ZERO = Decimal("0.00")
QUARTERS = (1, 2, 3, 4)
# Categories counted as "lifted or monitored" among the workers.
WATCHED = (HouseholdStatus.LIFTED, HouseholdStatus.MONITORED)


# --- the period ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    """A calendar year, or one of its quarters: the days [start, end)."""

    year: int
    quarter: int | None
    start: date
    end: date

    @property
    def months(self) -> list[str]:
        """The period's months as 'YYYY-MM'."""
        first = 1 if self.quarter is None else 3 * self.quarter - 2
        count = 12 if self.quarter is None else 3
        return [f"{self.year:04d}-{m:02d}" for m in range(first, first + count)]


def period(year: int, quarter: int | None = None, today: date | None = None) -> Period:
    """The report's period; Invalid for a year in the future, a quarter that is not 1 to 4 or has not begun."""
    today = today or clock.today()
    if isinstance(year, bool) or not isinstance(year, int):
        msg = _l("Enter the year as a whole number, e.g. %(year)s.", year=today.year - 1)
        raise Invalid(msg, {"year": msg})
    livelihoods.check_year(year, today)
    if quarter is None:
        return Period(year, None, date(year, 1, 1), date(year + 1, 1, 1))
    if isinstance(quarter, bool) or not isinstance(quarter, int) or quarter not in QUARTERS:
        msg = _l("A quarter is 1, 2, 3 or 4.")
        raise Invalid(msg, {"quarter": msg})
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    if start > today:
        msg = _l("The quarter %(year)s Q%(quarter)s has not begun.", year=year, quarter=quarter)
        raise Invalid(msg, {"quarter": msg})
    return Period(year, quarter, start, end)


def read_period(year_text: str | None, quarter_text: str | None, today: date | None = None) -> Period:
    """The period asked for in a query string: `year` as YYYY (default last year), `quarter` 1 to 4 (default the
    whole year); Invalid naming each bad field."""
    today = today or clock.today()
    fields = {}
    year, quarter = today.year - 1, None
    if year_text:
        if re.fullmatch(r"[0-9]{4}", year_text):
            year = int(year_text)
        else:
            fields["year"] = _l("Enter the year as a whole number, e.g. %(year)s.", year=today.year - 1)
    if quarter_text:
        if re.fullmatch(r"[0-9]", quarter_text):
            quarter = int(quarter_text)
        else:
            fields["quarter"] = _l("A quarter is 1, 2, 3 or 4.")
    if fields:
        raise Invalid(next(iter(fields.values())) if len(fields) == 1 else _l("Some fields are not valid."), fields)
    return period(year, quarter, today)


# --- the figures -----------------------------------------------------------------------------------

@dataclass
class Figures:
    """The report's figures for one household, one village group or the park; they add up field by field."""

    households: int = 0
    linked_by_land: int = 0
    linked_by_work: int = 0
    linked_by_both: int = 0
    lifted: int = 0
    monitored: int = 0
    # Members of the linked households (the divisor of the income per capita).
    members: int = 0
    land_mu: Decimal = ZERO
    rent_paid: Decimal = ZERO
    workers: int = 0
    workers_from_lifted_or_monitored: int = 0
    worker_days: int = 0
    wages_paid: Decimal = ZERO
    # The linked households' income from the park in the period: their rent and their workers' wages.
    household_income: Decimal = ZERO
    below_line: int = 0
    near_line: int = 0
    below_line_previous: int = 0
    near_line_previous: int = 0

    def add(self, other: "Figures") -> "Figures":
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self

    @property
    def income_per_household(self) -> Decimal:
        return fen(self.household_income / self.households) if self.households else ZERO

    @property
    def income_per_capita(self) -> Decimal:
        return fen(self.household_income / self.members) if self.members else ZERO

    @property
    def below_line_change(self) -> int:
        return self.below_line - self.below_line_previous

    @property
    def near_line_change(self) -> int:
        return self.near_line - self.near_line_previous


@dataclass
class HouseholdLine:
    """One household of the report (linked, or paid rent in the period), with its figures."""

    household_id: int
    name: str
    village_group: str
    status: str
    monitor_kind: str | None
    members: int
    by_land: bool
    by_work: bool
    band: str | None
    band_previous: str | None
    figures: Figures


@dataclass
class GroupLine:
    """One village group's figures ("" is no group)."""

    village_group: str
    figures: Figures


@dataclass
class Report:
    period: Period
    totals: Figures
    groups: list[GroupLine]
    households: list[HouseholdLine]
    # Workers in no household, per village group, and all of them together.
    unhoused: dict[str, Figures] = field(default_factory=dict)

    @property
    def unhoused_total(self) -> Figures:
        total = Figures()
        for figures in self.unhoused.values():
            total.add(figures)
        return total


# --- reading the ledgers (a few aggregate queries each) ------------------------------------------------

def _in_force(p: Period):
    """Contracts in force on some day of the period."""
    return and_(LandContract.status != ContractStatus.DRAFT, LandContract.start_date < p.end,
                LandContract.end_date >= p.start,
                or_(LandContract.terminated_on.is_(None), LandContract.terminated_on >= p.start))


def land_by_household(session: Session, p: Period) -> dict[int, Decimal]:
    """Mu of each household's contracts in force in the period."""
    rows = session.execute(select(LandContract.household_id, func.coalesce(func.sum(Parcel.area_mu), 0))
                           .select_from(LandContract).outerjoin(Parcel, Parcel.contract_id == LandContract.id)
                           .where(_in_force(p)).group_by(LandContract.household_id))
    return {household_id: Decimal(area) for household_id, area in rows}


def days_by_worker(session: Session, p: Period) -> dict[int, int]:
    """Days each worker was present on a job in the period (a day with two jobs counts once)."""
    rows = session.execute(select(Assignment.worker_id, func.count(distinct(Assignment.day)))
                           .where(Assignment.day >= p.start, Assignment.day < p.end, Assignment.present.is_(True))
                           .group_by(Assignment.worker_id))
    return {worker_id: int(days) for worker_id, days in rows}


def wages_by_worker(session: Session, p: Period, today: date) -> dict[int, Decimal]:
    """Each worker's pay for the period's months that have begun: the payroll's own totals
    (farm.services.payroll.totals_over, which the households' incomes add up too, so both reports agree to the fen)."""
    months = [m for m in p.months if clock.month_range(m)[0] <= today]
    return payroll.totals_over(session, months)


def bands(session: Session, year: int, today: date | None = None) -> dict[int, str]:
    """Each household's income band for a year (farm.services.livelihoods; to date for the running year)."""
    return {household_id: income.band for household_id, income in livelihoods.year_incomes(session, year, today).items()}


# --- the report --------------------------------------------------------------------------------------------

def report(session: Session, year: int | Period, quarter: int | None = None, today: date | None = None) -> Report:
    """The 联农带农 report of a year or a quarter, or of a Period (see the module's text for what each figure
    counts)."""
    today = today or clock.today()
    p = year if isinstance(year, Period) else period(year, quarter, today)
    land = land_by_household(session, p)
    rent = livelihoods.rent_received(session, p.start, p.end)
    days = days_by_worker(session, p)
    wages = wages_by_worker(session, p, today)
    band_now = bands(session, p.year, today)
    band_before = bands(session, p.year - 1, today) if p.year > clock.FIRST_YEAR else {}

    worker_ids = set(days) | set(wages)
    workers = {w.id: w for w in session.execute(
        select(Worker.id, Worker.household_id, Worker.village_group).where(Worker.id.in_(worker_ids))).all()
    } if worker_ids else {}

    # Each worker's figures, gathered per household (or per village group for those in none).
    per_household: dict[int, Figures] = defaultdict(Figures)
    unhoused: dict[str, Figures] = defaultdict(Figures)
    for worker_id in worker_ids:
        row = workers.get(worker_id)
        if row is None:
            continue
        present = days.get(worker_id, 0)
        figures = Figures(workers=1 if present else 0, worker_days=present,
                          wages_paid=fen(wages.get(worker_id, ZERO)))
        if row.household_id is None:
            unhoused[row.village_group or ""].add(figures)
        else:
            per_household[row.household_id].add(figures)

    household_ids = set(land) | set(rent) | {h for h, f in per_household.items() if f.workers}
    households = list(session.scalars(select(Household).where(Household.id.in_(household_ids)))) \
        if household_ids else []
    lines: list[HouseholdLine] = []
    for h in households:
        work = per_household.get(h.id, Figures())
        by_land, by_work = h.id in land, work.workers > 0
        linked = by_land or by_work
        watched = h.status in WATCHED
        figures = Figures(
            households=int(linked), linked_by_land=int(by_land), linked_by_work=int(by_work),
            linked_by_both=int(by_land and by_work),
            lifted=int(linked and h.status == HouseholdStatus.LIFTED),
            monitored=int(linked and h.status == HouseholdStatus.MONITORED),
            members=h.members if linked else 0,
            land_mu=land.get(h.id, ZERO), rent_paid=rent.get(h.id, ZERO),
            workers=work.workers, workers_from_lifted_or_monitored=work.workers if watched else 0,
            worker_days=work.worker_days, wages_paid=work.wages_paid,
        )
        if linked:
            figures.household_income = figures.rent_paid + figures.wages_paid
            figures.below_line = int(band_now.get(h.id) == IncomeBand.BELOW_LINE)
            figures.near_line = int(band_now.get(h.id) == IncomeBand.NEAR_LINE)
            figures.below_line_previous = int(band_before.get(h.id) == IncomeBand.BELOW_LINE)
            figures.near_line_previous = int(band_before.get(h.id) == IncomeBand.NEAR_LINE)
        lines.append(HouseholdLine(h.id, h.name, h.village_group or "", h.status, h.monitor_kind, h.members,
                                   by_land, by_work, band_now.get(h.id), band_before.get(h.id), figures))
    lines.sort(key=lambda line: (line.village_group, line.name, line.household_id))

    by_group: dict[str, Figures] = defaultdict(Figures)
    for line in lines:
        by_group[line.village_group].add(line.figures)
    for group, figures in unhoused.items():
        by_group[group].add(figures)
    groups = [GroupLine(group, by_group[group]) for group in sorted(by_group, key=lambda g: (g == "", g))]
    totals = Figures()
    for g in groups:
        totals.add(g.figures)
    return Report(p, totals, groups, lines, dict(sorted(unhoused.items())))


# --- the workbook a township office files --------------------------------------------------------------------

def _yes(value: bool) -> str:
    return str(_l("Yes")) if value else str(_l("No"))


def _group(name: str) -> str:
    return name or str(_l("No village group"))


TOTAL_HEADERS = (_l("Village group"), _l("Households linked"), _l("Linked by land"), _l("Linked by work"),
                 _l("Linked by both"), _l("Of which lifted (脱贫户)"), _l("Of which monitored (监测户)"),
                 _l("Land transferred (mu)"), _l("Rent paid (yuan)"), _l("People employed"),
                 _l("Of which from lifted or monitored households"), _l("Worker-days"), _l("Wages paid (yuan)"),
                 _l("Income from the park per household (yuan)"), _l("Income from the park per capita (yuan)"),
                 _l("Households below the line"), _l("Households near the line"),
                 _l("Below the line, previous year"), _l("Near the line, previous year"))


def _total_row(name: str, f: Figures) -> list:
    return [name, f.households, f.linked_by_land, f.linked_by_work, f.linked_by_both, f.lifted, f.monitored,
            f.land_mu, f.rent_paid, f.workers, f.workers_from_lifted_or_monitored, f.worker_days, f.wages_paid,
            f.income_per_household, f.income_per_capita, f.below_line, f.near_line, f.below_line_previous,
            f.near_line_previous]


HOUSEHOLD_HEADERS = (_l("Village group"), _l("Household"), _l("Household status"), _l("Kind of monitoring"),
                     _l("Members"), _l("Linked by land"), _l("Linked by work"), _l("Land transferred (mu)"),
                     _l("Rent paid (yuan)"), _l("People employed"), _l("Worker-days"), _l("Wages paid (yuan)"),
                     _l("Income from the park (yuan)"), _l("Income from the park per capita (yuan)"),
                     _l("Band this year"), _l("Band previous year"))
# The household sheet's columns summed into its total row (members, land, rent, workers, days, wages, income).
HOUSEHOLD_SUMS = (4, 7, 8, 9, 10, 11, 12)


def workbook(result: Report, title: str, with_households: bool) -> bytes:
    """The report as .xlsx: a sheet of totals (one row per village group, then the park), and, when
    `with_households`, a sheet with one row per household (and one for the workers in no household) whose total
    row is the park's."""
    from farm.services import workbook as book

    totals = book.Table(f"{_l('Totals')} {title}", list(TOTAL_HEADERS),
                        [_total_row(_group(g.village_group), g.figures) for g in result.groups]
                        + [_total_row(str(_l("The park")), result.totals)])
    tables = [totals]
    if with_households:
        rows = []
        for line in result.households:
            f = line.figures
            rows.append([_group(line.village_group), line.name, label("household_status", line.status),
                         label("monitor_kind", line.monitor_kind) if line.monitor_kind else "",
                         line.members, _yes(line.by_land), _yes(line.by_work), f.land_mu, f.rent_paid, f.workers,
                         f.worker_days, f.wages_paid, f.rent_paid + f.wages_paid,
                         fen((f.rent_paid + f.wages_paid) / line.members) if line.members else ZERO,
                         label("income_band", line.band) if line.band else "",
                         label("income_band", line.band_previous) if line.band_previous else ""])
        for group, f in result.unhoused.items():
            rows.append([_group(group), str(_l("Workers in no household")), "", "", None, "", "", None, None,
                         f.workers, f.worker_days, f.wages_paid, None, None, "", ""])
        tables.append(book.Table(str(_l("Households")), list(HOUSEHOLD_HEADERS), rows, HOUSEHOLD_SUMS))
    return book.xlsx(tables)


# --- the overview a village official starts from ------------------------------------------------------------------

@dataclass
class Overview:
    """The park's households by category and by band this year and last, and those below or near the line."""

    households: int
    by_status: dict[str, int]
    by_band: dict[str, int]
    by_band_last_year: dict[str, int]
    # (household, band) for those below or near the line this year, lowest first.
    watch: list[tuple[Household, str]]


def overview(session: Session, year: int, today: date | None = None) -> Overview:
    """The households by category; by band this year (to date) and last year; those below or near the line."""
    status_counts = dict(session.execute(select(Household.status, func.count()).group_by(Household.status)).all())
    now, before = bands(session, year, today), bands(session, year - 1, today)

    def count(found: dict[int, str]) -> dict[str, int]:
        return {band.value: sum(1 for b in found.values() if b == band) for band in IncomeBand}

    watched = [h for h, b in now.items() if b in (IncomeBand.BELOW_LINE, IncomeBand.NEAR_LINE)]
    households = {h.id: h for h in session.scalars(select(Household).where(Household.id.in_(watched)))} \
        if watched else {}
    order = {IncomeBand.BELOW_LINE.value: 0, IncomeBand.NEAR_LINE.value: 1}
    watch = sorted(((households[h], now[h]) for h in watched if h in households),
                   key=lambda pair: (order[pair[1]], pair[0].village_group, pair[0].name, pair[0].id))
    return Overview(sum(status_counts.values()), {s.value: status_counts.get(s.value, 0) for s in HouseholdStatus},
                    count(now), count(before), watch)
