"""Early warning against a return to poverty (防止返贫预警): the rules, the daily job, follow-ups and closing.

The rules, judged on the park day of the job's `now` (`today`), each read for every household at once by a few
aggregate queries:

* `below_line` / `near_line`: the household's projected per-capita income of the current year
  (farm.services.livelihoods.projected: received so far + rent still due this year + the last three months'
  average wages for the months left + other income entered) is below the year's monitoring line, or inside the
  near-poverty band [line, 1.5 × line).
* `income_drop`: the household's income from the park (rent received + its members' wages) in the last three
  full months before today's month fell by more than `warnings.drop_percent` (30 %) against the same three months a
  year earlier. The drop is (before − now) ÷ before; exactly 30 % does not warn, and a household that had no
  income from the park a year earlier is never warned of a drop.
* `stopped_working`: a member who worked regularly has had no attendance for `warnings.stopped_days` (30) days.
  The days without attendance are the 30 park days before today and today itself
  ([today − 30, today]: today's attendance may already be entered); a member last present on today − 31 has
  exactly 30 days without attendance before today and is warned, one last present on today − 30 is not yet.
  Regularly: present (an Assignment with `present`) on at least `warnings.regular_days` (10) distinct days in
  each of the two months before those days, i.e. [start − 1 month, start) and [start − 2 months, start − 1 month)
  where start = today − 30 (a month back from the 31st of March is the last day of February).
* `rent_overdue`: the park owes a `lifted` or `monitored` household rent more than `warnings.rent_overdue_days`
  (15) days past its due date (farm.services.rent: the schedule's overdue dues, days late counted from the due
  date to today); exactly 15 days does not warn, 16 does. Draft contracts owe nothing yet.

The job (`run_warnings`, daily, safe to repeat): a condition that holds for a household without an open (or
followed-up) warning of that kind opens one, with the figures that triggered it and the reason in the park's
language, notified once on the channels that are on (up to `warnings.notify_each_up_to` (20) one message each;
more at once, as on a park's first run, one summary message). It never closes a warning: it records on each open warning
whether its condition still holds (`condition_holds`, `checked_at`). A warning a person closed while its condition
still held is not opened again until the condition has lifted once (the closing was a decision that the risk is
removed, 风险消除, not a formula); the job keeps looking at it until then.

At most one open or followed-up warning per household and kind: the job looks first, and a partial unique index
in the database refuses a second one; the job's insert skips what the index refuses (ON CONFLICT DO NOTHING), so a
concurrent run loses its insert harmlessly.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, distinct, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, joinedload, selectinload

from farm import clock
from farm.errors import Conflict, Invalid, NotFound
from farm.i18n import number
from farm.inputs.warnings import CloseIn, FollowUpIn
from farm.models.land import Household, LandContract, Parcel, RentPayment
from farm.models.people import Assignment, Worker
from farm.models.warnings import OPEN_STATES, OPEN_WHERE, FollowUp, Warning
from farm.park_language import park_language
from farm.services import livelihoods, notify, rent, settings
from farm.services.settings import SettingSpec, _decimal, _int
from farm.units import yuan_text
from farm.vocab import ContractStatus, DueStatus, HouseholdStatus, IncomeBand, WarningKind, WarningState, label

DROP_PERCENT = settings.register(SettingSpec(
    "warnings.drop_percent", Decimal(30), _decimal,
    _l("Warn when a household's income from the park falls by more than"), "%", Decimal(0)))
REGULAR_DAYS = settings.register(SettingSpec(
    "warnings.regular_days", 10, _int, _l("A member works regularly with at least this many days in each of two months"),
    _l("days"), Decimal(1)))
STOPPED_DAYS = settings.register(SettingSpec(
    "warnings.stopped_days", 30, _int, _l("Warn when a regular member has had no attendance for"), _l("days"),
    Decimal(1)))
NOTIFY_EACH = settings.register(SettingSpec(
    "warnings.notify_each_up_to", 20, _int,
    _l("New warnings notified one by one up to this many a run (more: one summary message)"), "", Decimal(1)))
RENT_OVERDUE_DAYS = settings.register(SettingSpec(
    "warnings.rent_overdue_days", 15, _int,
    _l("Warn when rent owed to a lifted or monitored household is overdue by more than"), _l("days"), Decimal(0)))

# Households whose overdue rent is warned of: the park must never be the cause of their return to poverty.
WATCHED = (HouseholdStatus.LIFTED.value, HouseholdStatus.MONITORED.value)
KINDS = tuple(WarningKind)
# The order of the list: open first, then followed up, then closed; newest first within each.
STATE_ORDER = case((Warning.state == WarningState.OPEN, 0), (Warning.state == WarningState.FOLLOWING, 1), else_=2)


def config(session: Session, today: date) -> dict:
    """The rules' settings in force on `today`."""

    def get(spec):
        return settings.get(session, spec.key, on=today)

    return {"drop_percent": Decimal(get(DROP_PERCENT)), "regular_days": get(REGULAR_DAYS),
            "stopped_days": get(STOPPED_DAYS), "rent_overdue_days": get(RENT_OVERDUE_DAYS),
            "notify_each": get(NOTIFY_EACH)}


def _money(value) -> str:
    """An amount in the figures: yuan with two decimals, as text (JSON keeps it exact)."""
    return yuan_text(value)


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier; the month's last day where it is shorter."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- the rules ----------------------------------------------------------------------------------------------

def find_lines(session: Session, today: date, wages: dict | None = None) -> tuple[dict[int, dict], dict[int, dict]]:
    """({household: figures} below the line, the same near the line) from the year's projected income (the
    projection's parts, farm.services.livelihoods.projected, are kept as the figures). `wages`: the households'
    wages by month (`wages_for`), when already read."""
    below: dict[int, dict] = {}
    near: dict[int, dict] = {}
    for household_id, p in livelihoods.projected(session, today.year, today, wages).items():
        if p.band not in (IncomeBand.BELOW_LINE, IncomeBand.NEAR_LINE) or p.line is None:
            continue
        figures = {"year": today.year, **p.figures, "per_capita": _money(p.per_capita), "line": _money(p.line)}
        figures["upper"] = figures.get("near_limit") or _money(p.line * livelihoods.NEAR_FACTOR)
        (below if p.band == IncomeBand.BELOW_LINE else near)[household_id] = figures
    return below, near


def drop_months(today: date) -> tuple[list[str], list[str]]:
    """The last three full months before today's month, and the same months a year earlier, oldest first."""
    months = [clock.previous_month(clock.month_of(today))]
    while len(months) < 3:
        months.insert(0, clock.previous_month(months[0]))
    earlier = [f"{int(m[:4]) - 1:04d}{m[4:]}" for m in months]
    return months, earlier


def income_drop(now_income: Decimal, before: Decimal, percent: Decimal) -> Decimal | None:
    """The drop in per cent (to two decimals) when it is more than `percent`, else None; none without income
    before. Exactly `percent` is no drop to warn of."""
    if before <= 0:
        return None
    share = (before - now_income) * 100 / before
    return share.quantize(Decimal("0.01")) if share > percent else None


def find_income_drop(session: Session, today: date, conf: dict, wages: dict | None = None) -> dict[int, dict]:
    """{household: figures} whose income from the park fell by more than the set share. `wages`: the households'
    wages by month (`wages_for`), when already read."""
    months, earlier = drop_months(today)
    by_month = livelihoods.park_income_by_month(session, months + earlier, wages)
    now_income: dict[int, Decimal] = {}
    before: dict[int, Decimal] = {}
    for (household_id, month), amount in by_month.items():
        target = now_income if month in months else before if month in earlier else None
        if target is not None:
            target[household_id] = target.get(household_id, Decimal(0)) + Decimal(amount)
    found = {}
    for household_id, was in before.items():
        now = now_income.get(household_id, Decimal(0))
        share = income_drop(now, was, conf["drop_percent"])
        if share is not None:
            found[household_id] = {"months": months, "earlier_months": earlier, "income": _money(now),
                                   "earlier_income": _money(was), "drop_percent": str(share),
                                   "threshold_percent": str(conf["drop_percent"])}
    return found


def stopped_window(today: date, stopped_days: int) -> tuple[date, date, date]:
    """(first day of the two months before, first day of the second month, first day without attendance)."""
    start = today - timedelta(days=stopped_days)
    return months_before(start, 2), months_before(start, 1), start


def find_stopped_working(session: Session, today: date, conf: dict) -> dict[int, dict]:
    """{household: figures} with a member who worked regularly and has had no attendance for the set days."""
    first, second, start = stopped_window(today, conf["stopped_days"])
    day = Assignment.day
    rows = session.execute(
        select(Worker.household_id, Worker.id, Worker.name,
               func.count(distinct(case((day < second, day)))),
               func.count(distinct(case((and_(day >= second, day < start), day)))),
               func.count(distinct(case((day >= start, day)))),
               func.max(day))
        .join(Worker, Worker.id == Assignment.worker_id)
        .where(Worker.household_id.is_not(None), Assignment.present.is_(True), day >= first, day <= today)
        .group_by(Worker.household_id, Worker.id, Worker.name)
        .order_by(Worker.household_id, Worker.name, Worker.id))
    found: dict[int, dict] = {}
    for household_id, worker_id, name, in_first, in_second, since, last in rows:
        if since or in_first < conf["regular_days"] or in_second < conf["regular_days"]:
            continue
        entry = found.setdefault(household_id, {"days": conf["stopped_days"], "since": start.isoformat(),
                                                "regular_days": conf["regular_days"], "workers": []})
        entry["workers"].append({"worker_id": worker_id, "name": name, "last_present": last.isoformat(),
                                 "days_present": [in_first, in_second]})
    return found


def find_rent_overdue(session: Session, today: date, conf: dict) -> dict[int, dict]:
    """{household: figures} of lifted or monitored households owed rent more than the set days past due.

    Three queries for every contract at once (its terms, its area, its payments up to today), each priced by the
    rent schedule's own arithmetic (farm.services.rent). Dues are computed up to the last due date that can be late
    by more than the set days: a later due cannot warn, and payments fill the oldest dues first, so the overdue
    ones come out as on the full schedule."""
    watched = (select(LandContract.id).join(Household, Household.id == LandContract.household_id)
               .where(LandContract.status != ContractStatus.DRAFT, Household.status.in_(WATCHED)))
    contracts = session.execute(
        select(LandContract.id, LandContract.number, LandContract.household_id, LandContract.start_date,
               LandContract.end_date, LandContract.terminated_on, LandContract.rent_per_mu_year,
               LandContract.payment_month_day, LandContract.escalation_every_years,
               LandContract.escalation_percent)
        .where(LandContract.id.in_(watched)).order_by(LandContract.number, LandContract.id)).all()
    if not contracts:
        return {}
    areas = dict(session.execute(select(Parcel.contract_id, func.sum(Parcel.area_mu))
                                 .where(Parcel.contract_id.in_(watched)).group_by(Parcel.contract_id)).all())
    paid: dict[int, list] = {}
    for contract_id, paid_on, amount in session.execute(
            select(RentPayment.contract_id, RentPayment.paid_on, RentPayment.amount)
            .where(RentPayment.contract_id.in_(watched), RentPayment.paid_on <= today)):
        paid.setdefault(contract_id, []).append((paid_on, amount))
    # Only a due more than the set days past its date can warn: the schedule is read up to the last such day.
    until = today - timedelta(days=conf["rent_overdue_days"] + 1)
    found: dict[int, dict] = {}
    for c in contracts:
        items = rent.dues(Decimal(areas.get(c.id) or 0), c.rent_per_mu_year, c.start_date, rent.term_end(c),
                          c.payment_month_day, c.escalation_every_years, c.escalation_percent, until=until)
        rent.allocate(items, paid.get(c.id, []))
        rent.judge(items, today, None)
        for due in items:
            if due.status != DueStatus.OVERDUE or due.days_late <= conf["rent_overdue_days"]:
                continue
            entry = found.setdefault(c.household_id, {"days": conf["rent_overdue_days"], "owed": "0.00",
                                                      "dues": []})
            entry["owed"] = _money(Decimal(entry["owed"]) + due.outstanding)
            entry["dues"].append({"contract_id": c.id, "contract": c.number, "due_date": due.due_date.isoformat(),
                                  "outstanding": _money(due.outstanding), "days_late": due.days_late})
    return found


def wages_for(session: Session, today: date) -> dict:
    """The households' wages by month that the rules of `today` read (the year's projection and the drop's six
    months), in one reading of the payroll's totals."""
    past, recent = livelihoods.projection_months(today.year, today)
    months, earlier = drop_months(today)
    return livelihoods.wages_by_month(session, sorted({*past, *recent, *months, *earlier}))


def findings(session: Session, today: date, conf: dict | None = None) -> dict[str, dict[int, dict]]:
    """Every rule on `today`: {kind: {household id: the figures}} for the conditions that hold."""
    conf = conf or config(session, today)
    wages = wages_for(session, today)
    below, near = find_lines(session, today, wages)
    return {
        WarningKind.BELOW_LINE.value: below,
        WarningKind.NEAR_LINE.value: near,
        WarningKind.INCOME_DROP.value: find_income_drop(session, today, conf, wages),
        WarningKind.STOPPED_WORKING.value: find_stopped_working(session, today, conf),
        WarningKind.RENT_OVERDUE.value: find_rent_overdue(session, today, conf),
    }


# --- the words -----------------------------------------------------------------------------------------------

def describe_figures(kind: str, figures: dict) -> str:
    """What triggered a warning, in the current language, from its kind and figures."""
    f = figures or {}
    if kind == WarningKind.BELOW_LINE:
        return _("The projected income per person for %(year)s is %(amount)s yuan, below the line of %(line)s yuan.",
                 year=f.get("year"), amount=number(Decimal(f.get("per_capita", 0)), 2),
                 line=number(Decimal(f.get("line", 0)), 2))
    if kind == WarningKind.NEAR_LINE:
        return _("The projected income per person for %(year)s is %(amount)s yuan, close to the line of %(line)s "
                 "yuan (the band reaches %(upper)s yuan).", year=f.get("year"),
                 amount=number(Decimal(f.get("per_capita", 0)), 2), line=number(Decimal(f.get("line", 0)), 2),
                 upper=number(Decimal(f.get("upper", 0)), 2))
    if kind == WarningKind.INCOME_DROP:
        months = f.get("months") or ["?"]
        return _("Income from the park in %(first)s to %(last)s was %(amount)s yuan, %(percent)s%% less than "
                 "%(before)s yuan in the same months a year earlier.", first=months[0], last=months[-1],
                 amount=number(Decimal(f.get("income", 0)), 2), percent=number(Decimal(f.get("drop_percent", 0)), 1),
                 before=number(Decimal(f.get("earlier_income", 0)), 2))
    if kind == WarningKind.STOPPED_WORKING:
        workers = f.get("workers") or []
        names = "、".join(w.get("name", "?") for w in workers)
        last = max((w.get("last_present", "") for w in workers), default="?")
        return _("%(names)s worked in the park regularly and has not come to work since %(date)s (%(days)s days "
                 "without attendance).", names=names, date=last, days=f.get("days"))
    if kind == WarningKind.RENT_OVERDUE:
        dues = f.get("dues") or []
        late = max((d.get("days_late", 0) for d in dues), default=0)
        return _("The park owes this household %(amount)s yuan of rent, up to %(days)s days past its due date.",
                 amount=number(Decimal(f.get("owed", 0)), 2), days=late)
    return str(kind)


def describe(warning: Warning) -> str:
    """A warning's figures in words, in the current language."""
    return describe_figures(warning.kind, warning.figures)


# --- the job -------------------------------------------------------------------------------------------------

@dataclass
class RunSummary:
    opened: int = 0
    holding: int = 0
    lifted: int = 0
    notified: int = 0

    def as_dict(self) -> dict:
        return {"opened": self.opened, "holding": self.holding, "lifted": self.lifted, "notified": self.notified}


def _open_all(session: Session, rows: list[dict]) -> list[Warning]:
    """Insert new open warnings; one that an open or followed-up warning of the same household and kind already
    holds (a concurrent run opened it first) is skipped by the database (ON CONFLICT on the partial unique index,
    the same statement on SQLite and PostgreSQL). Returns the warnings inserted."""
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
    table = Warning.__table__
    # One statement compiled once and sent with every row as its parameters (SQLAlchemy batches them into
    # multi-row INSERTs); a VALUES clause built from thousands of rows costs seconds to compile on a first run.
    statement = (insert(table)
                 .on_conflict_do_nothing(index_elements=["household_id", "kind"], index_where=OPEN_WHERE)
                 .returning(table.c.id))
    ids = list(session.scalars(statement, rows))
    if not ids:
        return []
    return list(session.scalars(select(Warning).options(joinedload(Warning.household))
                                .where(Warning.id.in_(ids)).order_by(Warning.id)))


def notify_opening(session: Session, warning: Warning, now: datetime | None = None) -> bool:
    """Queue one message per channel about a new warning (its key makes a second call a no-op)."""
    opened = clock.local(warning.opened_at).strftime("%Y-%m-%d %H:%M")
    household = warning.household
    with park_language():
        subject = _("Household warning: %(household)s (%(group)s), %(kind)s", household=household.name,
                    group=household.village_group, kind=label("warning_kind", warning.kind))
        body = warning.reason + "\n" + _("Opened at %(time)s.", time=opened)
    return notify.enqueue(session, f"warning-{warning.id}", subject, body, now)


def notify_summary(session: Session, opened: list[Warning], now: datetime) -> bool:
    """Queue one message about many new warnings at once (a park's first run): how many of each kind."""
    counts = {kind: sum(w.kind == kind for w in opened) for kind in KINDS}
    with park_language():
        subject = _("%(n)s new household warnings", n=len(opened))
        lines = [f"{label('warning_kind', kind)}: {n}" for kind, n in counts.items() if n]
        body = "\n".join([subject, *lines, _("The list of warnings shows each household and why.")])
    return notify.enqueue(session, f"warnings-{opened[0].id}-{opened[-1].id}", subject, body, now)


def _notify(session: Session, opened: list[Warning], now: datetime, each_up_to: int) -> int:
    """Notify the new warnings on the channels that are on: each one, or one summary when there are more than
    `each_up_to`. Returns the number of messages queued (per event, not per channel)."""
    if not opened or not notify.enabled_channels(notify.channel_settings(session, now)):
        return 0
    if len(opened) > each_up_to:
        return int(notify_summary(session, opened, now))
    return sum(notify_opening(session, warning, now) for warning in opened)


def run_warnings(session: Session, now: datetime) -> dict:
    """The job: judge every rule on the park day of `now`, open what is new, record what still holds."""
    today = clock.park_day(now)
    conf = config(session, today)
    found = findings(session, today, conf)
    summary = RunSummary()
    watched = session.execute(select(Warning.id, Warning.household_id, Warning.kind, Warning.state).where(
        (Warning.state.in_(OPEN_STATES)) | ((Warning.state == WarningState.CLOSED) & Warning.condition_holds))).all()
    taken: set[tuple[int, str]] = set()
    seen: dict[bool, list[int]] = {True: [], False: []}
    for warning_id, household_id, kind, state in watched:
        holds = household_id in found.get(kind, {})
        seen[holds].append(warning_id)
        if state in OPEN_STATES:
            summary.holding += holds
            summary.lifted += not holds
        taken.add((household_id, kind))
    for holds, ids in seen.items():
        for start in range(0, len(ids), 5000):
            session.execute(update(Warning).where(Warning.id.in_(ids[start:start + 5000]))
                            .values(condition_holds=holds, checked_at=now))
    new = [(household_id, kind, figures) for kind in KINDS for household_id, figures in found[kind].items()
           if (household_id, kind) not in taken]
    if new:
        rows = []
        with park_language():
            reasons = [describe_figures(kind, figures) for _h, kind, figures in new]
        for (household_id, kind, figures), reason in zip(new, reasons):
            rows.append({"household_id": household_id, "kind": kind, "state": WarningState.OPEN.value,
                         "opened_at": now, "reason": reason, "figures": figures, "condition_holds": True,
                         "checked_at": now, "close_reason": ""})
        opened = _open_all(session, rows)
        summary.opened = len(opened)
        summary.notified = _notify(session, opened, now, conf["notify_each"])
    session.flush()
    return summary.as_dict()


# --- reading, following up, closing ------------------------------------------------------------------------------

def warnings_query(state: str | None = None, household_id: int | None = None, kind: str | None = None,
                   group: str | None = None):
    """Warnings, open first, then followed up, then closed; newest first; with their household loaded."""
    query = select(Warning).options(joinedload(Warning.household), selectinload(Warning.follow_ups))
    if state:
        query = query.where(Warning.state == state)
    if household_id is not None:
        query = query.where(Warning.household_id == household_id)
    if kind:
        query = query.where(Warning.kind == kind)
    if group:
        query = query.where(Warning.household.has(Household.village_group == group))
    return query.order_by(STATE_ORDER, Warning.opened_at.desc(), Warning.id.desc())


def check_filters(session: Session, state: str | None = None, household: str | None = None, kind: str | None = None,
                  group: str | None = None) -> dict:
    """The list's filters read from text: {state, household_id, kind, group}, or Invalid naming the bad one."""
    state = (state or "").strip().lower() or None
    if state is not None and WarningState.get(state) is None:
        msg = _l("Choose open, following or closed.")
        raise Invalid(msg, {"state": msg})
    kind = (kind or "").strip().lower() or None
    if kind is not None and WarningKind.get(kind) is None:
        msg = _l("Not one of the allowed choices.")
        raise Invalid(msg, {"kind": msg})
    household_id = None
    text = (household or "").strip()
    if text:
        if not text.isdigit() or len(text) > 9:
            msg = _l("Enter a household's number.")
            raise Invalid(msg, {"household": msg})
        household_id = int(text)
        if session.get(Household, household_id) is None:
            msg = _l("There is no household %(id)s.", id=household_id)
            raise Invalid(msg, {"household": msg})
    group = (group or "").strip() or None
    return {"state": state, "household_id": household_id, "kind": kind, "group": group}


def get_warning(session: Session, warning_id: int) -> Warning:
    warning = session.get(Warning, warning_id)
    if warning is None:
        raise NotFound(_l("There is no warning %(id)s.", id=warning_id))
    return warning


def follow_up(session: Session, warning_id: int, data: FollowUpIn, user, now: datetime | None = None) -> FollowUp:
    """Record a measure taken for the household; the warning is then being followed up. A closed one refuses."""
    warning = get_warning(session, warning_id)
    if warning.state == WarningState.CLOSED:
        raise Conflict(_l("This warning is closed; a follow-up cannot be added."))
    item = FollowUp(warning=warning, measure=data.measure.value, note=data.note, by_id=user.id, at=now or clock.now())
    session.add(item)
    warning.state = WarningState.FOLLOWING.value
    session.flush()
    return item


def close(session: Session, warning_id: int, data: CloseIn, user, now: datetime | None = None) -> Warning:
    """Close a warning with the reason the risk is removed (风险消除); once."""
    warning = get_warning(session, warning_id)
    if warning.state == WarningState.CLOSED:
        raise Conflict(_l("This warning is already closed."))
    warning.state = WarningState.CLOSED.value
    warning.closed_at = now or clock.now()
    warning.closed_by_id = user.id
    warning.close_reason = data.reason
    session.flush()
    return warning


def open_counts(session: Session) -> dict[str, int]:
    """Open and followed-up warnings by kind, and their total."""
    rows = dict(session.execute(select(Warning.kind, func.count()).where(Warning.state.in_(OPEN_STATES))
                                .group_by(Warning.kind)).all())
    counts = {kind.value: rows.get(kind.value, 0) for kind in WarningKind}
    counts["total"] = sum(rows.values())
    return counts


def household_warnings(session: Session, household_id: int, closed: int = 5) -> list[Warning]:
    """A household's open and followed-up warnings, and its latest `closed` closed ones."""
    rows = list(session.scalars(warnings_query(household_id=household_id).where(Warning.state.in_(OPEN_STATES))))
    rows += list(session.scalars(warnings_query(WarningState.CLOSED, household_id).limit(closed)))
    return rows
