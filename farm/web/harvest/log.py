"""The worker's harvest page (the script on it queues saves offline), one record, its correction and its void.

What the correction form offers comes from the service's one rule (`harvest.correctable_fields`), and only those
fields are read back from it."""
from __future__ import annotations

import uuid
from decimal import Decimal

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from farm import clock, units
from farm.db import request_session
from farm.errors import DomainError
from farm.inputs import parse
from farm.inputs.harvest import HarvestChange, HarvestIn, HarvestVoid
from farm.models.harvest import Harvest
from farm.permissions import allow, can
from farm.services import harvest as harvests
from farm.services import people, sprays
from farm.vocab import Grade
from farm.web import FormState, form_action
from farm.web.harvest import bp


def weight_in_kg(raw: str | None, unit: str | None) -> str | None:
    """A weight typed in kg or 斤, as kg text to the gram for the input model (which gives the messages); text
    that is no number goes through unchanged for the input model to refuse."""
    text = (raw or "").strip().replace(",", ".")
    if not text:
        return text
    try:
        return str(units.to_kg(text, "jin" if unit == "jin" else "kg"))
    except (ValueError, ArithmeticError):  # too many digits to round to the gram is no weight either
        return text


def _log_context(db, values, errors, message, status=200):
    houses = harvests.greenhouses_for_logging(db, g.user)
    entries = harvests.todays_entries(db, g.user)
    alive = [h for h in entries if not h.voided]
    total = sum((h.weight_kg for h in alive), Decimal(0))
    wanted = (values.get("greenhouse") or "").strip().upper()
    selected = next((gp for gp in houses if gp[0].code == wanted), houses[0] if houses else None)
    return render_template(
        "harvest/log.html", houses=houses, values=values, errors=errors, message=message, entries=entries,
        total_kg=total, count=len(alive), grades=list(Grade),
        may_change={h.id: harvests.may_change(db, h, g.user) for h in entries},
        key=str(uuid.uuid4()), tz=clock.park_tz().key, selected=selected, recent=harvests.recent_days(db, g.user),
        grades_json={grade.value: grade.label for grade in Grade},
        workers=people.worker_choices(db) if harvests.is_manager(g.user) else [],
        running=sprays.running(db, [gh.id for gh, _planting in houses]), may_override=can(g.user, "sprays.manage"),
        # When this copy of the page was made: a phone with no signal shows the copy its service worker kept.
        rendered_at=clock.now().isoformat(timespec="seconds"), rendered_day=clock.today().isoformat(),
    ), status


@bp.route("/harvest", methods=["GET", "POST"])
@allow("harvest.log")
def log():
    db = request_session()
    values = {"greenhouse": (request.args.get("gh") or "").upper(), "unit": request.cookies.get("harvest_unit", "kg"),
              "grade": Grade.GRADE1.value}

    def save():
        sent = request.form.to_dict()
        form = dict(sent, weight_kg=weight_in_kg(sent.get("weight"), sent.get("unit")))
        if g.user.role == "worker":
            form.pop("worker", None)  # a worker logs for themself
        harvest, _new = harvests.log_harvest(db, parse(HarvestIn, form), g.user, (sent.get("key") or "")[:100] or None)
        return (url_for("harvest.log", gh=harvest.greenhouse.code),
                _("Saved: %(kg)s kg (%(jin)s jin).", kg=units.short_text(harvest.weight_kg),
                  jin=units.short_text(units.jin(harvest.weight_kg))))

    state = form_action(values, save)
    if not isinstance(state, FormState):
        return state
    if "interval_override" in state.errors:  # the refusal of a reason from a worker: shown above the form
        state.message = state.errors.pop("interval_override")
    if "weight_kg" in state.errors:
        state.errors["weight"] = state.errors.pop("weight_kg")  # the form's field is the typed weight, kg or 斤
    return _log_context(db, state.values, state.errors, state.message, state.status)


def _change_form_values(h: Harvest) -> dict:
    return {
        "greenhouse": h.greenhouse.code, "weight_kg": units.short_text(h.weight_kg), "grade": h.grade,
        "crates": h.crates if h.crates is not None else "", "worker": h.worker_id or "",
        "harvested_at": clock.local(h.harvested_at).strftime("%Y-%m-%dT%H:%M"), "note": h.note,
    }


@bp.route("/harvests/<int:harvest_id>/edit", methods=["GET", "POST"])
@allow("harvest.log")
def edit(harvest_id: int):
    db = request_session()
    harvest = harvests.get_harvest(db, harvest_id, g.user)
    fields = harvests.correctable_fields(db, g.user, harvest)
    manager = harvests.is_manager(g.user)
    may_override = can(g.user, "sprays.manage")

    def save():
        # Only the fields the form offers are read; the service refuses the rest from any other caller.
        extra = ("reason", "interval_override") if may_override else ("reason",)
        form = {k: v for k, v in request.form.to_dict().items() if k in fields or k in extra}
        harvests.correct_harvest(db, harvest_id, parse(HarvestChange, form), g.user)
        return (url_for("harvest.detail", harvest_id=harvest_id) if manager else url_for("harvest.log"),
                _("Correction saved."))

    state = form_action(_change_form_values(harvest), save)
    if not isinstance(state, FormState):
        return state
    if request.method == "POST":
        # After the rollback: the record and what may still be corrected, as they stand now.
        harvest = harvests.get_harvest(db, harvest_id, g.user)
        fields = harvests.correctable_fields(db, g.user, harvest)
    elif not fields:
        state.message, state.status = _("This record can no longer be changed here; ask a manager."), 403
    return state.render(
        "harvest/edit.html", harvest=harvest, manager=manager, fields=fields, grades=list(Grade),
        status=state.status, workers=people.worker_choices(db) if "worker" in fields else [], may_override=may_override,
        houses=harvests.greenhouses_for_logging(db, g.user) if "greenhouse" in fields else [],
    )


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
    if harvests.is_manager(g.user):
        return redirect(url_for("harvest.detail", harvest_id=harvest_id))
    return redirect(url_for("harvest.log"))


@bp.get("/harvests/<int:harvest_id>")
@allow("harvest.read")
def detail(harvest_id: int):
    db = request_session()
    harvest = harvests.get_harvest(db, harvest_id, g.user)
    return render_template("harvest/detail.html", harvest=harvest, override=sprays.override_of(db, harvest.id),
                           may_change=harvests.may_change(db, harvest, g.user) if can(g.user, "harvest.log") else False)
