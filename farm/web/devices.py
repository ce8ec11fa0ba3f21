"""Sensor pages: the device list, editing a device, and the rejected messages."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from farm.db import request_session
from farm.inputs.sensors import DeviceChange
from farm.permissions import allow
from farm.services import devices, park
from farm.vocab import RejectReason
from farm.web import PARK, FormState, form_action, form_input, nav
from farm.web.dashboard import panel

bp = Blueprint("devices", __name__)
nav("devices.index", _l("Sensors"), PARK, 40)


def _dashboard(session) -> dict:
    return {**devices.device_counts(session), "ingest": devices.ingest_state(session)}


panel("sensors/_dashboard.html", _dashboard, "park.read", 40)


@bp.get("/devices")
@allow("park.read")
def index():
    db = request_session()
    greenhouse = (request.args.get("greenhouse") or "").strip() or None
    return render_template("sensors/devices.html", devices=devices.list_devices(db, greenhouse), greenhouse=greenhouse,
                           is_online=devices.online_judge(db), ingest=devices.ingest_state(db))


@bp.route("/devices/<code>/edit", methods=["GET", "POST"])
@allow("sensors.manage")
def edit(code: str):
    db = request_session()
    device = devices.get_device(db, code)
    values = {"name": device.name, "greenhouse": device.greenhouse.code, "enabled": device.enabled}

    def save():
        devices.update_device(db, code, form_input(DeviceChange, enabled="enabled" in request.form,
                                                   name=request.form.get("name", "").strip() or ""))
        return url_for("devices.index"), _("Device saved.")

    state = form_action(values, save)
    if not isinstance(state, FormState):
        return state
    if request.method == "POST":
        # The box as a boolean, as on GET: an unticked box is not in the submitted form at all.
        state.values["enabled"] = "enabled" in request.form
    return state.render("sensors/edit.html", device=device, greenhouses=park.list_greenhouses(db))


@bp.post("/devices/<code>/delete")
@allow("sensors.manage")
def delete(code: str):
    db = request_session()
    devices.delete_device(db, code)
    db.commit()
    flash(_("Device %(code)s deleted.", code=code), "success")
    return redirect(url_for("devices.index"))


@bp.get("/devices/rejects")
@allow("sensors.manage")
def rejects():
    db = request_session()
    reason = (request.args.get("reason") or "").strip() or None
    return render_template("sensors/rejects.html", rejects=devices.recent_rejects(db, 200, reason), reason=reason,
                           reasons=RejectReason)
