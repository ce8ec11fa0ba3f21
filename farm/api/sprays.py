"""Spraying records in the API: record a spray (answering the first day harvest is allowed again), list them, and
the park's list of pesticide products."""
from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, g, request
from pydantic import Field

from farm.api import Code, Name, Number, Out, Param, Username, created, doc, json_body, listing, out, query_date
from farm.db import request_session
from farm.inputs.sprays import ProductIn, SprayIn
from farm.permissions import allow
from farm.services import sprays
from farm.vocab import DoseUnit

bp = Blueprint("sprays", __name__)


class SprayOut(Out):
    id: int
    greenhouse: Code
    applied_at: datetime
    applied_on: date = Field(validation_alias="day")
    product: str = Field(validation_alias="product_name")
    product_id: int | None
    registration_no: str
    active_ingredient: str
    dose: Number
    dose_unit: DoseUnit
    water_l: Number | None
    target: str
    operator: int = Field(validation_alias="operator_id")
    operator_name: Name = Field(validation_alias="operator")
    phi_days: int
    harvest_allowed_from: date
    note: str
    recorded_by: Username
    created_at: datetime


class ProductOut(Out):
    id: int
    name: str
    registration_no: str
    active_ingredient: str
    phi_days: int
    crop_intervals: dict[str, int] = Field(description="crop code -> interval in days, where it differs")
    active: bool
    note: str


@bp.post("/sprays")
@allow("sprays.manage")
@doc("Record a spray; `harvest_allowed_from` is the first park day harvest in that greenhouse is allowed again "
     "(the spray's park day + phi_days); a harvest there before it answers 422", body=SprayIn, response=SprayOut,
     status=201, tag="sprays")
def create():
    data = json_body(SprayIn)
    db = request_session()
    spray = sprays.record_spray(db, data, g.user)
    db.commit()
    return created(SprayOut, spray)


@bp.get("/sprays")
@allow("park.read")
@doc("Spraying records, newest first", response=SprayOut, many=True, tag="sprays", query={
    "greenhouse": "greenhouse code", "from": Param("first park day applied (inclusive), YYYY-MM-DD"),
    "to": Param("last park day applied (exclusive), YYYY-MM-DD"),
})
def index():
    db = request_session()
    query = sprays.spray_query(db, request.args.get("greenhouse") or None, query_date("from"), query_date("to"))
    return listing(query, SprayOut)


@bp.get("/sprays/<int:spray_id>")
@allow("park.read")
@doc("One spraying record", response=SprayOut, tag="sprays")
def detail(spray_id: int):
    return out(SprayOut, sprays.get_spray(request_session(), spray_id))


@bp.get("/spray-products")
@allow("park.read")
@doc("The park's pesticide products with their default pre-harvest interval", response=ProductOut, many=True,
     tag="sprays", query={"active": Param("1 for the products still in use", ("1",))})
def products():
    db = request_session()
    return listing(sprays.list_products(db, active_only=request.args.get("active") == "1"), ProductOut,
                   each=lambda p: {"crop_intervals": sprays.crop_intervals(p)})


@bp.post("/spray-products")
@allow("sprays.manage")
@doc("Add a pesticide product to the park's list (a name is used once)", body=ProductIn, response=ProductOut,
     status=201, tag="sprays")
def create_product():
    data = json_body(ProductIn)
    db = request_session()
    product = sprays.save_product(db, data)
    db.commit()
    return created(ProductOut, product, crop_intervals=sprays.crop_intervals(product))
