"""The park's clock: its time zone is set once per process from the configuration."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

_tz = ZoneInfo("Asia/Shanghai")


def configure(tz: ZoneInfo) -> None:
    global _tz
    _tz = tz


def park_tz() -> ZoneInfo:
    return _tz


def now() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(timezone.utc)


def today() -> date:
    """Today's date in the park."""
    return datetime.now(_tz).date()


def local(value: datetime) -> datetime:
    return value.astimezone(_tz)
