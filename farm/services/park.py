"""Greenhouses: lookup, the park overview and its counts.

Which plantings are active is farm.services.plantings' rule; `active_plantings` and `current_planting` are
imported here so pages and services that already read them from this module keep doing so.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from farm.errors import Invalid, NotFound
from farm.models.crops import Planting
from farm.models.park import Greenhouse, Park
from farm.services.plantings import active_plantings, current_planting
from farm.vocab import CropCategory, GreenhouseStatus

# The overview's status filter: a greenhouse status, or whether it has an active planting.
STATUS_FILTERS = ("planted", "empty") + GreenhouseStatus.values()

__all__ = ["STATUS_FILTERS", "active_plantings", "current_planting", "get_greenhouse", "get_park", "greenhouses_by_code", "latest_readings",
           "list_greenhouses", "overview_counts", "OverviewCounts"]


def get_park(session: Session) -> Park | None:
    """The park (the first one; a database holds one)."""
    return session.scalars(select(Park).order_by(Park.id)).first()


def get_greenhouse(session: Session, code: str, lock: bool = False) -> Greenhouse:
    """The greenhouse with this code (case-insensitive), or NotFound.

    With `lock`, its row stays locked until the transaction ends (PostgreSQL; SQLite serialises writers anyway),
    so two requests cannot both fill the same free area.
    """
    query = select(Greenhouse).where(Greenhouse.code == (code or "").strip().upper())
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    greenhouse = session.scalar(query)
    if greenhouse is None:
        raise NotFound(_l("There is no greenhouse %(code)s.", code=code), {"greenhouse": _l("Unknown greenhouse.")})
    return greenhouse


def greenhouse_named(session: Session, code: str, field: str = "greenhouse") -> Greenhouse:
    """The greenhouse an input names by code (case-insensitive); Invalid on `field` when there is none: a wrong
    code in a form or a request body is the user's to correct (422), not a page that is missing (404)."""
    try:
        return get_greenhouse(session, code)
    except NotFound:
        msg = _l("There is no greenhouse %(code)s.", code=(code or "").strip())
        raise Invalid(msg, {field: msg}) from None


def greenhouses_by_code(session: Session, codes: list[str], field: str = "greenhouses") -> list[Greenhouse]:
    """The greenhouses a record names by code, in code order; Invalid (on `field`) naming any code unknown."""
    found = {g.code: g for g in session.scalars(select(Greenhouse).where(Greenhouse.code.in_(codes)))}
    missing = [c for c in codes if c not in found]
    if missing:
        msg = _l("Unknown greenhouse %(code)s.", code=", ".join(missing))
        raise Invalid(msg, {field: msg})
    return sorted(found.values(), key=lambda g: g.code)


@dataclass
class OverviewCounts:
    """Figures shown above the park grid."""

    total: int
    planted: int
    idle: int
    maintenance: int
    vegetables: int
    area_m2: Decimal
    area_planted_m2: Decimal


def list_greenhouses(session: Session, crop: str | None = None, status: str | None = None) -> list[Greenhouse]:
    """All greenhouses with their plantings loaded, filtered by crop code and/or greenhouse status.

    Status `planted` keeps those with an active planting, `empty` those without one.
    """
    rows = session.scalars(
        select(Greenhouse)
        .options(selectinload(Greenhouse.plantings).selectinload(Planting.crop))
        .order_by(Greenhouse.code)
    ).all()
    if crop:
        rows = [g for g in rows if any(p.crop.code == crop for p in active_plantings(g))]
    if status == "planted":
        rows = [g for g in rows if current_planting(g) is not None]
    elif status == "empty":
        rows = [g for g in rows if current_planting(g) is None]
    elif status:
        rows = [g for g in rows if g.status == status]
    return rows


def overview_counts(greenhouses: list[Greenhouse]) -> OverviewCounts:
    """The figures above the park grid, from greenhouses loaded with their plantings."""
    planted = [g for g in greenhouses if current_planting(g) is not None]
    return OverviewCounts(
        total=len(greenhouses),
        planted=len(planted),
        idle=sum(1 for g in greenhouses if g.status == GreenhouseStatus.IDLE),
        maintenance=sum(1 for g in greenhouses if g.status == GreenhouseStatus.MAINTENANCE),
        vegetables=sum(1 for g in planted
                       if any(p.crop.category == CropCategory.VEGETABLE for p in active_plantings(g))),
        area_m2=sum((g.area_m2 for g in greenhouses), Decimal(0)),
        area_planted_m2=sum((p.area_m2 for g in greenhouses for p in active_plantings(g)), Decimal(0)),
    )


def latest_readings(session: Session, greenhouse_ids: list[int]) -> dict[int, dict]:
    """The newest value of each metric per greenhouse: {greenhouse id: {metric: {"value", "ts"}}}.

    Read from the latest-value table the ingest keeps current, never from a scan of the readings.
    """
    from farm.services.readings import latest_by_greenhouse

    return latest_by_greenhouse(session, greenhouse_ids)
