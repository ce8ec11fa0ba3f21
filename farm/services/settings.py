"""Settings a park tunes (targets, limits, wages, rent, income line), with the date each value applies from."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from farm import clock
from farm.errors import Invalid
from farm.models.settings import Setting


@dataclass(frozen=True)
class SettingSpec:
    """A known setting: its default, how to read its text, and a label for pages."""

    key: str
    default: Any
    parse: Callable[[str], Any]
    label: Any
    unit: Any = ""
    minimum: Decimal | None = None
    clearable: bool = False  # an empty value is allowed and switches the thing off (a channel, an address)


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation as exc:
        raise ValueError(text) from exc
    if not value.is_finite():
        raise ValueError(text)
    return value


def _int(text: str) -> int:
    return int(str(text).strip())


def time_of_day(text) -> str:
    """A time of day as "HH:MM" from "20:00", "20.00", "8:30" or "20"; Invalid otherwise."""
    if isinstance(text, time):
        return text.strftime("%H:%M")
    value = str(text).strip().replace("：", ":").replace(".", ":")
    hours, sep, minutes = value.partition(":")
    if hours.isdigit() and (not sep or (len(minutes) == 2 and minutes.isdigit())):
        h, m = int(hours), int(minutes or 0)
        if 0 <= h < 24 and 0 <= m < 60:
            return f"{h:02d}:{m:02d}"
    msg = _l("Enter a time of day as HH:MM, e.g. 07:00.")
    raise Invalid(msg, {"value": msg})


REGISTRY: dict[str, SettingSpec] = {}


def register(spec: SettingSpec) -> SettingSpec:
    """Add a setting to the registry; each area registers its own at import."""
    REGISTRY[spec.key] = spec
    return spec


# The login throttle's settings are registered by farm.services.login_throttle.


def _load_all() -> None:
    """Import every service module, so each area's settings are registered before they are listed or read."""
    import importlib
    import pkgutil

    import farm.services as package

    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"farm.services.{info.name}")


def specs() -> list[SettingSpec]:
    _load_all()
    return list(REGISTRY.values())


def get(session: Session, key: str, on: date | None = None):
    """The value of `key` in force on `on` (default: the park's today), or its default.

    A value saved to apply from a later date is not in force before that date.
    """
    if key not in REGISTRY:
        _load_all()
    spec = REGISTRY[key]
    on = on or clock.today()
    query = select(Setting).where(Setting.key == key)
    query = query.where((Setting.valid_from.is_(None)) | (Setting.valid_from <= on))
    rows = session.scalars(query).all()
    if not rows:
        return spec.default
    row = max(rows, key=lambda r: r.valid_from or date.min)
    return spec.parse(row.value)


def put(session: Session, key: str, value: str, valid_from: date | None = None, user_id: int | None = None) -> Setting:
    """Store a value for `key` from `valid_from`; refuse one that does not parse or is below its minimum. An empty
    value clears a clearable setting (switches it off) and is refused for the others."""
    spec = REGISTRY.get(key)
    if spec is None:
        raise Invalid(_l("Unknown setting."), {"key": _l("Unknown setting.")})
    if not str(value if value is not None else "").strip():
        if not spec.clearable:
            raise Invalid(_l("Enter a value."), {"value": _l("Enter a value.")})
        value = ""
    try:
        parsed = spec.parse(value) if value != "" else ""
    except (ValueError, TypeError):
        raise Invalid(_l("Enter a number."), {"value": _l("Enter a number.")}) from None
    if spec.minimum is not None and Decimal(str(parsed)) < spec.minimum:
        msg = _l("Must be at least %(minimum)s.", minimum=spec.minimum)
        raise Invalid(msg, {"value": msg})
    row = session.scalars(
        select(Setting).where(Setting.key == key, Setting.valid_from.is_(None) if valid_from is None else Setting.valid_from == valid_from)
    ).first()
    if row is None:
        row = Setting(key=key, valid_from=valid_from, value=str(parsed))
        session.add(row)
    row.value = str(parsed)
    row.updated_by_id = user_id
    session.flush()
    return row


def history(session: Session, key: str) -> list[Setting]:
    return list(session.scalars(select(Setting).where(Setting.key == key).order_by(Setting.valid_from)))
