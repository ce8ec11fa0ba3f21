"""Plantings: which are active (the one rule), and starting, editing and ending one while keeping every
greenhouse's area consistent.

The rule, once, for queries (`active_on`) and for a greenhouse already loaded (`is_active`, `active_plantings`,
`current_planting`):

* On a day D, a planting is active when it is in the ground that day: planted on or before D, and not ended
  before D. Its planting day and its end day both count (the crop was there for part of them: a harvest on the
  last day belongs to it). A planting planned for a later day is not active on D; one ended before D is not
  either. The end date decides when there is one; without one, the status does (planned, growing and
  harvesting go on; one marked ended without a date is active on no day).
* Without a day, the question is which plantings hold the greenhouse's area now: those whose status has not
  ended, growing or planned for later. That is what area checks, the overview, recording a harvest and "is the
  greenhouse idle" ask. A planting ended today has given its area back, though it was active on today's date.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from farm import clock
from farm.errors import Conflict, Invalid, NotFound
from farm.inputs.park import PlantingChange, PlantingEnd, PlantingIn
from farm.models.crops import Crop, Planting
from farm.models.park import Greenhouse
from farm.vocab import ACTIVE_PLANTING_STATUSES, GreenhouseStatus, PlantingStatus

# --- the rule: which plantings are active -------------------------------------------------------------------


def active_on(day: date | None = None) -> ColumnElement[bool]:
    """A condition on Planting: active on `day` (in the ground that day), or without a day, not ended."""
    if day is None:
        return Planting.status.in_(ACTIVE_PLANTING_STATUSES)
    # The end date, when there is one, says until when; otherwise the status says whether it goes on.
    return and_(Planting.planted_on <= day, or_(
        and_(Planting.ended_on.is_(None), Planting.status.in_(ACTIVE_PLANTING_STATUSES)),
        Planting.ended_on >= day,
    ))


def is_active(planting: Planting, day: date | None = None) -> bool:
    """The same rule as `active_on`, for a planting already loaded."""
    if day is None:
        return planting.status in ACTIVE_PLANTING_STATUSES
    if planting.planted_on > day:
        return False
    if planting.ended_on is None:
        return planting.status in ACTIVE_PLANTING_STATUSES
    return planting.ended_on >= day


def active_plantings(greenhouse: Greenhouse, day: date | None = None) -> list[Planting]:
    """The greenhouse's active plantings (see `is_active`), largest first."""
    return sorted(
        (p for p in greenhouse.plantings if is_active(p, day)),
        key=lambda p: (p.area_m2, p.planted_on),
        reverse=True,
    )


def current_planting(greenhouse: Greenhouse, day: date | None = None) -> Planting | None:
    """The greenhouse's main active planting (the largest), or None when it stands empty."""
    plantings = active_plantings(greenhouse, day)
    return plantings[0] if plantings else None


# --- starting, editing and ending ----------------------------------------------------------------------------

def _greenhouse(session: Session, code: str) -> Greenhouse:
    # services.park builds its overview on the rule above, so its lookup is imported where it is used.
    from farm.services.park import get_greenhouse

    return get_greenhouse(session, code, lock=True)


def find_crop(session: Session, name: str) -> Crop:
    """A crop by code, Chinese or English name, or Invalid naming the field."""
    key = (name or "").strip()
    crop = session.scalar(
        select(Crop).where(or_(Crop.code == key.lower(), Crop.name_zh == key, func.lower(Crop.name_en) == key.lower()))
    )
    if crop is None:
        msg = _l("Unknown crop %(name)s.", name=key)
        raise Invalid(msg, {"crop": msg})
    return crop


def get_planting(session: Session, planting_id: int) -> Planting:
    planting = session.get(Planting, planting_id)
    if planting is None:
        raise NotFound(_l("There is no planting %(id)s.", id=planting_id))
    return planting


def _check_area(greenhouse: Greenhouse, area: Decimal, other_active: list[Planting]) -> None:
    if area > greenhouse.area_m2:
        msg = _l(
            "The planting (%(area)s m²) is larger than greenhouse %(code)s (%(total)s m²).",
            area=area, code=greenhouse.code, total=greenhouse.area_m2,
        )
        raise Invalid(msg, {"area_m2": msg})
    used = sum((p.area_m2 for p in other_active), Decimal(0))
    if used + area > greenhouse.area_m2:
        msg = _l(
            "Greenhouse %(code)s already has an active planting on %(used)s of its %(total)s m²; end it first.",
            code=greenhouse.code, used=used, total=greenhouse.area_m2,
        )
        raise Conflict(msg, {"greenhouse": msg})


def _check_dates(planting_like) -> None:
    planted = planting_like.planted_on
    expected = getattr(planting_like, "expected_harvest_on", None)
    if expected is not None and expected < planted:
        msg = _l("The first harvest cannot come before the planting date.")
        raise Invalid(msg, {"expected_harvest_on": msg})


def _status_for(planted_on) -> PlantingStatus:
    return PlantingStatus.PLANNED if planted_on > clock.today() else PlantingStatus.GROWING


def start_planting(session: Session, data: PlantingIn) -> Planting:
    """Start a planting; refuses an unknown greenhouse (404), a bad size or date (422), a full greenhouse (409)."""
    greenhouse = _greenhouse(session, data.greenhouse)
    crop = find_crop(session, data.crop)
    _check_dates(data)
    if greenhouse.status == GreenhouseStatus.MAINTENANCE:
        msg = _l("Greenhouse %(code)s is under maintenance.", code=greenhouse.code)
        raise Conflict(msg, {"greenhouse": msg})
    _check_area(greenhouse, data.area_m2, active_plantings(greenhouse))
    planting = Planting(
        greenhouse=greenhouse,
        crop=crop,
        variety=data.variety,
        planted_on=data.planted_on,
        area_m2=data.area_m2,
        expected_harvest_on=data.expected_harvest_on,
        status=_status_for(data.planted_on),
        notes=data.notes,
    )
    session.add(planting)
    greenhouse.status = GreenhouseStatus.ACTIVE
    session.flush()
    return planting


def update_planting(session: Session, planting_id: int, data: PlantingChange) -> Planting:
    """Change an active planting's fields; an ended planting can no longer change (409)."""
    planting = get_planting(session, planting_id)
    if not is_active(planting):
        raise Conflict(_l("This planting has ended and can no longer be changed."))
    # Fields given as null: a text becomes empty and the expected harvest is cleared; the rest must have a value.
    changes = data.model_dump(exclude_unset=True)
    for name in ("variety", "notes"):
        if name in changes and changes[name] is None:
            changes[name] = ""
    required = {name: _l("This field is required.") for name in ("planted_on", "area_m2", "status")
                if name in changes and changes[name] is None}
    if required:
        raise Invalid(_l("Some fields are not valid."), required)
    merged = {
        "planted_on": changes.get("planted_on", planting.planted_on),
        "expected_harvest_on": changes.get("expected_harvest_on", planting.expected_harvest_on),
    }
    _check_dates(type("P", (), merged))
    if "area_m2" in changes:
        _greenhouse(session, planting.greenhouse.code)
        session.expire(planting.greenhouse, ["plantings"])
        others = [p for p in active_plantings(planting.greenhouse) if p.id != planting.id]
        _check_area(planting.greenhouse, changes["area_m2"], others)
    for name, value in changes.items():
        setattr(planting, name, value)
    session.flush()
    return planting


def end_planting(session: Session, planting_id: int, data: PlantingEnd) -> Planting:
    """End a planting on a date no earlier than it was planted; an emptied greenhouse becomes idle."""
    planting = get_planting(session, planting_id)
    if not is_active(planting):
        raise Conflict(_l("This planting has already ended."))
    if data.ended_on < planting.planted_on:
        msg = _l("A planting cannot end before it was planted (%(date)s).", date=planting.planted_on.isoformat())
        raise Invalid(msg, {"ended_on": msg})
    if data.ended_on > clock.today():
        msg = _l("A planting cannot end in the future.")
        raise Invalid(msg, {"ended_on": msg})
    planting.ended_on = data.ended_on
    planting.status = PlantingStatus.ENDED
    session.flush()
    greenhouse = planting.greenhouse
    if not active_plantings(greenhouse) and greenhouse.status == GreenhouseStatus.ACTIVE:
        greenhouse.status = GreenhouseStatus.IDLE
    return planting

