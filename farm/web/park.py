"""The park overview grid (with each greenhouse's temperature trend) and the greenhouse page with its charts."""
from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from farm.db import request_session
from farm.errors import DomainError
from farm.permissions import allow, can
from farm.services import charts as chart_service
from farm.services import crops as crop_service
from farm.services import daylight, land, park, plantings, readings, sprays
from farm.vocab import GreenhouseStatus, Metric
from farm.web import PARK, nav

bp = Blueprint("park", __name__)
nav("park.overview", _l("Park"), PARK, 10)

TREND_HOURS = 24
UNITS = {m.value: m.unit for m in Metric}


@bp.get("/park")
@allow("park.read")
def overview():
    db = request_session()
    crop = request.args.get("crop") or None
    status = request.args.get("status") or None
    if status not in park.STATUS_FILTERS:
        status = None
    everything = park.list_greenhouses(db)
    shown = park.list_greenhouses(db, crop=crop, status=status) if (crop or status) else everything
    trends = readings.hourly_trend(db, [g.id for g in shown], hours=TREND_HOURS)
    return render_template(
        "park/overview.html",
        park=park.get_park(db),
        greenhouses=shown,
        counts=park.overview_counts(everything),
        crops=crop_service.list_crops(db),
        crop=crop,
        status=status,
        greenhouse_statuses=GreenhouseStatus.values(),
        current_planting=plantings.current_planting,
        trends={gh_id: sparkline(points) for gh_id, points in trends.items()},
    )


def sparkline(points: list, hours: int = TREND_HOURS, width: float = 100, height: float = 24) -> dict:
    """An SVG path for hourly values [(hour start in epoch seconds, value)] over the last `hours` hours; a missing
    hour breaks the line."""
    values = [v for _, v in points]
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    newest = points[-1][0]
    parts, previous = [], None
    for begins, value in points:
        slot = hours - 1 - round((newest - begins) / 3600)
        x = width * slot / (hours - 1)
        y = height - 2 - (height - 4) * (value - lo) / span
        parts.append(f"{'L' if previous == slot - 1 else 'M'}{x:.1f} {y:.1f}")
        if previous != slot - 1:
            parts.append("h0.01")  # an isolated hour still shows as a dot (round line caps)
        previous = slot
    return {"path": " ".join(parts), "lo": lo, "hi": hi, "last": values[-1], "width": width, "height": height}


@bp.get("/greenhouses/<code>")
@allow("park.read")
def greenhouse(code: str):
    db = request_session()
    gh = park.get_greenhouse(db, code)
    active = plantings.active_plantings(gh)
    history = [p for p in gh.plantings if not plantings.is_active(p)]
    free_m2 = gh.area_m2 - sum(p.area_m2 for p in active)
    current = plantings.current_planting(gh)
    charts = {
        "url": url_for("park.greenhouse_readings", code=gh.code),
        "tz": current_app.config["FARM"].timezone,
        "initial": chart_service.chart_data(db, gh, "24h"),
        "bands": chart_service.chart_bands(current.crop if current else None),
        "units": UNITS,
    }
    return render_template(
        "park/greenhouse.html", greenhouse=gh, active=active, history=history, free_m2=free_m2,
        latest=park.latest_readings(db, [gh.id]).get(gh.id, {}), charts=charts, metrics=list(UNITS),
        day_hours=daylight.hours(db),
        metric_labels=chart_service.metric_labels(), crop=current.crop if current else None,
        interval=sprays.running(db, [gh.id]).get(gh.id),
        sprays=list(db.scalars(sprays.spray_query(db, gh.code).limit(5))),
        contracts=land.greenhouse_contracts(db, gh.id) if can(g.user, "land.read") else [],
        effective_status=land.effective_status,
    )


@bp.get("/greenhouses/<code>/readings.json")
@allow("park.read")
def greenhouse_readings(code: str):
    """The greenhouse page's chart data for one range (?range=24h|7d|90d), called with the page's session."""
    try:
        gh = park.get_greenhouse(request_session(), code)
        return jsonify(chart_service.chart_data(request_session(), gh, (request.args.get("range") or "").strip()))
    except DomainError as exc:
        # The page's script reads the API's error envelope, even though this route lives among the pages.
        return jsonify({"error": exc.as_dict()}), exc.status
