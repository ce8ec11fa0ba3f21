"""Harvest pages: the worker's phone page (with an offline queue in its script), corrections, the manager's list,
QR labels per greenhouse and the dashboard panel."""
from __future__ import annotations

import re
import uuid
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from farm import clock
from farm.db import request_session
from farm.errors import DomainError, Invalid
from farm.inputs import parse
from farm.inputs.harvest import HarvestChange, HarvestIn, HarvestVoid
from farm.models.harvest import GRADES, Harvest
from farm.models.people import Worker
from farm.permissions import SIGNED_IN, allow, can
from farm.services import crops as crop_service
from farm.services import harvest as harvests
from farm.services import park
from farm.web import field_errors, nav
from farm.web.dashboard import panel
from farm.web.exports import send_table

bp = Blueprint("harvest", __name__)
nav("harvest.log", _l("Log harvest"), "harvest.log", 3)
nav("harvest.index", _l("Harvests"), "reports.read", 20)

PAGE = 100
UNITS = ("kg", "jin")


# --- the worker's page ----------------------------------------------------------------------------

def weight_in_kg(raw: str | None, unit: str | None) -> str | None:
    """A weight typed in kg or 斤, as kg text for the input model (which gives the messages)."""
    text = (raw or "").strip().replace(",", ".")
    if unit != "jin" or not text:
        return text
    try:
        kg = Decimal(text) / harvests.JIN_PER_KG
    except InvalidOperation:
        return text
    return str(kg.quantize(harvests.GRAM, rounding=ROUND_HALF_UP)) if kg.is_finite() else text


def _log_context(db, values, errors, message, status=200):
    houses = harvests.greenhouses_for_logging(db, g.user)
    entries = harvests.todays_entries(db, g.user)
    alive = [h for h in entries if not h.voided]
    total = sum((h.weight_kg for h in alive), Decimal(0))
    wanted = (values.get("greenhouse") or "").strip().upper()
    selected = next((gp for gp in houses if gp[0].code == wanted), houses[0] if houses else None)
    return render_template(
        "harvest/log.html", houses=houses, values=values, errors=errors, message=message, entries=entries,
        total_kg=total, count=len(alive), grades=GRADES, grade_label=harvests.grade_label,
        may_change={h.id: harvests.may_change(db, h, g.user) for h in entries},
        key=str(uuid.uuid4()), tz=clock.park_tz().key, selected=selected, recent=harvests.recent_days(db, g.user),
        grades_json={grade: harvests.grade_label(grade) for grade in GRADES},
        workers=db.execute(select(Worker.id, Worker.name).where(Worker.status == "active").order_by(Worker.name)).all()
        if g.user.role in harvests.MANAGERS else [],
    ), status


@bp.route("/harvest", methods=["GET", "POST"])
@allow("harvest.log")
def log():
    db = request_session()
    values = {"greenhouse": (request.args.get("gh") or "").upper(), "unit": request.cookies.get("harvest_unit", "kg"),
              "grade": "grade1"}
    if request.method == "GET":
        return _log_context(db, values, {}, None)
    values = request.form.to_dict()
    form = dict(values, weight_kg=weight_in_kg(values.get("weight"), values.get("unit")))
    if g.user.role == "worker":
        form.pop("worker", None)  # a worker logs for themself
    try:
        data = parse(HarvestIn, form)
        harvest, new = harvests.log_harvest(db, data, g.user, (values.get("key") or "")[:100] or None)
        db.commit()
    except DomainError as exc:
        db.rollback()
        errors = field_errors(exc)
        if "weight_kg" in errors:
            errors["weight"] = errors.pop("weight_kg")
        return _log_context(db, values, errors, str(exc.message), exc.status)
    flash(_("Saved: %(kg)s kg (%(jin)s jin).", kg=harvest.weight_kg.normalize(),
            jin=(harvest.weight_kg * harvests.JIN_PER_KG).normalize()), "success")
    return redirect(url_for("harvest.log", gh=harvest.greenhouse.code))


def _change_form_values(h: Harvest) -> dict:
    return {
        "greenhouse": h.greenhouse.code, "weight_kg": h.weight_kg.normalize(), "grade": h.grade,
        "crates": h.crates if h.crates is not None else "", "worker": h.worker_id or "",
        "harvested_at": clock.local(h.harvested_at).strftime("%Y-%m-%dT%H:%M"), "note": h.note,
    }


@bp.route("/harvests/<int:harvest_id>/edit", methods=["GET", "POST"])
@allow("harvest.log")
def edit(harvest_id: int):
    db = request_session()
    harvest = harvests.get_harvest(db, harvest_id, g.user)
    manager = g.user.role in harvests.MANAGERS
    values, errors, message, status = _change_form_values(harvest), {}, None, 200
    if request.method == "POST":
        values = request.form.to_dict()
        form = dict(values)
        if not manager:  # a worker corrects only what they weighed and graded
            form = {k: v for k, v in form.items() if k in ("weight_kg", "grade", "crates", "note", "reason")}
        try:
            harvests.correct_harvest(db, harvest_id, parse(HarvestChange, form), g.user)
            db.commit()
            flash(_("Correction saved."), "success")
            return redirect(url_for("harvest.detail", harvest_id=harvest_id) if manager else url_for("harvest.log"))
        except DomainError as exc:
            db.rollback()
            harvest = harvests.get_harvest(db, harvest_id, g.user)
            errors, message, status = field_errors(exc), str(exc.message), exc.status
    elif not harvests.may_change(db, harvest, g.user):
        message, status = _("This record can no longer be changed here; ask a manager."), 403
    workers = db.execute(select(Worker.id, Worker.name).where(Worker.status == "active").order_by(Worker.name)).all() \
        if manager else []
    return render_template(
        "harvest/edit.html", harvest=harvest, values=values, errors=errors, message=message, manager=manager,
        grades=GRADES, grade_label=harvests.grade_label, workers=workers,
        houses=harvests.greenhouses_for_logging(db, g.user) if manager else [], status=status,
    ), status


@bp.post("/harvests/<int:harvest_id>/void")
@allow("harvest.log")
def void(harvest_id: int):
    db = request_session()
    try:
        data = parse(HarvestVoid, request.form.to_dict())
        harvests.void_harvest(db, harvest_id, data.reason, g.user)
        db.commit()
        flash(_("The record was voided."), "success")
    except DomainError as exc:
        db.rollback()
        flash(str(exc.fields.get("reason") or exc.message), "error")
        return redirect(url_for("harvest.edit", harvest_id=harvest_id))
    if g.user.role in harvests.MANAGERS:
        return redirect(url_for("harvest.detail", harvest_id=harvest_id))
    return redirect(url_for("harvest.log"))


@bp.get("/harvests/<int:harvest_id>")
@allow(SIGNED_IN)
def detail(harvest_id: int):
    db = request_session()
    harvest = harvests.get_harvest(db, harvest_id, g.user)
    return render_template("harvest/detail.html", harvest=harvest, grade_label=harvests.grade_label,
                           may_change=harvests.may_change(db, harvest, g.user) if can(g.user, "harvest.log") else False)


# --- the manager's list ---------------------------------------------------------------------------

def _filters() -> tuple[harvests.HarvestFilter, dict, dict]:
    """The list's filters from the query string: the filter, the values to show, and errors."""
    args = request.args
    values = {k: args.get(k, "") for k in ("from", "to", "greenhouse", "crop", "worker", "grade", "voided")}
    errors = {}
    today = clock.today()
    try:
        since = parse_day(values["from"], "from") if values["from"] else today - timedelta(days=6)
        until = parse_day(values["to"], "to") if values["to"] else today + timedelta(days=1)
        worker = int(values["worker"]) if values["worker"] else None
        grade = harvests.check_grade(values["grade"])
    except (Invalid, ValueError) as exc:
        errors = field_errors(exc) if isinstance(exc, Invalid) else {"worker": _("Enter a whole number.")}
        since, until, worker, grade = today - timedelta(days=6), today + timedelta(days=1), None, None
    values["from"], values["to"] = since.isoformat(), until.isoformat()
    wanted = harvests.HarvestFilter(since=since, until=until, greenhouse=values["greenhouse"] or None,
                                    crop=values["crop"] or None, worker=worker, grade=grade,
                                    include_voided=values["voided"] == "1")
    return wanted, values, errors


def parse_day(raw: str, name: str):
    from datetime import date

    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        msg = _l("Enter a date as YYYY-MM-DD.")
        raise Invalid(msg, {name: msg}) from None


@bp.get("/harvests")
@allow("reports.read")
def index():
    db = request_session()
    wanted, values, errors = _filters()
    query = harvests.harvest_query(db, wanted, g.user)
    totals = db.execute(
        select(func.coalesce(func.sum(Harvest.weight_kg), 0), func.count(Harvest.id))
        .where(Harvest.id.in_(query.with_only_columns(Harvest.id).order_by(None)), Harvest.voided_at.is_(None))
    ).one()
    raw_offset = request.args.get("offset", "0")
    offset = int(raw_offset) if raw_offset.isdigit() else 0
    rows = list(db.scalars(query.offset(offset).limit(PAGE + 1)))
    more = len(rows) > PAGE
    args = {k: v for k, v in request.args.items() if k != "offset"}
    return render_template(
        "harvest/index.html", rows=rows[:PAGE], values=values, errors=errors, total_kg=Decimal(str(totals[0])),
        count=totals[1], grades=GRADES, grade_label=harvests.grade_label,
        crops=crop_service.list_crops(db), houses=[gh.code for gh in park.list_greenhouses(db)],
        workers=db.execute(select(Worker.id, Worker.name).order_by(Worker.name)).all(),
        next_url=url_for("harvest.index", **args, offset=offset + PAGE) if more else None,
        prev_url=url_for("harvest.index", **args, offset=max(offset - PAGE, 0)) if offset else None,
        export_args=args,
    )


@bp.get("/harvests/export")
@allow("reports.read")
def export():
    fmt = request.args.get("format", "xlsx")
    if fmt not in ("csv", "xlsx"):
        abort(404)
    db = request_session()
    wanted, values, errors = _filters()
    if errors:
        raise Invalid(_l("Some fields are not valid."), errors)
    headers = [_("Date"), _("Time"), _("Greenhouse"), _("Crop"), _("Weight (kg)"), _("Weight (jin)"), _("Grade"),
               _("Crates"), _("Worker"), _("Entered by"), _("Note"), _("Voided")]
    rows = []
    for h in db.scalars(harvests.harvest_query(db, wanted, g.user).order_by(None)
                        .order_by(Harvest.harvested_at, Harvest.id)):
        rows.append([h.day, clock.local(h.harvested_at).strftime("%H:%M"), h.greenhouse.code,
                     h.crop.display_name(_current_language()), h.weight_kg, h.weight_kg * harvests.JIN_PER_KG,
                     harvests.grade_label(h.grade), h.crates, h.worker.name if h.worker else "",
                     h.entered_by.display_name or h.entered_by.username, h.note,
                     (_("Voided") + ": " + h.void_reason) if h.voided else ""])
    name = f"harvests-{values['from']}-{values['to']}"
    return send_table(name, _("Harvests"), headers, rows, fmt, total_columns=(4, 5))


def _current_language() -> str:
    from farm.i18n import current_language

    return current_language()


# --- QR labels ------------------------------------------------------------------------------------

@bp.get("/harvest/labels")
@allow("park.manage")
def labels():
    """A printable sheet: one QR label per greenhouse that opens the harvest page with it chosen."""
    import segno

    db = request_session()
    only = (request.args.get("gh") or "").upper()
    # Phones reach the server at the park's own address, which may differ from the one this page was opened at.
    base = (request.args.get("base") or "").strip().rstrip("/")
    error = None
    if base and not re.fullmatch(r"https?://[\w.\-]+(:\d{1,5})?(/[\w.\-/]*)?", base):
        base, error = "", _("Enter an address such as http://192.168.1.10:8000")
    sheet = []
    for gh in park.list_greenhouses(db):
        if only and gh.code != only:
            continue
        planting = park.current_planting(gh)
        path = url_for("harvest.log", gh=gh.code)
        link = base + path if base else url_for("harvest.log", gh=gh.code, _external=True)
        svg = segno.make(link, error="m").svg_inline(scale=4, border=2, dark="#000")
        sheet.append({"greenhouse": gh, "planting": planting, "link": link, "svg": svg})
    return render_template("harvest/labels.html", sheet=sheet, base=base or request.host_url.rstrip("/"), error=error)


# --- the dashboard panel --------------------------------------------------------------------------

def _dashboard(session) -> dict:
    return {"summary": harvests.day_summary(session)}


panel("harvest/_dashboard.html", _dashboard, "park.read", 10)
