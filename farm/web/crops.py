"""Crops and their climate ranges; managers edit them."""
from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from farm.db import request_session
from farm.inputs.park import CropIn
from farm.models.crops import CLIMATE_FIELDS
from farm.permissions import allow
from farm.services import crops as crop_service
from farm.web import PARK, FormState, form_action, form_input, nav

bp = Blueprint("crops", __name__)
nav("crops.index", _l("Crops"), PARK, 20)


@bp.get("/crops")
@allow("park.read")
def index():
    return render_template("crops/index.html", crops=crop_service.list_crops(request_session()))


@bp.route("/crops/<code>/edit", methods=["GET", "POST"])
@allow("park.manage")
def edit(code: str):
    db = request_session()
    crop = crop_service.get_crop(db, code)
    values = {name: getattr(crop, name) for name in CLIMATE_FIELDS}
    values.update(name_zh=crop.name_zh, name_en=crop.name_en, varieties="、".join(v.name for v in crop.varieties))

    def save():
        crop_service.update_crop(db, code, form_input(CropIn))
        return url_for("crops.index"), _("Crop saved.")

    state = form_action(values, save)
    if not isinstance(state, FormState):
        return state
    return state.render("crops/edit.html", crop=crop)
