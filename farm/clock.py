"""The park's clock and calendar, once: "now", the park's time zone, its days and months and their UTC bounds,
and how a day or a month typed into a query or a form is read.

Every process sets the time zone once from the configuration (`configure`). Nothing else in the project asks
the system for the time: tests freeze this clock (`freeze`, or the `frozen_clock` fixture) and every page, job
and service sees the same moment.
"""
from __future__ import annotations

import calendar
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from farm.errors import Invalid

_tz = ZoneInfo("Asia/Shanghai")
_frozen: datetime | None = None


def configure(tz: ZoneInfo) -> None:
    global _tz
    _tz = tz


def park_tz() -> ZoneInfo:
    return _tz


# --- now ---------------------------------------------------------------------------------------------------

def now() -> datetime:
    """Now, as an aware UTC datetime (the frozen moment in tests that froze the clock)."""
    return _frozen if _frozen is not None else datetime.now(timezone.utc)


def today() -> date:
    """Today's date in the park."""
    return park_day(now())


def freeze(at: datetime | None) -> None:
    """Stop the clock at `at` (aware), or start it again with None. For tests and replays only."""
    global _frozen
    if at is not None and at.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = at.astimezone(timezone.utc) if at is not None else None


@contextmanager
def frozen(at: datetime):
    """The clock stopped at `at` inside the block."""
    before = _frozen
    freeze(at)
    try:
        yield at
    finally:
        freeze(before)


# --- the park's days ---------------------------------------------------------------------------------------

def local(value: datetime) -> datetime:
    """A UTC moment in the park's time zone."""
    return value.astimezone(_tz)


def park_day(moment: datetime) -> date:
    """The park's calendar day of a moment."""
    return moment.astimezone(_tz).date()


def at_local(day: date, clock_time: time = time()) -> datetime:
    """The UTC moment of a local wall-clock time on one of the park's days."""
    return datetime.combine(day, clock_time, _tz).astimezone(timezone.utc)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC start (inclusive) and end (exclusive) of one of the park's days."""
    return at_local(day), at_local(day + timedelta(days=1))


def days_bounds(first: date, until: date) -> tuple[datetime, datetime]:
    """The UTC bounds of the park's days from `first` up to, not including, `until`."""
    return at_local(first), at_local(until)


# --- months ------------------------------------------------------------------------------------------------

def month_of(day: date) -> str:
    """'YYYY-MM' of a day."""
    return f"{day.year:04d}-{day.month:02d}"


def month_range(month: str) -> tuple[date, date]:
    """The first day of a 'YYYY-MM' month and the first day of the next."""
    year, mon = (int(p) for p in month.split("-"))
    first = date(year, mon, 1)
    return first, first + timedelta(days=calendar.monthrange(year, mon)[1])


def next_month(month: str) -> str:
    return month_of(month_range(month)[1])


def previous_month(month: str) -> str:
    return month_of(month_range(month)[0] - timedelta(days=1))


# --- reading what people type -----------------------------------------------------------------------------

# Years a typed day or month may fall in: the park's records, with room on both sides. Beyond them a next day or
# month would leave the calendar (9999-12-31 + 1 day), so they are refused where they are read.
FIRST_YEAR, LAST_YEAR = 1900, 2200


def _in_years(year: int, field: str) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        msg = _l("Enter a year between %(first)s and %(last)s.", first=FIRST_YEAR, last=LAST_YEAR)
        raise Invalid(msg, {field: msg})

def parse_day(text: str | None, field: str = "date", default: date | None = None,
              required: bool = False) -> date | None:
    """A 'YYYY-MM-DD' day from a query or a form, `default` when empty; Invalid (with `field`) otherwise."""
    raw = (text or "").strip()
    if not raw:
        if required:
            raise Invalid(_l("This field is required."), {field: _l("This field is required.")})
        return default
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        day = date.fromisoformat(raw)
    except ValueError:
        msg = _l("Enter a date as YYYY-MM-DD.")
        raise Invalid(msg, {field: msg}) from None
    _in_years(day.year, field)
    return day


def parse_range(since: str | None, until: str | None, default: tuple[date | None, date | None] = (None, None),
                required: bool = False) -> tuple[date | None, date | None]:
    """A `from` (inclusive) and `to` (exclusive) pair of days from a query, each `default`'s when empty; Invalid
    naming every bad one at once."""
    fields, parsed = {}, []
    for name, text, fallback in (("from", since, default[0]), ("to", until, default[1])):
        try:
            parsed.append(parse_day(text, name, fallback, required=required and fallback is None))
        except Invalid as exc:
            fields.update(exc.fields)
            parsed.append(None)
    if fields:
        raise Invalid(_l("Some fields are not valid."), fields)
    return parsed[0], parsed[1]


def this_month() -> tuple[date, date]:
    """The park's current month: its first day and the first day of the next."""
    return month_range(month_of(today()))


def parse_month(text: str | None, field: str = "month", default: str | None = None) -> str:
    """A checked 'YYYY-MM' month from a query or a form, `default` when empty (and given); Invalid otherwise."""
    raw = (text or "").strip()
    if not raw and default is not None:
        return default
    try:
        year, month = raw.split("-")
        if len(year) != 4 or len(month) != 2 or not (year.isdigit() and month.isdigit()):
            raise ValueError(raw)
        date(int(year), int(month), 1)
    except ValueError:
        msg = _l("Enter a month as YYYY-MM.")
        raise Invalid(msg, {field: msg}) from None
    _in_years(int(raw[:4]), field)
    return raw

