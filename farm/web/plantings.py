"""Start, edit and end plantings from the browser."""
from __future__ import annotations

from flask import Blueprint, request, url_for
from flask_babel import gettext as _

from farm import clock
from farm.db import request_session
from farm.inputs.park import PlantingChange, PlantingEnd, PlantingIn
from farm.permissions import allow
from farm.services import crops as crop_service
from farm.services import park, plantings
from farm.vocab import ACTIVE_PLANTING_STATUSES, PlantingStatus
from farm.web import FormState, form_action, form_input

bp = Blueprint("plantings", __name__)


def _free_m2(greenhouse, excluding=None):
    return greenhouse.area_m2 - sum(p.area_m2 for p in plantings.active_plantings(greenhouse) if p is not excluding)


def _status_choices() -> list[tuple[str, str]]:
    # An edit keeps a planting going; ending it is its own page.
    return [(s, PlantingStatus(s).label) for s in ACTIVE_PLANTING_STATUSES]


@bp.route("/greenhouses/<code>/plantings/new", methods=["GET", "POST"])
@allow("park.manage")
def new(code: str):
    db = request_session()
    gh = park.get_greenhouse(db, code)

    def save():
        plantings.start_planting(db, form_input(PlantingIn, greenhouse=gh.code))
        return url_for("park.greenhouse", code=gh.code), _("Planting started.")

    state = form_action({"planted_on": clock.today().isoformat(), "area_m2": _free_m2(gh)}, save)
    if not isinstance(state, FormState):
        return state
    return state.render("plantings/form.html", greenhouse=gh, planting=None, crops=crop_service.list_crops(db),
                        free_m2=_free_m2(gh), status_choices=_status_choices())


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

    def save():
        data = form_input(PlantingChange)
        # An emptied field clears the value (the parser reads an empty field as "not given").
        data = data.model_copy(update={name: "" if name != "expected_harvest_on" else None
                                       for name in ("variety", "notes", "expected_harvest_on")
                                       if name in request.form and not request.form[name].strip()})
        plantings.update_planting(db, planting_id, data)
        return url_for("park.greenhouse", code=planting.greenhouse.code), _("Planting saved.")

    state = form_action(values, save)
    if not isinstance(state, FormState):
        return state
    return state.render("plantings/form.html", greenhouse=planting.greenhouse, planting=planting,
                        crops=crop_service.list_crops(db), free_m2=_free_m2(planting.greenhouse, planting),
                        status_choices=_status_choices())


@bp.route("/plantings/<int:planting_id>/end", methods=["GET", "POST"])
@allow("park.manage")
def end(planting_id: int):
    db = request_session()
    planting = plantings.get_planting(db, planting_id)

    def save():
        plantings.end_planting(db, planting_id, form_input(PlantingEnd))
        return url_for("park.greenhouse", code=planting.greenhouse.code), _("Planting ended.")

    state = form_action({"ended_on": clock.today().isoformat()}, save)
    if not isinstance(state, FormState):
        return state
    return state.render("plantings/end.html", planting=planting)
