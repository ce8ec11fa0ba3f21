"""The failed-login throttle: how long a login name, a client address, or the pair must wait before another try.

Three counts of failed logins, each over the last day and each forgiven by an administrator's unlock:

- the pair (name, address): after `login.max_failures` failures the wait doubles with each further failure,
  from BACKOFF_START up to `login.pause_minutes`, which is then a short lock. A success for the pair starts
  the count afresh. This is what a guesser at one account from one place meets.
- the address over every name (`login.address_failures`): password spraying, one guess at many accounts
  from one place, is slowed the same way. A success does not reset it (one valid login must not buy a sprayer
  more guesses).
- the name over every address (`login.account_failures`): guessing one account from many places. It never
  applies to an address the account has logged in from before (KNOWN_ADDRESS_DAYS), so nobody elsewhere can
  keep the owner out; at worst others wait, and the lock is short.

A try refused while waiting is not checked and not counted: it does not extend the wait. An administrator's
unlock (the throttle page) marks the failures of a name or an address cleared.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from farm import clock
from farm.errors import Throttled
from farm.models.auth import LoginAttempt
from farm.services import settings
from farm.services.settings import SettingSpec, _int

WINDOW = timedelta(days=1)
BACKOFF_START = timedelta(seconds=30)
KNOWN_ADDRESS_DAYS = 90

MAX_FAILURES = settings.register(SettingSpec(
    "login.max_failures", 5, _int, _l("Failed logins before a pause"), minimum=Decimal(1)))
PAUSE_MINUTES = settings.register(SettingSpec(
    "login.pause_minutes", 15, _int, _l("Pause after too many failed logins"), _l("minutes"), Decimal(1)))
ADDRESS_FAILURES = settings.register(SettingSpec(
    "login.address_failures", 20, _int, _l("Failed logins from one address (any name) before it is slowed"),
    minimum=Decimal(1)))
ACCOUNT_FAILURES = settings.register(SettingSpec(
    "login.account_failures", 20, _int,
    _l("Failed logins on one name from new addresses before they are slowed"), minimum=Decimal(1)))


def backoff(failures: int, free: int, longest: timedelta) -> timedelta:
    """The wait after `failures` failures when `free` of them cost nothing: doubling, at most `longest`."""
    if failures < free:
        return timedelta(0)
    doublings = min(failures - free, 32)
    return min(BACKOFF_START * (2 ** doublings), longest)


def _failures(session: Session, since: datetime, *conditions) -> tuple[int, datetime | None]:
    """How many uncleared failures match since `since`, and when the last one was."""
    row = session.execute(
        select(func.count(), func.max(LoginAttempt.at)).where(
            LoginAttempt.success.is_(False), LoginAttempt.cleared_at.is_(None), LoginAttempt.at > since, *conditions)
    ).one()
    return row[0] or 0, row[1]


def _last_success(session: Session, *conditions) -> datetime | None:
    return session.scalar(select(func.max(LoginAttempt.at)).where(LoginAttempt.success.is_(True), *conditions))


def _known_address(session: Session, username: str, address: str, now: datetime) -> bool:
    since = now - timedelta(days=KNOWN_ADDRESS_DAYS)
    last = _last_success(session, LoginAttempt.username == username, LoginAttempt.remote_addr == address)
    return last is not None and last > since


def wait(session: Session, username: str, address: str) -> timedelta:
    """How long this name from this address must still wait before a try is checked (zero: try now)."""
    now = clock.now()
    start = now - WINDOW
    longest = timedelta(minutes=settings.get(session, PAUSE_MINUTES.key))
    waits = []

    pair = (LoginAttempt.username == username, LoginAttempt.remote_addr == address)
    since = max(start, _last_success(session, *pair) or start)
    count, last = _failures(session, since, *pair)
    waits.append((count, last, settings.get(session, MAX_FAILURES.key)))

    count, last = _failures(session, start, LoginAttempt.remote_addr == address)
    waits.append((count, last, settings.get(session, ADDRESS_FAILURES.key)))

    if not _known_address(session, username, address, now):
        since = max(start, _last_success(session, LoginAttempt.username == username) or start)
        count, last = _failures(session, since, LoginAttempt.username == username)
        waits.append((count, last, settings.get(session, ACCOUNT_FAILURES.key)))

    remaining = timedelta(0)
    for count, last, free in waits:
        if last is not None:
            remaining = max(remaining, last + backoff(count, free, longest) - now)
    return remaining


def check(session: Session, username: str, address: str) -> None:
    """Throttled, saying how long to wait, while this name from this address must wait."""
    remaining = wait(session, username, address)
    if remaining > timedelta(0):
        minutes = max(1, math.ceil(remaining.total_seconds() / 60))
        raise Throttled(_l("Too many failed logins. Try again in %(minutes)d minutes.", minutes=minutes))


@dataclass(frozen=True)
class Held:
    """A login name or client address with failed logins in the last day, for the administrator's page."""

    kind: str  # "username" or "address"
    value: str
    failures: int
    last: datetime


def held(session: Session) -> list[Held]:
    """Names and addresses with uncleared failures in the last day, most failures first."""
    start = clock.now() - WINDOW
    out = []
    for kind, column in (("username", LoginAttempt.username), ("address", LoginAttempt.remote_addr)):
        rows = session.execute(
            select(column, func.count(), func.max(LoginAttempt.at))
            .where(LoginAttempt.success.is_(False), LoginAttempt.cleared_at.is_(None), LoginAttempt.at > start)
            .group_by(column)
        ).all()
        out.extend(Held(kind, value, count, last) for value, count, last in rows)
    return sorted(out, key=lambda h: (-h.failures, h.kind, h.value))


def unlock(session: Session, kind: str, value: str) -> int:
    """Forgive the failures of a login name or a client address; returns how many were cleared."""
    column = LoginAttempt.username if kind == "username" else LoginAttempt.remote_addr
    if kind == "username":
        value = (value or "").strip().lower()
    result = session.execute(
        update(LoginAttempt)
        .where(column == value, LoginAttempt.success.is_(False), LoginAttempt.cleared_at.is_(None))
        .values(cleared_at=clock.now())
    )
    return result.rowcount or 0
