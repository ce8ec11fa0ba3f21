"""The park overview grid and the greenhouse page."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l

from farm.db import request_session
from farm.models.crops import ACTIVE_PLANTING_STATUSES
from farm.models.park import GREENHOUSE_STATUSES
from farm.permissions import allow
from farm.services import crops as crop_service
from farm.services import park
from farm.web import nav

bp = Blueprint("park", __name__)
nav("park.overview", _l("Park"), "park.read", 10)

STATUS_FILTERS = ("planted", "empty") + GREENHOUSE_STATUSES


@bp.get("/park")
@allow("park.read")
def overview():
    db = request_session()
    crop = request.args.get("crop") or None
    status = request.args.get("status") or None
    if status not in STATUS_FILTERS:
        status = None
    everything = park.list_greenhouses(db)
    shown = park.list_greenhouses(db, crop=crop, status=status) if (crop or status) else everything
    return render_template(
        "park/overview.html",
        park=park.get_park(db),
        greenhouses=shown,
        counts=park.overview_counts(everything),
        crops=crop_service.list_crops(db),
        crop=crop,
        status=status,
        status_filters=STATUS_FILTERS,
        current_planting=park.current_planting,
    )


@bp.get("/greenhouses/<code>")
@allow("park.read")
def greenhouse(code: str):
    db = request_session()
    gh = park.get_greenhouse(db, code)
    active = park.active_plantings(gh)
    history = [p for p in gh.plantings if p.status not in ACTIVE_PLANTING_STATUSES]
    free_m2 = gh.area_m2 - sum(p.area_m2 for p in active)
    return render_template(
        "park/greenhouse.html", greenhouse=gh, active=active, history=history, free_m2=free_m2,
        latest=park.latest_readings(db, [gh.id]).get(gh.id, {}),
    )
