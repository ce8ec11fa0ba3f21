"""Land transfer in the API: households, contracts, their rent schedule, payments and reminders."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, g, jsonify, request
from pydantic import BaseModel

from farm import clock
from farm.api import created, doc, json_body, listing, plain, query_int
from farm.db import request_session
from farm.inputs.land import ContractIn, HouseholdIn, PaymentIn
from farm.models.land import Household, LandContract, RentPayment
from farm.permissions import allow
from farm.services import land
from farm.services.rent import Due

bp = Blueprint("land", __name__)


class HouseholdOut(BaseModel):
    id: int
    name: str
    village_group: str
    members: int
    status: str
    phone: str
    id_number: str
    bank_name: str
    bank_account: str
    contract_period_end: date | None


class ParcelOut(BaseModel):
    name: str
    code: str
    area_mu: float
    east: str
    south: str
    west: str
    north: str
    land_type: str


class ContractOut(BaseModel):
    id: int
    number: str
    household_id: int
    household: str
    area_mu: float
    rent_per_mu_year: float
    start_date: date
    end_date: date
    payment_month_day: str
    status: str
    parcels: list[ParcelOut]
    greenhouses: list[str]


class DueOut(BaseModel):
    due_date: date
    period_start: date
    period_end: date
    rent_per_mu: float
    amount: float
    paid: float
    outstanding: float
    status: str
    days_late: int
    late_fee: float


class PaymentOut(BaseModel):
    id: int
    contract_id: int
    paid_on: date
    amount: float
    method: str
    receipt_no: str


class ReminderOut(BaseModel):
    kind: str
    contract_id: int
    contract_number: str
    household_id: int
    household_name: str
    on: date
    amount: float | None
    days: int | None
    detail: str


def household_json(h: Household) -> dict:
    return {"id": h.id, "name": h.name, "village_group": h.village_group, "members": h.members,
            "status": h.status, "bank_name": h.bank_name, "contract_period_end": h.contract_period_end,
            **land.personal(h, g.user)}


def contract_json(c: LandContract, today: date | None = None) -> dict:
    return {
        "id": c.id, "number": c.number, "household_id": c.household_id, "household": c.household.name,
        "area_mu": c.area_mu, "rent_per_mu_year": c.rent_per_mu_year, "start_date": c.start_date,
        "end_date": c.end_date, "delivery_date": c.delivery_date, "payment_month_day": c.payment_month_day,
        "escalation": ({"every_years": c.escalation_every_years, "percent": c.escalation_percent}
                       if c.escalation_every_years else None),
        "late_fee_per_10k": c.late_fee_per_10k, "deposit": c.deposit,
        "village_filed_on": c.village_filed_on, "township_filed_on": c.township_filed_on,
        "status": land.effective_status(c, today),
        "parcels": [{"name": p.name, "code": p.code, "area_mu": p.area_mu, "east": p.east, "south": p.south,
                     "west": p.west, "north": p.north, "land_type": p.land_type} for p in c.parcels],
        "greenhouses": [gh.code for gh in c.greenhouses],
    }


def due_json(d: Due) -> dict:
    return {"due_date": d.due_date, "period_start": d.period_start, "period_end": d.period_end,
            "rent_per_mu": d.rent_per_mu, "amount": d.amount, "paid": d.paid, "outstanding": d.outstanding,
            "status": d.status, "days_late": d.days_late, "late_fee": d.late_fee}


def payment_json(p: RentPayment) -> dict:
    return {"id": p.id, "contract_id": p.contract_id, "paid_on": p.paid_on, "amount": p.amount,
            "method": p.method, "receipt_no": p.receipt_no}


@bp.post("/households")
@allow("land.manage")
@doc("Register a village household", body=HouseholdIn, response=HouseholdOut, status=201, tag="land")
def household_create():
    data = json_body(HouseholdIn)
    db = request_session()
    household = land.create_household(db, data)
    db.commit()
    return created(household_json(household))


@bp.get("/households")
@allow("park.read")
@doc("Village households; ID numbers, bank accounts and phones masked unless the role may see them",
     response=HouseholdOut, many=True, tag="land", query={"village_group": "village group", "status": "status"})
def household_list():
    rows = land.list_households(request_session(), request.args.get("village_group"), request.args.get("status"))
    return listing(rows, household_json)


@bp.get("/households/<int:household_id>")
@allow("park.read")
@doc("One household", response=HouseholdOut, tag="land")
def household_detail(household_id: int):
    return jsonify(plain(household_json(land.get_household(request_session(), household_id))))


@bp.post("/contracts")
@allow("land.manage")
@doc("Make a land-transfer contract with its parcels", body=ContractIn, response=ContractOut, status=201,
     tag="land")
def contract_create():
    data = json_body(ContractIn)
    db = request_session()
    contract = land.create_contract(db, data)
    db.commit()
    return created(contract_json(contract))


@bp.get("/contracts")
@allow("park.read")
@doc("Contracts", response=ContractOut, many=True, tag="land",
     query={"status": "draft|active|expired|terminated", "village_group": "village group",
            "household_id": "household id"})
def contract_list():
    today = clock.today()
    status = land.status_filter(request.args.get("status"))
    query = land.contracts_query(status, request.args.get("village_group"),
                                 query_int("household_id", 0) or None, today=today)
    return listing(query, lambda c: contract_json(c, today))


@bp.get("/contracts/<int:contract_id>")
@allow("park.read")
@doc("One contract", response=ContractOut, tag="land")
def contract_detail(contract_id: int):
    return jsonify(plain(contract_json(land.get_contract(request_session(), contract_id))))


@bp.get("/contracts/<int:contract_id>/schedule")
@allow("park.read")
@doc("The contract's rent schedule, payments allocated oldest due first; `credit` is paid beyond every due",
     response=DueOut, many=True, tag="land")
def contract_schedule(contract_id: int):
    plan = land.contract_schedule(request_session(), contract_id)
    return listing(plan.dues, due_json, total=plan.total, paid=plan.paid, outstanding=plan.outstanding,
                   overdue=plan.overdue, late_fees=plan.late_fees, credit=plan.credit)


@bp.get("/contracts/<int:contract_id>/payments")
@allow("park.read")
@doc("Payments on a contract", response=PaymentOut, many=True, tag="land")
def payment_list(contract_id: int):
    return listing(land.get_contract(request_session(), contract_id).payments, payment_json)


@bp.post("/contracts/<int:contract_id>/payments")
@allow("land.manage")
@doc("Record rent paid to the household", body=PaymentIn, response=PaymentOut, status=201, tag="land")
def payment_create(contract_id: int):
    data = json_body(PaymentIn)
    db = request_session()
    payment = land.record_payment(db, contract_id, data, user=g.user)
    db.commit()
    return created(payment_json(payment))


@bp.get("/land/reminders")
@allow("park.read")
@doc("Rent overdue or due soon, contracts ending soon or not filed", response=ReminderOut, many=True, tag="land")
def reminder_list():
    return listing(land.reminders(request_session()), lambda r: dict(r.__dict__))
