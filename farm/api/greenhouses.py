"""Greenhouses in the API: the list and one greenhouse, with its planting and latest readings."""
from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, jsonify
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel

from farm.api import doc, listing, plain
from farm.db import request_session
from farm.errors import Invalid
from farm.models.park import Greenhouse
from farm.permissions import allow
from farm.services import park

bp = Blueprint("greenhouses", __name__)
STATUS_FILTERS = park.STATUS_FILTERS


class PlantingRef(BaseModel):
    id: int
    crop: str
    crop_name: str
    variety: str
    planted_on: date
    area_m2: float
    status: str


class Latest(BaseModel):
    value: float
    ts: datetime


class GreenhouseOut(BaseModel):
    code: str
    name: str
    zone: str
    area_m2: float
    kind: str
    status: str
    planting: PlantingRef | None
    latest: dict[str, Latest]


def greenhouse_json(greenhouse: Greenhouse, latest: dict | None = None) -> dict:
    planting = park.current_planting(greenhouse)
    return {
        "code": greenhouse.code,
        "name": greenhouse.name,
        "zone": greenhouse.zone,
        "area_m2": greenhouse.area_m2,
        "kind": greenhouse.kind,
        "status": greenhouse.status,
        "planting": None if planting is None else {
            "id": planting.id,
            "crop": planting.crop.code,
            "crop_name": planting.crop.name_zh,
            "variety": planting.variety,
            "planted_on": planting.planted_on,
            "area_m2": planting.area_m2,
            "status": planting.status,
        },
        "latest": latest or {},
    }


@bp.get("/greenhouses")
@allow("park.read")
@doc("All greenhouses, filtered by crop code or status", response=GreenhouseOut, tag="park", many=True,
     query={"crop": "crop code, e.g. cucumber", "status": "active, idle, maintenance, planted or empty"})
def list_greenhouses():
    from flask import request

    status = request.args.get("status") or None
    if status is not None and status not in STATUS_FILTERS:
        msg = _l("Not one of the allowed choices.")
        raise Invalid(msg, {"status": msg})
    db = request_session()
    rows = park.list_greenhouses(db, crop=request.args.get("crop") or None, status=status)
    latest = park.latest_readings(db, [g.id for g in rows])
    return listing(rows, lambda g: greenhouse_json(g, latest.get(g.id)))


@bp.get("/greenhouses/<code>")
@allow("park.read")
@doc("One greenhouse", response=GreenhouseOut, tag="park")
def detail(code: str):
    db = request_session()
    greenhouse = park.get_greenhouse(db, code)
    latest = park.latest_readings(db, [greenhouse.id])
    return jsonify(plain(greenhouse_json(greenhouse, latest.get(greenhouse.id))))
