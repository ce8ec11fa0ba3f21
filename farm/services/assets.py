"""Public-fund assets (扶贫资产) and the three ledgers (三本账): depreciation, returns, distributions, dividends.

The rules, as the village accountant keeps them:

* An asset's original value is the sum of its funding lines; a stated value that differs is refused.
  Public funds are fiscal linkage funds (财政衔接资金), east-west cooperation (东西部协作) and social assistance
  (社会帮扶); the village's and the company's own money are not.
* Depreciation is straight line: (value − residual) / years a year, counted in full months of service. An asset
  starts depreciating in the month after it was handed over (or built, when no hand-over is recorded) and a month
  counts once it has ended; a disposed asset depreciates through the month of its disposal. Accumulated
  depreciation on a day = (value − residual) × months / (years × 12), rounded to the fen, never more than
  value − residual; net value = value − accumulated, so never below the residual.
* The operator's return for a year is `return_percent` % of the public funds (or `return_fixed` yuan) a year,
  for the months of service in that year (the same months as depreciation), rounded to the fen. It falls due
  `assets.return_due_days` (90) days after the year's end.
* Operators pay the collective per year (`AssetReturn`); a payment may not exceed what is still owed for its
  year. The ledgers share a year's payments over that year's assets in proportion to their returns due, and what
  the collective distributed of the year in proportion to what each received, to the fen (the largest remainders
  take the fen left over), so every ledger's rows add up to the same totals.
* A distribution of a year's income may not exceed what was received for that year, less what earlier
  distributions of the year used. A dividend goes to a lifted-out or monitored household.
* Dividends are split among those households equally or by members, each share rounded down to the fen; the fen
  left over go to a stated line (retained or public works), never lost.

Every function that depends on the date takes `today` (default: the park's today).
"""
from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from farm import clock
from farm.errors import Conflict, Invalid, NotFound
from farm.inputs.assets import AssetIn, AssetStatusIn, DistributionIn, DividendSplitIn, ReturnIn
from farm.models.assets import Asset, AssetChange, AssetFunding, AssetReturn, Distribution, DistributionLine
from farm.models.land import Household
from farm.park_language import park_language
from farm.services import park, settings, workbook
from farm.services.settings import SettingSpec
from farm.units import FEN, fen, yuan_text
from farm.vocab import (
    PUBLIC_FUNDING,
    AssetCategory,
    AssetChangeAction,
    AssetOperator,
    AssetStatus,
    DistributionKind,
    DividendWeighting,
    FundingSource,
    HouseholdStatus,
    ReminderKind,
    label,
)

ZERO = Decimal("0.00")
# An amount the money columns hold (12 digits, 2 of them decimals).
MAX_VALUE = Decimal(10) ** 10
# The earliest build date a ledger takes (the poverty-alleviation programmes are far younger).
EARLIEST = date(1950, 1, 1)
# Households a dividend may go to.
DIVIDEND_STATUSES = (HouseholdStatus.LIFTED, HouseholdStatus.MONITORED)

settings.register(SettingSpec("assets.return_due_days", 90, int, _l("Asset returns fall due after the year's end"),
                              _l("days"), Decimal(0)))
settings.register(SettingSpec("assets.remind_due_days", 30, int, _l("Remind of asset returns due within"),
                              _l("days"), Decimal(1)))


# --- arithmetic -----------------------------------------------------------------------------------

def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def service_months(start: date, on: date, disposed_on: date | None = None) -> int:
    """Full months of service from the month after `start` up to `on` (a month counts once it has ended), ending
    with the month of `disposed_on`."""
    if disposed_on is not None:
        on = min(on, _month_end(disposed_on))
    if on <= start:
        return 0
    months = (on.year * 12 + on.month) - (start.year * 12 + start.month)
    if on != _month_end(on):
        months -= 1
    return max(months, 0)


def apportion(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """`total` shared in proportion to `weights`, to the fen, adding up exactly: each share is rounded down and the
    fen left over go one each to the largest remainders (the first of equal ones). All weights zero: all zero."""
    whole = sum(weights, Decimal(0))
    if not weights or whole <= 0:
        return [ZERO for _ in weights]
    exact = [total * w / whole for w in weights]
    shares = [e.quantize(FEN, rounding=ROUND_DOWN) for e in exact]
    left = int((total - sum(shares, ZERO)) / FEN)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in order[:left]:
        shares[i] += FEN
    return shares


def public_funds(asset: Asset) -> Decimal:
    """Fiscal, east-west and social money in the asset: what a percentage return is counted on."""
    return sum((f.amount for f in asset.funding if f.source in PUBLIC_FUNDING), ZERO)


def funding_by_source(asset: Asset) -> dict[str, Decimal]:
    amounts = {s.value: ZERO for s in FundingSource}
    for line in asset.funding:
        amounts[line.source] += line.amount
    return amounts


def accumulated_depreciation(asset: Asset, on: date) -> Decimal:
    """Depreciation accumulated by the end of `on` (straight line in full months, see the module's rules)."""
    if asset.built_on > on:
        return ZERO
    base = asset.value - asset.residual_value
    months = min(service_months(asset.in_service_on, on, asset.disposed_on), asset.depreciation_years * 12)
    return min(fen(base * months / (asset.depreciation_years * 12)), base)


def net_value(asset: Asset, on: date) -> Decimal:
    return asset.value - accumulated_depreciation(asset, on)


def annual_return(asset: Asset) -> Decimal:
    """What the operator owes the collective for a full year."""
    if asset.return_fixed is not None:
        return fen(asset.return_fixed)
    if asset.return_percent:
        return fen(public_funds(asset) * asset.return_percent / 100)
    return ZERO


def return_due(asset: Asset, year: int) -> Decimal:
    """The return owed for `year`: the annual return for that year's months of service."""
    yearly = annual_return(asset)
    if not yearly:
        return ZERO
    months = (service_months(asset.in_service_on, date(year, 12, 31), asset.disposed_on)
              - service_months(asset.in_service_on, date(year - 1, 12, 31), asset.disposed_on))
    return fen(yearly * months / 12)


def due_date(session: Session, year: int) -> date:
    """The day a year's returns fall due."""
    end = date(year, 12, 31)
    return end + timedelta(days=settings.get(session, "assets.return_due_days", on=end))


# --- assets ---------------------------------------------------------------------------------------

def get_asset(session: Session, asset_id: int) -> Asset:
    asset = session.get(Asset, asset_id)
    if asset is None:
        raise NotFound(_l("There is no asset %(id)s.", id=asset_id))
    return asset


def assets_query(category: str | None = None):
    query = select(Asset).options(selectinload(Asset.funding), selectinload(Asset.greenhouses),
                                  selectinload(Asset.operator_household))
    if category:
        query = query.where(Asset.category == category)
    return query.order_by(Asset.code, Asset.id)


def category_filter(category: str | None) -> str | None:
    """A ledger category from a query, None for all; Invalid when it is none of the three."""
    if category and AssetCategory.get(category) is None:
        msg = _l("Not one of the allowed choices.")
        raise Invalid(msg, {"category": msg})
    return category or None


def list_assets(session: Session, category: str | None = None) -> list[Asset]:
    return list(session.scalars(assets_query(category_filter(category))))


def snapshot(asset: Asset) -> dict:
    """An asset's fields as plain JSON values, as the change log keeps them."""
    def text(value):
        return None if value is None else value.isoformat() if isinstance(value, date) else str(value)

    return {
        "code": asset.code, "name": asset.name, "kind": asset.kind, "category": asset.category,
        "greenhouses": [g.code for g in asset.greenhouses], "built_on": text(asset.built_on),
        "handed_over_on": text(asset.handed_over_on), "owner": asset.owner, "operator_kind": asset.operator_kind,
        "operator_name": asset.operator_name, "operator_household_id": asset.operator_household_id,
        "funding": [{"source": f.source, "amount": text(f.amount)} for f in asset.funding],
        "value": text(asset.value), "depreciation_years": asset.depreciation_years,
        "residual_value": text(asset.residual_value), "return_percent": text(asset.return_percent),
        "return_fixed": text(asset.return_fixed), "status": asset.status, "disposed_on": text(asset.disposed_on),
        "disposal_reason": asset.disposal_reason, "disposal_approval": asset.disposal_approval,
    }


def _log(session: Session, asset: Asset, action: AssetChangeAction, before: dict | None, user) -> None:
    session.add(AssetChange(asset=asset, action=action, before=before, after=snapshot(asset),
                            changed_by=getattr(user, "id", None), changed_at=clock.now()))


def _check(session: Session, data: AssetIn, asset_id: int | None) -> Decimal:
    """Refuse what no accountant would book; the original value (the funding's sum) otherwise."""
    if not data.funding:
        msg = _l("Add at least one funding source.")
        raise Invalid(msg, {"funding": msg})
    total = sum((f.amount for f in data.funding), ZERO)
    if total >= MAX_VALUE:
        msg = _l("The funding adds up to more than the ledger holds (%(max)s yuan).", max=yuan_text(MAX_VALUE - FEN))
        raise Invalid(msg, {"funding": msg})
    if data.value is not None and fen(data.value) != total:
        msg = _l("The funding adds up to %(total)s yuan, not the value of %(value)s yuan.", total=yuan_text(total),
                 value=yuan_text(data.value))
        raise Invalid(msg, {"value": msg, "funding": msg})
    if data.residual_value > total:
        msg = _l("The residual value cannot exceed the original value.")
        raise Invalid(msg, {"residual_value": msg})
    if data.return_percent is not None and data.return_fixed is not None:
        msg = _l("Give the return as a percentage or as a fixed amount, not both.")
        raise Invalid(msg, {"return_fixed": msg})
    if not EARLIEST <= data.built_on <= clock.today():
        msg = _l("An asset is built between %(first)s and today.", first=EARLIEST.isoformat())
        raise Invalid(msg, {"built_on": msg})
    if data.handed_over_on is not None and data.handed_over_on < data.built_on:
        msg = _l("An asset is handed over after it is built.")
        raise Invalid(msg, {"handed_over_on": msg})
    if data.operator_kind == AssetOperator.HOUSEHOLD:
        if data.operator_household_id is None or session.get(Household, data.operator_household_id) is None:
            msg = _l("Choose the household that operates the asset.")
            raise Invalid(msg, {"operator_household_id": msg})
    taken = session.scalar(select(Asset.id).where(Asset.code == data.code, Asset.id != (asset_id or 0)))
    if taken is not None:
        msg = _l("Asset code %(code)s is already used.", code=data.code)
        raise Conflict(msg, {"code": msg})
    return total


def _default_owner() -> str:
    with park_language():
        return _("The village collective")


def _apply(session: Session, asset: Asset, data: AssetIn, value: Decimal) -> None:
    greenhouses = park.greenhouses_by_code(session, [c.upper() for c in data.greenhouses])
    asset.code, asset.name, asset.kind, asset.category = data.code, data.name, data.kind, data.category
    asset.built_on, asset.handed_over_on = data.built_on, data.handed_over_on
    asset.owner = data.owner or asset.owner or _default_owner()
    asset.operator_kind = data.operator_kind
    if data.operator_kind == AssetOperator.HOUSEHOLD:
        asset.operator_household_id = data.operator_household_id
        asset.operator_name = data.operator_name or session.get(Household, data.operator_household_id).name
    else:
        found = park.get_park(session)
        asset.operator_household_id = None
        asset.operator_name = data.operator_name or (found.name if found else "")
    asset.value, asset.residual_value = value, fen(data.residual_value)
    asset.depreciation_years = data.depreciation_years
    asset.return_percent, asset.return_fixed = data.return_percent, data.return_fixed
    asset.notes = data.notes
    asset.funding = [AssetFunding(source=f.source, amount=fen(f.amount)) for f in data.funding]
    asset.greenhouses = greenhouses


def create_asset(session: Session, data: AssetIn, user=None) -> Asset:
    """Register an asset with its funding and greenhouses; the change log keeps who did it."""
    value = _check(session, data, None)
    asset = Asset(status=AssetStatus.IN_USE)
    _apply(session, asset, data, value)
    session.add(asset)
    session.flush()
    _log(session, asset, AssetChangeAction.CREATED, None, user)
    session.flush()
    return asset


def update_asset(session: Session, asset_id: int, data: AssetIn, user=None) -> Asset:
    """Change an asset's terms; the change log keeps what it was before and after."""
    asset = get_asset(session, asset_id)
    value = _check(session, data, asset.id)
    before = snapshot(asset)
    _apply(session, asset, data, value)
    session.flush()
    _log(session, asset, AssetChangeAction.UPDATED, before, user)
    session.flush()
    return asset


def change_status(session: Session, asset_id: int, data: AssetStatusIn, user=None,
                  today: date | None = None) -> Asset:
    """Put an asset in use, idle or under repair, or dispose of it with a reason and the approval's reference."""
    today = today or clock.today()
    asset = get_asset(session, asset_id)
    if asset.status == AssetStatus.DISPOSED:
        raise Conflict(_l("This asset has been disposed of."))
    before = snapshot(asset)
    if data.status == AssetStatus.DISPOSED:
        errors = {}
        if not data.reason:
            errors["reason"] = _l("Give the reason for the disposal.")
        if not data.approval:
            errors["approval"] = _l("Give the reference of the approval.")
        on = data.on or today
        if on < asset.built_on or on > today:
            errors["on"] = _l("The disposal date lies between the day it was built and today.")
        if errors:
            raise Invalid(next(iter(errors.values())), errors)
        asset.disposed_on, asset.disposal_reason, asset.disposal_approval = on, data.reason, data.approval
    asset.status = data.status
    session.flush()
    _log(session, asset, AssetChangeAction.STATUS, before, user)
    session.flush()
    return asset


# --- returns --------------------------------------------------------------------------------------

def _in_year(asset: Asset, year: int) -> bool:
    """Built by the end of `year` and not disposed of before it began."""
    return asset.built_on <= date(year, 12, 31) and (asset.disposed_on is None or asset.disposed_on >= date(year, 1, 1))


def _year_assets(session: Session, year: int, every: list[Asset] | None = None) -> list[Asset]:
    """The assets of `year`'s ledgers, from `every` asset when the caller has loaded them already."""
    return [a for a in (session.scalars(assets_query()) if every is None else every) if _in_year(a, year)]


def received(session: Session, year: int) -> Decimal:
    """What the operators paid for a year's returns."""
    return Decimal(session.scalar(select(func.coalesce(func.sum(AssetReturn.amount), 0))
                                  .where(AssetReturn.year == year)) or 0) + ZERO


def distributed(session: Session, year: int) -> Decimal:
    """What the collective has distributed of a year's income."""
    total = session.scalar(select(func.coalesce(func.sum(DistributionLine.amount), 0))
                           .join(Distribution, DistributionLine.distribution_id == Distribution.id)
                           .where(Distribution.year == year))
    return Decimal(total or 0) + ZERO


@dataclass(frozen=True)
class YearReturn:
    """A year's returns in sum: due, received, outstanding, when due, and whether overdue."""

    year: int
    due: Decimal
    received: Decimal
    distributed: Decimal
    due_on: date
    overdue: bool

    @property
    def outstanding(self) -> Decimal:
        return max(self.due - self.received, ZERO)

    @property
    def available(self) -> Decimal:
        """Received and not yet distributed."""
        return self.received - self.distributed


def year_return(session: Session, year: int, today: date | None = None) -> YearReturn:
    today = today or clock.today()
    due = sum((return_due(a, year) for a in _year_assets(session, year)), ZERO)
    paid = received(session, year)
    on = due_date(session, year)
    return YearReturn(year, due, paid, distributed(session, year), on, on < today and paid < due)


def return_years(session: Session, today: date | None = None) -> list[YearReturn]:
    """Every year from the first in which an asset was in service to this one, oldest first."""
    today = today or clock.today()
    every = list(session.scalars(assets_query()))
    if not every:
        return []
    first = min(a.in_service_on for a in every).year
    paid = _sums(session, AssetReturn.year, AssetReturn.amount)
    spent = _sums(session, Distribution.year, DistributionLine.amount)
    years = []
    for y in range(first, today.year + 1):
        due = sum((return_due(a, y) for a in every if _in_year(a, y)), ZERO)
        on, got = due_date(session, y), paid.get(y, ZERO)
        years.append(YearReturn(y, due, got, spent.get(y, ZERO), on, on < today and got < due))
    return years


def _sums(session: Session, year_column, amount_column) -> dict[int, Decimal]:
    """Returns received (or amounts distributed) by year, in one query."""
    query = select(year_column, func.sum(amount_column)).group_by(year_column)
    if amount_column is DistributionLine.amount:
        query = query.select_from(DistributionLine).join(Distribution,
                                                         DistributionLine.distribution_id == Distribution.id)
    return {year: Decimal(total) + ZERO for year, total in session.execute(query)}


def record_return(session: Session, data: ReturnIn, user=None, today: date | None = None) -> AssetReturn:
    """Record what the operators paid the collective for a year; never more than is still owed for it."""
    today = today or clock.today()
    if data.paid_on > today:
        msg = _l("A payment cannot be dated in the future.")
        raise Invalid(msg, {"paid_on": msg})
    if data.year > today.year:
        msg = _l("Returns are recorded for this year or earlier ones.")
        raise Invalid(msg, {"year": msg})
    if data.paid_on.year < data.year:
        msg = _l("A return for %(year)s is paid in %(year)s or later.", year=data.year)
        raise Invalid(msg, {"paid_on": msg})
    state = year_return(session, data.year, today)
    if data.amount > state.outstanding:
        msg = _l("Only %(amount)s yuan of the return for %(year)s is still owed.",
                 amount=yuan_text(state.outstanding), year=data.year)
        raise Invalid(msg, {"amount": msg})
    payment = AssetReturn(year=data.year, amount=fen(data.amount), paid_on=data.paid_on, receipt_no=data.receipt_no,
                          notes=data.notes, recorded_by=getattr(user, "id", None), created_at=clock.now())
    session.add(payment)
    session.flush()
    return payment


def list_returns(session: Session, year: int | None = None) -> list[AssetReturn]:
    query = select(AssetReturn)
    if year:
        query = query.where(AssetReturn.year == year)
    return list(session.scalars(query.order_by(AssetReturn.paid_on, AssetReturn.id)))


@dataclass(frozen=True)
class ReturnReminder:
    """A year's return overdue, or falling due soon."""

    kind: ReminderKind
    year: int
    on: date
    amount: Decimal
    days: int


def return_reminders(session: Session, today: date | None = None) -> list[ReturnReminder]:
    """Years whose return is overdue, and the year whose return falls due within `assets.remind_due_days`."""
    today = today or clock.today()
    window = settings.get(session, "assets.remind_due_days", on=today)
    items = []
    for state in return_years(session, today):
        if state.outstanding <= 0:
            continue
        days = (state.due_on - today).days
        if state.overdue:
            items.append(ReturnReminder(ReminderKind.RETURN_OVERDUE, state.year, state.due_on, state.outstanding, days))
        elif 0 <= days <= window:
            items.append(ReturnReminder(ReminderKind.RETURN_DUE, state.year, state.due_on, state.outstanding, days))
    return items


# --- distributions --------------------------------------------------------------------------------

def dividend_households(session: Session) -> list[Household]:
    """The households a dividend goes to: lifted out of poverty or monitored."""
    return list(session.scalars(select(Household).where(Household.status.in_(DIVIDEND_STATUSES))
                                .order_by(Household.village_group, Household.name, Household.id)))


@dataclass
class Split:
    """A dividend shared among households, and the fen left over (which go to `remainder_to`)."""

    shares: list[tuple[Household, Decimal]]
    remainder: Decimal
    remainder_to: str

    @property
    def total(self) -> Decimal:
        return sum((s for _, s in self.shares), ZERO) + self.remainder


def split_dividend(households: list[Household], amount: Decimal, weighting: str = DividendWeighting.EQUAL,
                   remainder_to: str = DistributionKind.RETAINED) -> Split:
    """`amount` shared among `households` equally or by members, each share rounded down to the fen; what is
    left over is the remainder, placed on the `remainder_to` line."""
    amount = fen(amount)
    weights = [Decimal(h.members if weighting == DividendWeighting.MEMBERS else 1) for h in households]
    whole = sum(weights, Decimal(0))
    if not households or whole <= 0:
        return Split([], amount, remainder_to)
    shares = [(amount * w / whole).quantize(FEN, rounding=ROUND_DOWN) for w in weights]
    return Split(list(zip(households, shares)), amount - sum(shares, ZERO), remainder_to)


def record_distribution(session: Session, data: DistributionIn, user=None, today: date | None = None) -> Distribution:
    """Record how a year's income is used; the lines may not add up to more than what is left of it."""
    today = today or clock.today()
    if not data.lines:
        msg = _l("Add at least one line.")
        raise Invalid(msg, {"lines": msg})
    paid_on = data.paid_on or today
    if paid_on > today:
        msg = _l("A payment cannot be dated in the future.")
        raise Invalid(msg, {"paid_on": msg})
    errors = {}
    for n, line in enumerate(data.lines):
        if line.kind == DistributionKind.DIVIDEND:
            household = session.get(Household, line.household_id) if line.household_id is not None else None
            if household is None:
                errors[f"lines.{n}.household_id"] = (
                    _l("A dividend names its household.") if line.household_id is None
                    else _l("There is no household %(id)s.", id=line.household_id))
            elif household.status not in DIVIDEND_STATUSES:
                errors[f"lines.{n}.household_id"] = _l(
                    "Dividends go to households lifted out of poverty or monitored; %(name)s is neither.",
                    name=household.name)
        elif line.household_id is not None and session.get(Household, line.household_id) is None:
            errors[f"lines.{n}.household_id"] = _l("There is no household %(id)s.", id=line.household_id)
    if errors:
        raise Invalid(next(iter(errors.values())), errors)
    state = year_return(session, data.year, today)
    total = sum((fen(line.amount) for line in data.lines), ZERO)
    if total > state.available:
        msg = _l("The lines add up to %(total)s yuan, more than the %(left)s yuan received for %(year)s and not yet "
                 "distributed.", total=yuan_text(total), left=yuan_text(state.available), year=data.year)
        raise Invalid(msg, {"lines": msg})
    distribution = Distribution(year=data.year, paid_on=paid_on, notes=data.notes,
                                recorded_by=getattr(user, "id", None), created_at=clock.now())
    distribution.lines = [DistributionLine(kind=line.kind, household_id=line.household_id, person=line.person,
                                           amount=fen(line.amount)) for line in data.lines]
    session.add(distribution)
    session.flush()
    return distribution


def distribute_dividends(session: Session, data: DividendSplitIn, user=None,
                         today: date | None = None) -> Distribution:
    """A distribution from the split: a dividend line per lifted-out or monitored household, public works and the
    retained sum as given, the split's remainder added to the line it is placed on."""
    split = split_dividend(dividend_households(session), data.amount, data.weighting, data.remainder_to)
    lines = [{"kind": DistributionKind.DIVIDEND, "household_id": h.id, "amount": share}
             for h, share in split.shares if share > 0]
    extra = {DistributionKind.PUBLIC_WORKS: data.public_works, DistributionKind.RETAINED: data.retained}
    extra[split.remainder_to] += split.remainder
    if data.public_job > 0:
        if not data.public_job_person:
            msg = _l("Name the person paid for the public-welfare job.")
            raise Invalid(msg, {"public_job_person": msg})
        lines.append({"kind": DistributionKind.PUBLIC_JOB, "person": data.public_job_person, "amount": data.public_job})
    lines += [{"kind": kind, "amount": amount} for kind, amount in extra.items() if amount > 0]
    return record_distribution(session, DistributionIn(year=data.year, lines=lines, paid_on=data.paid_on),
                               user, today)


def list_distributions(session: Session, year: int | None = None) -> list[Distribution]:
    query = select(Distribution).options(selectinload(Distribution.lines).selectinload(DistributionLine.household))
    if year:
        query = query.where(Distribution.year == year)
    return list(session.scalars(query.order_by(Distribution.paid_on, Distribution.id)))


def dividends_by_household(session: Session, start: date, end: date) -> dict[int, Decimal]:
    """Dividends paid to each household from `start` (inclusive) to `end` (exclusive): its property income
    (财产性收入) from the collective's assets."""
    rows = session.execute(
        select(DistributionLine.household_id, func.sum(DistributionLine.amount))
        .join(Distribution, DistributionLine.distribution_id == Distribution.id)
        .where(DistributionLine.kind == DistributionKind.DIVIDEND, DistributionLine.household_id.is_not(None),
               Distribution.paid_on >= start, Distribution.paid_on < end)
        .group_by(DistributionLine.household_id)
    )
    return {household_id: Decimal(total) + ZERO for household_id, total in rows}


# --- the ledgers (三本账) --------------------------------------------------------------------------

@dataclass
class Figures:
    """The ledger's columns for one row."""

    value: Decimal = ZERO
    accumulated: Decimal = ZERO
    net_value: Decimal = ZERO
    return_due: Decimal = ZERO
    received: Decimal = ZERO
    distributed: Decimal = ZERO

    COLUMNS = ("value", "accumulated", "net_value", "return_due", "received", "distributed")

    def add(self, other: "Figures") -> None:
        for name in self.COLUMNS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def values(self) -> list[Decimal]:
        return [getattr(self, name) for name in self.COLUMNS]


@dataclass
class AssetRow:
    asset: Asset
    figures: Figures
    funding: dict[str, Decimal]


@dataclass
class Ledgers:
    """The three ledgers of a year: each asset's row, the sums per category, per funding source and per year."""

    year: int
    as_of: date
    assets: list[AssetRow]
    by_category: dict[str, Figures]
    by_source: dict[str, Figures]
    by_year: list[tuple[int, Figures]]
    total: Figures = field(default_factory=Figures)


def _asset_rows(session: Session, year: int, as_of: date, every: list[Asset] | None = None,
                sums: tuple[dict, dict] | None = None) -> list[AssetRow]:
    assets = _year_assets(session, year, every)
    dues = [return_due(a, year) for a in assets]
    paid, spent = sums if sums is not None else ({year: received(session, year)}, {year: distributed(session, year)})
    got = apportion(paid.get(year, ZERO), dues)
    out = apportion(spent.get(year, ZERO), got)
    rows = []
    for asset, due, paid, spent in zip(assets, dues, got, out):
        accumulated = accumulated_depreciation(asset, as_of)
        rows.append(AssetRow(asset, Figures(asset.value, accumulated, asset.value - accumulated, due, paid, spent),
                             funding_by_source(asset)))
    return rows


def _sum(rows: list[AssetRow]) -> Figures:
    total = Figures()
    for row in rows:
        total.add(row.figures)
    return total


def ledgers(session: Session, year: int, today: date | None = None) -> Ledgers:
    """The ledgers of `year`, as at its last day (or today, for this year): value, accumulated depreciation and
    net value then; the year's return due, received and distributed. Each asset's figures are shared over its
    funding sources in proportion to their amounts (to the fen), so every view adds up to the same totals."""
    today = today or clock.today()
    as_of = min(date(year, 12, 31), today)
    every = list(session.scalars(assets_query()))
    sums = (_sums(session, AssetReturn.year, AssetReturn.amount),
            _sums(session, Distribution.year, DistributionLine.amount))
    rows = _asset_rows(session, year, as_of, every, sums)
    by_category = {c.value: _sum([r for r in rows if r.asset.category == c]) for c in AssetCategory}
    by_source = {s.value: Figures() for s in FundingSource}
    for row in rows:
        weights = [row.funding[s.value] for s in FundingSource]
        parts = [apportion(v, weights) for v in row.figures.values()]
        for n, source in enumerate(FundingSource):
            by_source[source.value].add(Figures(*(column[n] for column in parts)))
    first = min((r.asset.built_on.year for r in rows), default=year)
    by_year = []
    for y in range(first, year + 1):
        end = min(date(y, 12, 31), today)
        by_year.append((y, _sum(_asset_rows(session, y, end, every, sums)) if y != year else _sum(rows)))
    return Ledgers(year, as_of, rows, by_category, by_source, by_year, _sum(rows))


def asset_figures(session: Session, year: int, category: str | None = None,
                  today: date | None = None) -> dict[int, Figures]:
    """Each asset's ledger figures for `year` by asset id (the API's list). An asset outside that year's ledgers
    (built after it, or disposed of before it) has its value, no depreciation and no return."""
    today = today or clock.today()
    every = list(session.scalars(assets_query(category)))
    figures = {a.id: Figures(a.value, ZERO, a.value) for a in every}
    figures.update({r.asset.id: r.figures for r in _asset_rows(session, year, min(date(year, 12, 31), today))
                    if r.asset.id in figures})
    return figures


def ledger_year(value, today: date | None = None, default: int | None = None) -> int:
    """The year a ledger is asked for (YYYY), `default` (last year unless given) when none is; Invalid otherwise."""
    today = today or clock.today()
    if value in (None, ""):
        return default if default is not None else today.year - 1
    text = str(value).strip()
    if not (text.isdigit() and len(text) == 4 and 2000 <= int(text) <= today.year):
        msg = _l("Enter a year from 2000 to %(year)s.", year=today.year)
        raise Invalid(msg, {"year": msg})
    return int(text)


FIGURE_HEADS = (_l("Original value"), _l("Accumulated depreciation"), _l("Net value"), _l("Return due"),
                _l("Received"), _l("Distributed"))


def ledger_workbook(session: Session, year: int, today: date | None = None) -> bytes:
    """The ledgers of `year` as the township office files them: a summary by category, a sheet per ledger (each
    asset with its funding, value, depreciation and return), one by funding source and one by year."""
    book = ledgers(session, year, today)
    sums = tuple(range(1, 7))
    summary = [[label("asset_category", c), *book.by_category[c].values()] for c in AssetCategory.values()]
    tables = [workbook.Table(_l("Summary %(year)s", year=year), [_l("Ledger"), *FIGURE_HEADS], summary, sums)]
    sources = FundingSource.values()
    heads = [_l("Code"), _l("Asset name"), _l("Kind"), _l("Greenhouses"), _l("Built on"), _l("Handed over on"),
             _l("Owner"), _l("Operator"), *[label("funding_source", s) for s in sources], *FIGURE_HEADS,
             _l("Depreciation years"), _l("Residual value"), _l("Status")]
    summed = tuple(range(8, 8 + len(sources) + 6))
    for category in AssetCategory:
        rows = [[r.asset.code, r.asset.name, label("asset_kind", r.asset.kind),
                 ", ".join(g.code for g in r.asset.greenhouses), r.asset.built_on, r.asset.handed_over_on,
                 r.asset.owner, r.asset.operator_name, *[r.funding[s] for s in sources], *r.figures.values(),
                 r.asset.depreciation_years, r.asset.residual_value, label("asset_status", r.asset.status)]
                for r in book.assets if r.asset.category == category]
        tables.append(workbook.Table(category.label, heads, rows, summed if rows else ()))
    tables.append(workbook.Table(_l("By funding source"), [_l("Funding source"), *FIGURE_HEADS],
                                 [[label("funding_source", s), *book.by_source[s].values()] for s in sources], sums))
    tables.append(workbook.Table(_l("By year"), [_l("Year"), *FIGURE_HEADS],
                                 [[str(y), *f.values()] for y, f in book.by_year], (4, 5, 6)))
    return workbook.xlsx(tables)


# --- the dashboard ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReturnTotals:
    """Returns owed and not yet paid: the total falling due (not yet late) and the total overdue."""

    due: Decimal
    overdue: Decimal
    overdue_years: list[int]


def return_totals(session: Session, today: date | None = None,
                  years: list[YearReturn] | None = None) -> ReturnTotals:
    """The totals over `years` (return_years' answer, when the caller has it already) or over every year."""
    if years is None:
        years = return_years(session, today or clock.today())
    return ReturnTotals(sum((y.outstanding for y in years if not y.overdue), ZERO),
                        sum((y.outstanding for y in years if y.overdue), ZERO),
                        [y.year for y in years if y.overdue])


def yearly_summary(session: Session, today: date | None = None) -> list[YearReturn]:
    """Each year's return due, received and distributed, newest first."""
    return list(reversed(return_years(session, today)))


def households_with_dividends(session: Session, year: int) -> list[tuple[Household, Decimal]]:
    """The households paid dividends of `year`'s income, with what each got."""
    rows = defaultdict(lambda: ZERO)
    for distribution in list_distributions(session, year):
        for line in distribution.lines:
            if line.kind == DistributionKind.DIVIDEND and line.household is not None:
                rows[line.household] += line.amount
    return sorted(rows.items(), key=lambda item: (item[0].village_group, item[0].name, item[0].id))
