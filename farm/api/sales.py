"""Packing, stock and sales in the API: stock, losses, pack sizes, packing sessions, buyers and their prices,
shipments and their payments, receivables."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from flask import Blueprint, g, request
from flask_babel import lazy_gettext as _l
from pydantic import Field, WithJsonSchema, computed_field

from farm import clock, units
from farm.api import (
    Code,
    Kg,
    Money,
    Name,
    Out,
    Param,
    created,
    doc,
    json_body,
    listing,
    out,
    query_date,
    query_id,
)
from farm.db import request_session
from farm.errors import Invalid
from farm.inputs.sales import BuyerIn, CancelIn, LossIn, PackingIn, PackSizeIn, PaymentIn, PriceIn, ShipmentIn
from farm.permissions import allow
from farm.services import sales, stock
from farm.services.plantings import find_crop
from farm.vocab import BuyerKind, Grade, LossReason, PackUnit, PaymentMethod, ShipmentStatus

bp = Blueprint("sales", __name__)

Jin = Annotated[Decimal, WithJsonSchema({"type": "number", "description": "yuan per 斤 (half a kilogram)"})]


class StockOut(Out):
    """A crop in a grade: harvested (not voided), shipped, lost and on hand, in kg."""

    crop: str
    grade: Grade
    harvested_kg: Kg
    shipped_kg: Kg
    lost_kg: Kg
    on_hand_kg: Kg


class LossOut(Out):
    id: int
    date: dt.date = Field(validation_alias="day")
    crop: Code
    grade: Grade
    weight_kg: Kg
    reason: LossReason
    note: str


class PackSizeOut(Out):
    id: int
    crop: Code
    grade: Grade
    unit: PackUnit
    net_kg: Kg


class PackingOut(Out):
    id: int
    date: dt.date = Field(validation_alias="day")
    packer_id: int
    packer: Name
    crop: Code
    grade: Grade
    units: int
    net_kg: Kg
    weight_kg: Kg
    note: str


class BuyerOut(Out):
    """A buyer; `phone` masked unless the reader may see phone numbers."""

    id: int
    name: str
    kind: BuyerKind
    contact: str
    phone: str
    address: str
    consumption_aid: bool
    active: bool


class PriceOut(Out):
    id: int
    buyer_id: int
    crop: Code
    grade: Grade
    valid_from: dt.date
    price_per_kg: Money

    @computed_field
    @property
    def price_per_jin(self) -> Jin:
        """The same price per 斤."""
        return units.per_jin(self.price_per_kg)


class LineOut(Out):
    crop: Code
    grade: Grade
    weight_kg: Kg
    units: int | None
    price_per_kg: Money
    list_price_per_kg: Money | None
    amount: Money


class CancellationOut(Out):
    """When and why a shipment was cancelled, and its lines as they were (they no longer take stock)."""

    cancelled_at: dt.datetime
    reason: str
    payments_as_credit: bool
    lines: list[dict]


class ShipmentOut(Out):
    """A shipment (送货单); `paid` counts payments up to the total, `credit` what was paid beyond it. A cancelled
    one has no lines, status `cancelled`, and `cancellation` with its lines as they were."""

    id: int
    number: str
    buyer_id: int
    buyer: Name
    date: dt.date = Field(validation_alias="day")
    lines: list[LineOut]
    total: Money
    paid: Money
    credit: Money
    status: ShipmentStatus
    consumption_aid: bool
    certificate_code: str
    note: str
    cancellation: CancellationOut | None = None


class SourceOut(Out):
    """Kilograms of a line that came from one harvest record: greenhouse, planting (crop, variety), day."""

    harvest_id: int
    greenhouse: str
    planting_id: int
    crop: str
    variety: str
    harvest_day: dt.date
    weight_kg: Kg


class TracedLineOut(LineOut):
    sources: list[SourceOut]


class ShipmentDetailOut(ShipmentOut):
    """A shipment with each line's sources: the harvest records (greenhouse, planting, day) it came from."""

    lines: list[TracedLineOut]


class ShipmentPaymentOut(Out):
    id: int
    shipment_id: int
    paid_on: dt.date
    amount: Money
    method: PaymentMethod
    note: str


class ReceivableOut(Out):
    """What a buyer owes on the day asked for, by age in days since shipped, beside their credit."""

    buyer_id: int
    buyer: str
    consumption_aid: bool
    days_0_30: Money = Field(validation_alias="b0")
    days_31_60: Money = Field(validation_alias="b31")
    days_61_90: Money = Field(validation_alias="b61")
    days_over_90: Money = Field(validation_alias="b90")
    outstanding: Money
    overdue: Money
    credit: Money
    shipments: int
    oldest: dt.date | None


class ReceivablesAbout(Out):
    """The day the ages are counted on and the sums over every buyer."""

    on: dt.date
    outstanding: Money
    overdue: Money
    credit: Money


def _settled(shipment) -> dict:
    s = sales.settled(shipment)
    return {"paid": s.paid, "credit": s.credit, "status": s.status}


def _traced(shipment) -> dict:
    """The shipment's lines, each with the harvest records it came from."""
    found = stock.sources(request_session(), [line.id for line in shipment.lines])
    lines = []
    for line in shipment.lines:
        lines.append(TracedLineOut.model_validate({
            "crop": line.crop.code, "grade": line.grade, "weight_kg": line.weight_kg, "units": line.units,
            "price_per_kg": line.price_per_kg, "list_price_per_kg": line.list_price_per_kg, "amount": line.amount,
            "sources": [s for s in found if s.line_id == line.id]}))
    return {**_settled(shipment), "lines": lines}


def _receivable(row) -> dict:
    b = row.buckets
    return {"b0": b["0-30"], "b31": b["31-60"], "b61": b["61-90"], "b90": b["90+"]}


# --- stock and losses ------------------------------------------------------------------------------

@bp.get("/stock")
@allow("reports.read")
@doc("Stock per crop and grade: harvested − shipped − lost = on hand (kg)", response=StockOut, many=True,
     tag="sales", query={"crop": "crop code", "grade": Param("grade", Grade)})
def stock_list():
    db = request_session()
    crop_id = None
    if request.args.get("crop"):
        crop_id = find_crop(db, request.args["crop"]).id
    grade = stock.grade_of(request.args["grade"]).value if request.args.get("grade") else None
    return listing(stock.stock(db, crop_id, grade), StockOut)


@bp.post("/losses")
@allow("sales.manage")
@doc("Record produce lost unsold (culls, spoilage ...); traced to its harvests first in first out; more than is on "
     "hand answers 422", body=LossIn, response=LossOut, status=201, tag="sales")
def loss_create():
    data = json_body(LossIn)
    db = request_session()
    loss = stock.record_loss(db, data, g.user)
    db.commit()
    return created(LossOut, loss)


@bp.get("/losses")
@allow("reports.read")
@doc("Losses, newest first", response=LossOut, many=True, tag="sales",
     query={"from": "first day (YYYY-MM-DD)", "to": "day after the last (YYYY-MM-DD)"})
def loss_list():
    return listing(stock.losses_query(query_date("from"), query_date("to")), LossOut)


# --- packing -----------------------------------------------------------------------------------------

@bp.get("/pack-sizes")
@allow("reports.read")
@doc("Pack sizes per crop and grade", response=PackSizeOut, many=True, tag="sales")
def pack_size_list():
    return listing(sales.pack_sizes(request_session()), PackSizeOut)


@bp.post("/pack-sizes")
@allow("sales.manage")
@doc("Set the pack size of a crop and grade (a box or crate of a net weight)", body=PackSizeIn,
     response=PackSizeOut, status=201, tag="sales")
def pack_size_set():
    data = json_body(PackSizeIn)
    db = request_session()
    row = sales.set_pack_size(db, data)
    db.commit()
    return created(PackSizeOut, row)


@bp.post("/packing")
@allow("sales.manage")
@doc("Record a packing session: the packer's units count as crates for pay from the day "
     "`pay.crates_from_packing` is 1; more than is on hand answers 422", body=PackingIn, response=PackingOut,
     status=201, tag="sales", errors={409: "the day's payroll month is closed"})
def packing_create():
    data = json_body(PackingIn)
    db = request_session()
    row = sales.record_packing(db, data, g.user)
    db.commit()
    return created(PackingOut, row)


@bp.get("/packing")
@allow("reports.read")
@doc("Packing sessions, newest first", response=PackingOut, many=True, tag="sales",
     query={"from": "first day (YYYY-MM-DD)", "to": "day after the last (YYYY-MM-DD)"})
def packing_list():
    return listing(sales.packing_sessions(request_session(), query_date("from"), query_date("to")), PackingOut)


# --- buyers and prices ---------------------------------------------------------------------------------

@bp.post("/buyers")
@allow("sales.manage")
@doc("Register a buyer", body=BuyerIn, response=BuyerOut, status=201, tag="sales")
def buyer_create():
    data = json_body(BuyerIn)
    db = request_session()
    buyer = sales.create_buyer(db, data)
    db.commit()
    return created(BuyerOut, buyer, **sales.personal(buyer, g.user))


@bp.get("/buyers")
@allow("reports.read")
@doc("Buyers; phones masked unless the role may see them", response=BuyerOut, many=True, tag="sales",
     query={"kind": Param("kind of buyer", BuyerKind)})
def buyer_list():
    kind = request.args.get("kind")
    if kind and BuyerKind.get(kind) is None:
        msg = _l("Not one of the allowed choices.")
        raise Invalid(msg, {"kind": msg})
    return listing(sales.list_buyers(request_session(), kind), BuyerOut,
                   each=lambda b: sales.personal(b, g.user))


@bp.get("/buyers/<int:buyer_id>")
@allow("reports.read")
@doc("One buyer", response=BuyerOut, tag="sales")
def buyer_detail(buyer_id: int):
    buyer = sales.get_buyer(request_session(), buyer_id)
    return out(BuyerOut, buyer, **sales.personal(buyer, g.user))


@bp.get("/buyers/<int:buyer_id>/prices")
@allow("reports.read")
@doc("The buyer's price list with its history (元/kg, and 元/斤)", response=PriceOut, many=True, tag="sales")
def price_list(buyer_id: int):
    db = request_session()
    sales.get_buyer(db, buyer_id)
    return listing(sales.price_history(db, buyer_id), PriceOut)


@bp.post("/buyers/<int:buyer_id>/prices")
@allow("sales.manage")
@doc("Set the buyer's price for a crop and grade from a day on (the same day again replaces it)", body=PriceIn,
     response=PriceOut, status=201, tag="sales")
def price_set(buyer_id: int):
    data = json_body(PriceIn)
    db = request_session()
    row = sales.set_price(db, buyer_id, data, g.user)
    db.commit()
    return created(PriceOut, row)


# --- shipments and payments -----------------------------------------------------------------------------

@bp.post("/shipments")
@allow("sales.manage")
@doc("Ship to a buyer: each line's weight (or units of its pack size) leaves the stock first in first out; a "
     "missing price is the buyer's list price; a line beyond what is on hand answers 422 saying how much is; a "
     "price far from the list is kept", body=ShipmentIn, response=ShipmentOut, status=201, tag="sales")
def shipment_create():
    data = json_body(ShipmentIn)
    db = request_session()
    shipment = sales.create_shipment(db, data, g.user, confirm_far_prices=True)
    db.commit()
    return created(ShipmentOut, shipment, **_settled(shipment))


@bp.get("/shipments")
@allow("reports.read")
@doc("Shipments, newest first", response=ShipmentOut, many=True, tag="sales",
     query={"from": "first day (YYYY-MM-DD)", "to": "day after the last (YYYY-MM-DD)", "buyer": "buyer id"})
def shipment_list():
    query = sales.shipments_query(query_date("from"), query_date("to"), query_id("buyer"))
    return listing(query, ShipmentOut, each=_settled)


@bp.get("/shipments/<int:shipment_id>")
@allow("reports.read")
@doc("One shipment, each line with the harvest records it came from", response=ShipmentDetailOut, tag="sales")
def shipment_detail(shipment_id: int):
    shipment = sales.get_shipment(request_session(), shipment_id)
    return out(ShipmentDetailOut, shipment, **_traced(shipment))


@bp.post("/shipments/<int:shipment_id>/cancel")
@allow("sales.manage")
@doc("Cancel a shipment with a reason: its kilograms go back to the harvest lots they were taken from and the "
     "record stays; one with payments answers 422 unless `payments_as_credit` keeps them as the buyer's credit",
     body=CancelIn, response=ShipmentOut, tag="sales", errors={409: "already cancelled"})
def shipment_cancel(shipment_id: int):
    data = json_body(CancelIn)
    db = request_session()
    shipment = sales.cancel_shipment(db, shipment_id, data, g.user)
    db.commit()
    return out(ShipmentOut, shipment, **_settled(shipment))


@bp.post("/shipments/<int:shipment_id>/payments")
@allow("sales.manage")
@doc("Record money received against a shipment; more than is owed is kept as the buyer's credit",
     body=PaymentIn, response=ShipmentPaymentOut, status=201, tag="sales")
def payment_create(shipment_id: int):
    data = json_body(PaymentIn)
    db = request_session()
    payment = sales.record_payment(db, shipment_id, data, g.user)
    db.commit()
    return created(ShipmentPaymentOut, payment)


@bp.get("/receivables")
@allow("reports.read")
@doc("What each buyer owes on a day (default today) by age since shipped, what is overdue, and credit",
     response=ReceivableOut, many=True, about=ReceivablesAbout, tag="sales",
     query={"on": "the day ages are counted on (YYYY-MM-DD)"})
def receivable_list():
    on = query_date("on") or clock.today()
    rows = sales.receivables(request_session(), on)
    totals = sales.receivable_totals(rows)
    about = out(ReceivablesAbout, None, on=on, outstanding=totals["outstanding"], overdue=totals["overdue"],
                credit=totals["credit"])
    return listing(rows, ReceivableOut, about, each=_receivable)
