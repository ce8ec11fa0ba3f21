"""Crops and their climate ranges; managers edit them."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from farm.db import request_session
from farm.errors import DomainError
from farm.inputs.park import CropIn
from farm.models.crops import CLIMATE_FIELDS
from farm.permissions import allow
from farm.services import crops as crop_service
from farm.web import field_errors, form_input, nav

bp = Blueprint("crops", __name__)
nav("crops.index", _l("Crops"), "park.read", 20)


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
    errors, message, status = {}, None, 200
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            crop_service.update_crop(db, code, form_input(CropIn))
            db.commit()
            flash(_("Crop saved."), "success")
            return redirect(url_for("crops.index"))
        except DomainError as exc:
            db.rollback()
            errors, message, status = field_errors(exc), str(exc.message), exc.status
    return render_template("crops/edit.html", crop=crop, values=values, errors=errors, message=message), status
