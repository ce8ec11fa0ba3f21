"""Plantings in the API: start one, change one, end one."""
from __future__ import annotations

from datetime import date

from flask import Blueprint

from farm.api import Code, Number, Out, created, doc, json_body, out
from farm.db import request_session
from farm.inputs.park import PlantingChange, PlantingEnd, PlantingIn
from farm.permissions import allow
from farm.services import plantings
from farm.vocab import PlantingStatus

bp = Blueprint("plantings", __name__)


class PlantingOut(Out):
    id: int
    greenhouse: Code
    crop: Code
    variety: str
    planted_on: date
    area_m2: Number
    expected_harvest_on: date | None
    ended_on: date | None
    status: PlantingStatus


@bp.post("/plantings")
@allow("park.manage")
@doc("Start a planting in a greenhouse", body=PlantingIn, response=PlantingOut, status=201, tag="park")
def create():
    data = json_body(PlantingIn)
    db = request_session()
    planting = plantings.start_planting(db, data)
    db.commit()
    return created(PlantingOut, planting)


@bp.get("/plantings/<int:planting_id>")
@allow("park.read")
@doc("One planting", response=PlantingOut, tag="park")
def detail(planting_id: int):
    return out(PlantingOut, plantings.get_planting(request_session(), planting_id))


@bp.patch("/plantings/<int:planting_id>")
@allow("park.manage")
@doc("Change an active planting", body=PlantingChange, response=PlantingOut, tag="park")
def update(planting_id: int):
    data = json_body(PlantingChange)
    db = request_session()
    planting = plantings.update_planting(db, planting_id, data)
    db.commit()
    return out(PlantingOut, planting)


@bp.post("/plantings/<int:planting_id>/end")
@allow("park.manage")
@doc("End a planting", body=PlantingEnd, response=PlantingOut, tag="park")
def end(planting_id: int):
    data = json_body(PlantingEnd)
    db = request_session()
    planting = plantings.end_planting(db, planting_id, data)
    db.commit()
    return out(PlantingOut, planting)
