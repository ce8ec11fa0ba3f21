"""Harvests in the API: log one (honouring Idempotency-Key), list them, correct or void one."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated

from flask import Blueprint, g, request
from flask_babel import lazy_gettext as _l
from pydantic import Field, WithJsonSchema, computed_field

from farm import units
from farm.api import Code, Kg, Name, Out, Param, Username, doc, json_body, listing, out, query_date, query_int
from farm.db import request_session
from farm.errors import Malformed
from farm.inputs.harvest import HarvestChange, HarvestIn, HarvestVoid
from farm.permissions import allow
from farm.services import harvest as harvests
from farm.vocab import Grade

bp = Blueprint("harvests", __name__)
MAX_KEY = 100


class HarvestOut(Out):
    id: int
    greenhouse: Code
    planting_id: int
    crop: Code
    weight_kg: Kg
    grade: Grade
    crates: int | None
    harvested_at: datetime
    day: date
    worker: int | None = Field(validation_alias="worker_id")
    worker_name: Name | None = Field(validation_alias="worker")
    entered_by: Username
    note: str
    voided: bool
    void_reason: str
    created_at: datetime
    updated_at: datetime

    @computed_field
    @property
    def weight_jin(self) -> Annotated[Decimal, WithJsonSchema({"type": "number", "description": "斤 (2 per kg)"})]:
        """The weight in 斤, as the pickers count it."""
        return units.jin(self.weight_kg)


class ChangeOut(Out):
    action: str
    changed_by: Username
    changed_at: datetime
    before: dict
    after: dict
    reason: str


class HarvestDetailOut(HarvestOut):
    changes: list[ChangeOut]


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > MAX_KEY:
        raise Malformed(_l("The Idempotency-Key header is longer than %(n)s characters.", n=MAX_KEY),
                        {"Idempotency-Key": _l("Too long.")})
    return key or None


@bp.post("/harvests")
@allow("harvest.log")
@doc("Log a harvest; a repeated POST with the same Idempotency-Key header returns the first record (200)",
     body=HarvestIn, response=HarvestOut, status=201, tag="harvest",
     also={200: "The Idempotency-Key was used before: the record it logged"})
def create():
    key = _idempotency_key()
    data = json_body(HarvestIn)
    db = request_session()
    harvest, new = harvests.log_harvest(db, data, g.user, key)
    db.commit()
    return out(HarvestOut, harvest), 201 if new else 200


@bp.get("/harvests")
@allow("harvest.read")
@doc("Harvest records, newest first; a worker sees their own", response=HarvestOut, many=True, tag="harvest", query={
    "date": "one of the park's days, YYYY-MM-DD", "from": "first day (inclusive)", "to": "last day (exclusive)",
    "greenhouse": "greenhouse code", "crop": "crop code", "worker": "worker id", "grade": Param("grade", Grade),
    "voided": "1 to include voided records",
})
def index():
    day = query_date("date")
    since, until = query_date("from"), query_date("to")
    if day is not None:
        since, until = day, day + timedelta(days=1)
    worker = query_int("worker", -1) if request.args.get("worker") else None
    wanted = harvests.HarvestFilter(
        since=since, until=until, greenhouse=request.args.get("greenhouse") or None,
        crop=request.args.get("crop") or None, worker=worker,
        grade=harvests.check_grade(request.args.get("grade")), include_voided=request.args.get("voided") == "1",
    )
    db = request_session()
    return listing(harvests.harvest_query(db, wanted, g.user), HarvestOut)


@bp.get("/harvests/<int:harvest_id>")
@allow("harvest.read")
@doc("One harvest record with its corrections", response=HarvestDetailOut, tag="harvest")
def detail(harvest_id: int):
    return out(HarvestDetailOut, harvests.get_harvest(request_session(), harvest_id, g.user))


@bp.patch("/harvests/<int:harvest_id>")
@allow("harvest.log")
@doc("Correct a harvest record; each correction is kept with who, when, before and after",
     body=HarvestChange, response=HarvestDetailOut, tag="harvest")
def update(harvest_id: int):
    data = json_body(HarvestChange)
    db = request_session()
    harvest = harvests.correct_harvest(db, harvest_id, data, g.user)
    db.commit()
    return out(HarvestDetailOut, harvest)


@bp.post("/harvests/<int:harvest_id>/void")
@allow("harvest.log")
@doc("Void a wrong harvest record with a reason; it is kept but no longer counts",
     body=HarvestVoid, response=HarvestDetailOut, tag="harvest")
def void(harvest_id: int):
    data = json_body(HarvestVoid)
    db = request_session()
    harvest = harvests.void_harvest(db, harvest_id, data.reason, g.user)
    db.commit()
    return out(HarvestDetailOut, harvest)
