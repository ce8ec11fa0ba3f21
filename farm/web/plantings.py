"""Start, edit and end plantings from the browser."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from farm import clock
from farm.db import request_session
from farm.errors import DomainError
from farm.inputs.park import PlantingChange, PlantingEnd, PlantingIn
from farm.permissions import allow
from farm.services import crops as crop_service
from farm.services import park, plantings
from farm.web import field_errors, form_input

bp = Blueprint("plantings", __name__)


def _free_m2(greenhouse, excluding=None):
    return greenhouse.area_m2 - sum(p.area_m2 for p in plantings.active_plantings(greenhouse) if p is not excluding)


@bp.route("/greenhouses/<code>/plantings/new", methods=["GET", "POST"])
@allow("park.manage")
def new(code: str):
    db = request_session()
    gh = park.get_greenhouse(db, code)
    values = {"planted_on": clock.today().isoformat(), "area_m2": _free_m2(gh)}
    errors, message, status = {}, None, 200
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            plantings.start_planting(db, form_input(PlantingIn, greenhouse=gh.code))
            db.commit()
            flash(_("Planting started."), "success")
            return redirect(url_for("park.greenhouse", code=gh.code))
        except DomainError as exc:
            db.rollback()
            errors, message, status = field_errors(exc), str(exc.message), exc.status
    return render_template(
        "plantings/form.html", greenhouse=gh, planting=None, values=values, errors=errors, message=message,
        crops=crop_service.list_crops(db), free_m2=_free_m2(gh),
    ), status


@bp.route("/plantings/<int:planting_id>/edit", methods=["GET", "POST"])
@allow("park.manage")
def edit(planting_id: int):
    db = request_session()
    planting = plantings.get_planting(db, planting_id)
    values = {
        "variety": planting.variety, "planted_on": planting.planted_on.isoformat(), "area_m2": planting.area_m2,
        "expected_harvest_on": planting.expected_harvest_on.isoformat() if planting.expected_harvest_on else "",
        "status": planting.status, "notes": planting.notes,
    }
    errors, message, status = {}, None, 200
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            data = form_input(PlantingChange)
            # An emptied field clears the value (the parser reads an empty field as "not given").
            data = data.model_copy(update={name: "" if name != "expected_harvest_on" else None
                                           for name in ("variety", "notes", "expected_harvest_on")
                                           if name in request.form and not request.form[name].strip()})
            plantings.update_planting(db, planting_id, data)
            db.commit()
            flash(_("Planting saved."), "success")
            return redirect(url_for("park.greenhouse", code=planting.greenhouse.code))
        except DomainError as exc:
            db.rollback()
            planting = plantings.get_planting(db, planting_id)
            errors, message, status = field_errors(exc), str(exc.message), exc.status
    return render_template(
        "plantings/form.html", greenhouse=planting.greenhouse, planting=planting, values=values, errors=errors,
        message=message, crops=crop_service.list_crops(db), free_m2=_free_m2(planting.greenhouse, planting),
    ), status


@bp.route("/plantings/<int:planting_id>/end", methods=["GET", "POST"])
@allow("park.manage")
def end(planting_id: int):
    db = request_session()
    planting = plantings.get_planting(db, planting_id)
    values = {"ended_on": clock.today().isoformat()}
    errors, message, status = {}, None, 200
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            plantings.end_planting(db, planting_id, form_input(PlantingEnd))
            db.commit()
            flash(_("Planting ended."), "success")
            return redirect(url_for("park.greenhouse", code=planting.greenhouse.code))
        except DomainError as exc:
            db.rollback()
            planting = plantings.get_planting(db, planting_id)
            errors, message, status = field_errors(exc), str(exc.message), exc.status
    return render_template("plantings/end.html", planting=planting, values=values, errors=errors,
                           message=message), status
