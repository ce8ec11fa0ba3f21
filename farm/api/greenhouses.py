"""Greenhouses in the API: the list and one greenhouse, with its planting and latest readings."""
from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, request
from flask_babel import lazy_gettext as _l
from pydantic import AliasPath, Field, model_validator

from farm.api import Code, Number, Out, Param, doc, listing, out, view
from farm.db import request_session
from farm.errors import Invalid
from farm.permissions import allow
from farm.services import park
from farm.vocab import GreenhouseKind, GreenhouseStatus, PlantingStatus

bp = Blueprint("greenhouses", __name__)
STATUS_FILTERS = park.STATUS_FILTERS


class PlantingRef(Out):
    id: int
    crop: Code
    crop_name: str = Field(validation_alias=AliasPath("crop", "name_zh"))
    variety: str
    planted_on: date
    area_m2: Number
    status: PlantingStatus


class Latest(Out):
    value: float
    ts: datetime


class GreenhouseOut(Out):
    """A greenhouse; `planting` is its main active planting, `latest` the newest value of each metric."""

    code: str
    name: str
    zone: str
    area_m2: Number
    kind: GreenhouseKind
    status: GreenhouseStatus
    planting: PlantingRef | None
    latest: dict[str, Latest]

    @model_validator(mode="before")
    @classmethod
    def _planting(cls, greenhouse):
        """The planting shown is the service's current one."""
        return view(greenhouse, planting=park.current_planting(greenhouse))


@bp.get("/greenhouses")
@allow("park.read")
@doc("All greenhouses, filtered by crop code or status", response=GreenhouseOut, tag="park", many=True,
     query={"crop": "crop code, e.g. cucumber",
            "status": Param("a greenhouse status, planted or empty", STATUS_FILTERS)})
def list_greenhouses():
    status = request.args.get("status") or None
    if status is not None and status not in STATUS_FILTERS:
        msg = _l("Not one of the allowed choices.")
        raise Invalid(msg, {"status": msg})
    db = request_session()
    rows = park.list_greenhouses(db, crop=request.args.get("crop") or None, status=status)
    latest = park.latest_readings(db, [g.id for g in rows])
    return listing(rows, GreenhouseOut, each=lambda g: {"latest": latest.get(g.id, {})})


@bp.get("/greenhouses/<code>")
@allow("park.read")
@doc("One greenhouse", response=GreenhouseOut, tag="park")
def detail(code: str):
    db = request_session()
    greenhouse = park.get_greenhouse(db, code)
    return out(GreenhouseOut, greenhouse, latest=park.latest_readings(db, [greenhouse.id]).get(greenhouse.id, {}))
