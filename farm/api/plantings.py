"""Plantings in the API: start one, change one, end one."""
from __future__ import annotations

from flask import Blueprint, jsonify
from pydantic import BaseModel

from farm.api import created, doc, json_body, plain
from farm.db import request_session
from farm.inputs.park import PlantingChange, PlantingEnd, PlantingIn
from farm.models.crops import Planting
from farm.permissions import allow
from farm.services import plantings

bp = Blueprint("plantings", __name__)


class PlantingOut(BaseModel):
    id: int
    greenhouse: str
    crop: str
    variety: str
    planted_on: str
    area_m2: float
    expected_harvest_on: str | None
    ended_on: str | None
    status: str


def planting_json(p: Planting) -> dict:
    return {
        "id": p.id,
        "greenhouse": p.greenhouse.code,
        "crop": p.crop.code,
        "variety": p.variety,
        "planted_on": p.planted_on,
        "area_m2": p.area_m2,
        "expected_harvest_on": p.expected_harvest_on,
        "ended_on": p.ended_on,
        "status": p.status,
    }


@bp.post("/plantings")
@allow("park.manage")
@doc("Start a planting in a greenhouse", body=PlantingIn, response=PlantingOut, status=201, tag="park")
def create():
    data = json_body(PlantingIn)
    db = request_session()
    planting = plantings.start_planting(db, data)
    db.commit()
    return created(planting_json(planting))


@bp.get("/plantings/<int:planting_id>")
@allow("park.read")
@doc("One planting", response=PlantingOut, tag="park")
def detail(planting_id: int):
    return jsonify(plain(planting_json(plantings.get_planting(request_session(), planting_id))))


@bp.patch("/plantings/<int:planting_id>")
@allow("park.manage")
@doc("Change an active planting", body=PlantingChange, response=PlantingOut, tag="park")
def update(planting_id: int):
    data = json_body(PlantingChange)
    db = request_session()
    planting = plantings.update_planting(db, planting_id, data)
    db.commit()
    return jsonify(plain(planting_json(planting)))


@bp.post("/plantings/<int:planting_id>/end")
@allow("park.manage")
@doc("End a planting", body=PlantingEnd, response=PlantingOut, tag="park")
def end(planting_id: int):
    data = json_body(PlantingEnd)
    db = request_session()
    planting = plantings.end_planting(db, planting_id, data)
    db.commit()
    return jsonify(plain(planting_json(planting)))
