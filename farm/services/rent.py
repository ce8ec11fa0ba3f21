"""The rent schedule of a land-transfer contract: dues, payment allocation, statuses and late fees.

Pure arithmetic on a contract's terms, no database. The rules, as a manager reads them:

* Rent years run from one payment day (`payment_month_day`, e.g. 03-01) to the day before the next.
  A payment day of 02-29 falls on 28 February in common years.
* Every rent year that overlaps the term [start_date, end_date] (both inclusive; a terminated
  contract ends on `terminated_on` instead) gives one due. It is due on the payment day, or on the
  start date for the first, partial rent year of a term that starts between payment days. Rent is
  paid in advance, before the season, as is usual for village land.
* A partial first or last rent year is prorated by days: the year's rent × days of that rent year
  inside the term ÷ days in that rent year (365 or 366), rounded half up to the fen.
* The year's rent is area (mu) × the rent per mu in force on the due's first day. The rent per mu
  rises by `percent` % of the rent then in force on every `every_years`-th anniversary of the start
  date (compounding); each raised rent per mu is rounded to the fen. A rent year that begins before
  an anniversary keeps the old rent for that whole rent year.
* Payments (up to `today`) are allocated in date order to the oldest due that is not fully paid,
  including dues not yet due (payment in advance). What exceeds every due is credit.
* A due is `paid` when fully covered, `overdue` when its due date has passed and it is not,
  `partial` when part is paid before the due date, otherwise `due`. A draft contract's dues are
  never overdue.
* Late fee, when the contract sets X (万分之X): the due's amount × X / 10,000 for each day from the
  due date until the day it was fully paid (or `today` while unpaid). Late fees are shown as a claim
  of the household; payments are never allocated to them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from farm.units import fen
from farm.vocab import ContractStatus, DueStatus

ZERO = Decimal("0.00")


def parse_month_day(text: str) -> tuple[int, int]:
    """(month, day) from "MM-DD"; ValueError when it is no day of the calendar (02-29 is allowed)."""
    text = (text or "").strip()
    if len(text) != 5 or text[2] != "-" or not (text[:2].isdigit() and text[3:].isdigit()):
        raise ValueError(text)
    month, day = int(text[:2]), int(text[3:])
    date(2024, month, day)  # a leap year: accepts 02-29, refuses 02-30 and 04-31
    return month, day


def payment_day(month_day: str | tuple[int, int], year: int) -> date:
    """The payment day in `year` ("MM-DD", or the (month, day) parse_month_day read from it); 02-29 becomes
    28 February in a common year."""
    month, day = parse_month_day(month_day) if isinstance(month_day, str) else month_day
    if month == 2 and day == 29:
        try:
            return date(year, 2, 29)
        except ValueError:
            return date(year, 2, 28)
    return date(year, month, day)


def full_years(start: date, on: date) -> int:
    """Whole years from `start` to `on`."""
    years = on.year - start.year
    if (on.month, on.day) < (start.month, start.day):
        years -= 1
    return max(years, 0)


def rent_in_force(base: Decimal, start: date, on: date, every_years: int | None, percent: Decimal | None) -> Decimal:
    """The rent per mu in force on `on`: `base`, raised by `percent` % on each `every_years`-th anniversary."""
    rate = fen(base)
    if not every_years or not percent:
        return rate
    for _ in range(full_years(start, on) // every_years):
        rate = fen(rate * (1 + Decimal(percent) / 100))
    return rate


@dataclass
class Due:
    """One year's rent of a contract."""

    period_start: date
    period_end: date  # inclusive
    due_date: date
    rent_per_mu: Decimal
    annual: Decimal  # the full rent year's rent at that rate
    days: int
    year_days: int
    amount: Decimal
    paid: Decimal = ZERO
    settled_on: date | None = None
    status: str = DueStatus.DUE
    days_late: int = 0
    late_fee: Decimal = ZERO

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid

    @property
    def prorated(self) -> bool:
        return self.days != self.year_days


@dataclass
class Schedule:
    """Every due of a contract, with payments allocated, as of `today`."""

    today: date
    dues: list[Due] = field(default_factory=list)
    paid: Decimal = ZERO  # every payment up to today
    credit: Decimal = ZERO  # paid beyond every due

    @property
    def total(self) -> Decimal:
        return sum((d.amount for d in self.dues), ZERO)

    @property
    def outstanding(self) -> Decimal:
        return sum((d.outstanding for d in self.dues), ZERO)

    @property
    def overdue(self) -> Decimal:
        return sum((d.outstanding for d in self.dues if d.status == DueStatus.OVERDUE), ZERO)

    @property
    def late_fees(self) -> Decimal:
        return sum((d.late_fee for d in self.dues), ZERO)

    def next_open(self) -> Due | None:
        """The oldest due not fully paid."""
        return next((d for d in self.dues if d.outstanding > 0), None)


def dues(area_mu: Decimal, rent_per_mu_year: Decimal, start: date, end: date, month_day: str,
         every_years: int | None = None, percent: Decimal | None = None, until: date | None = None) -> list[Due]:
    """The dues of a term [start, end] (both inclusive), before any payment; with `until`, only those due by that
    day (the same dues, the term is not cut: payments fill the oldest dues first, so later ones change nothing
    about these)."""
    result: list[Due] = []
    if end < start:
        return result
    parsed = parse_month_day(month_day)  # once for the whole term
    year = start.year if payment_day(parsed, start.year) <= start else start.year - 1
    while True:
        begins, next_begins = payment_day(parsed, year), payment_day(parsed, year + 1)
        first = max(begins, start)
        last = min(next_begins - timedelta(days=1), end)
        if last < first or (until is not None and first > until):
            break
        rate = rent_in_force(rent_per_mu_year, start, first, every_years, percent)
        annual = fen(Decimal(area_mu) * rate)
        days, year_days = (last - first).days + 1, (next_begins - begins).days
        amount = annual if days == year_days else fen(annual * days / year_days)
        result.append(Due(first, last, first, rate, annual, days, year_days, amount))
        year += 1
    return result


def allocate(items: list[Due], payments: list[tuple[date, Decimal]]) -> Decimal:
    """Apply (date, amount) payments in date order to the oldest open dues; return what is left (credit)."""
    credit = ZERO
    open_dues = iter(items)
    current = next(open_dues, None)
    for paid_on, amount in sorted(payments, key=lambda p: p[0]):
        left = Decimal(amount)
        while left > 0 and current is not None:
            take = min(left, current.outstanding)
            current.paid += take
            left -= take
            if current.outstanding <= 0:
                current.settled_on = paid_on
                current = next(open_dues, None)
        credit += left
    return credit


def judge(items: list[Due], today: date, late_fee_per_10k: Decimal | None, claimable: bool = True) -> None:
    """Set each due's status, days late and late fee as of `today`."""
    for due in items:
        if due.outstanding <= 0:
            due.status = DueStatus.PAID
        elif claimable and due.due_date < today:
            due.status = DueStatus.OVERDUE
        elif due.paid > 0:
            due.status = DueStatus.PARTIAL
        else:
            due.status = DueStatus.DUE
        if not claimable:
            continue
        until = due.settled_on if due.outstanding <= 0 else today
        due.days_late = max((until - due.due_date).days, 0)
        if late_fee_per_10k and due.days_late:
            due.late_fee = fen(due.amount * Decimal(late_fee_per_10k) / 10000 * due.days_late)


def term_end(contract) -> date:
    """The last day rent runs: the end date, or the termination date when earlier."""
    if contract.terminated_on is not None and contract.terminated_on < contract.end_date:
        return contract.terminated_on
    return contract.end_date


def schedule(contract, today: date) -> Schedule:
    """The contract's schedule with its payments up to `today` allocated."""
    items = dues(contract.area_mu, contract.rent_per_mu_year, contract.start_date, term_end(contract),
                 contract.payment_month_day, contract.escalation_every_years, contract.escalation_percent)
    payments = [(p.paid_on, p.amount) for p in contract.payments if p.paid_on <= today]
    credit = allocate(items, payments)
    judge(items, today, contract.late_fee_per_10k, claimable=contract.status != ContractStatus.DRAFT)
    return Schedule(today=today, dues=items, paid=sum((a for _, a in payments), ZERO), credit=credit)


_DIGITS = "零壹贰叁肆伍陆柒捌玖"


def _four(n: int) -> str:
    """0 < n < 10,000 in capital numerals; inner zeros read once as 零."""
    text, pending_zero = "", False
    for power, unit in ((3, "仟"), (2, "佰"), (1, "拾"), (0, "")):
        digit = n // 10 ** power % 10
        if digit == 0:
            pending_zero = pending_zero or bool(text)
            continue
        if pending_zero:
            text += "零"
            pending_zero = False
        text += _DIGITS[digit] + unit
    return text


def yuan_in_words(amount: Decimal) -> str:
    """An amount in capital Chinese numerals as contracts and receipts write it: 8000 → 捌仟元整."""
    amount = fen(amount)
    sign = "负" if amount < 0 else ""
    amount = abs(amount)
    whole, cents = int(amount), int((amount - int(amount)) * 100)
    groups = []
    rest = whole
    while rest:
        groups.append(rest % 10000)
        rest //= 10000
    text, zero_between = "", False
    for index in reversed(range(len(groups))):
        group = groups[index]
        if group == 0:
            zero_between = zero_between or bool(text)
            continue
        if text and (zero_between or group < 1000):
            text += "零"
        text += _four(group) + ("", "万", "亿", "万亿")[index]
        zero_between = False
    text = (text or "零") + "元"
    jiao, fen_ = divmod(cents, 10)
    if jiao:
        text += _DIGITS[jiao] + "角"
    elif fen_ and whole:
        text += "零"
    text += _DIGITS[fen_] + "分" if fen_ else "整"
    return sign + text
