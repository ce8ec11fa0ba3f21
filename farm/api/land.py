"""Land transfer in the API: households, contracts, their rent schedule, payments and reminders."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from flask import Blueprint, g, request
from pydantic import BeforeValidator, Field, model_validator

from farm import clock
from farm.api import Code, Money, Name, Number, Out, Param, created, doc, json_body, listing, out, query_int, view
from farm.db import request_session
from farm.inputs.land import ContractChange, ContractIn, HouseholdChange, HouseholdIn, PaymentIn
from farm.permissions import allow
from farm.services import land
from farm.vocab import ContractStatus, DueStatus, HouseholdStatus, MonitorKind, PaymentMethod, ReminderKind

bp = Blueprint("land", __name__)


class HouseholdOut(Out):
    """A household; `phone`, `id_number` and `bank_account` masked unless the reader may see them."""

    id: int
    name: str
    village_group: str
    members: int
    labour: int
    status: HouseholdStatus
    monitor_kind: MonitorKind | None
    phone: str
    id_number: str
    bank_name: str
    bank_account: str
    contract_period_end: date | None


class ParcelOut(Out):
    name: str
    code: str
    area_mu: Number
    east: str
    south: str
    west: str
    north: str
    land_type: str


class EscalationOut(Out):
    every_years: int = Field(validation_alias="escalation_every_years")
    percent: Number = Field(validation_alias="escalation_percent")


def _escalation(contract):
    """A contract's rent rise, or None when its rent never rises."""
    return contract if contract is not None and contract.escalation_every_years else None


class ContractOut(Out):
    """A contract; `status` reads `expired` once an active contract's end date has passed."""

    id: int
    number: str
    household_id: int
    household: Name
    area_mu: Number
    rent_per_mu_year: Money
    start_date: date
    end_date: date
    delivery_date: date | None
    payment_month_day: str
    escalation: Annotated[EscalationOut | None, BeforeValidator(_escalation)]
    late_fee_per_10k: Annotated[Number | None, Field(
        description="late fee a day, in ten-thousandths (万分之) of the rent due")]
    deposit: Money | None
    village_filed_on: date | None
    township_filed_on: date | None
    status: ContractStatus
    parcels: list[ParcelOut]
    greenhouses: list[Code]

    @model_validator(mode="before")
    @classmethod
    def _self(cls, contract):
        """`escalation` is read from the contract's own columns."""
        return view(contract, escalation=contract)


class DueOut(Out):
    due_date: date
    period_start: date
    period_end: date
    rent_per_mu: Money
    amount: Money
    paid: Money
    outstanding: Money
    status: DueStatus
    days_late: int
    late_fee: Money


class ScheduleAbout(Out):
    """A contract's rent schedule in sum: what is due in all, paid, outstanding, overdue, late fees and credit."""

    total: Money
    paid: Money
    outstanding: Money
    overdue: Money
    late_fees: Money
    credit: Money


class PaymentOut(Out):
    id: int
    contract_id: int
    paid_on: date
    amount: Money
    method: PaymentMethod
    receipt_no: str


class ReminderOut(Out):
    kind: ReminderKind
    contract_id: int
    contract_number: str
    household_id: int
    household_name: str
    on: date
    amount: Money | None
    days: int | None
    detail: str


@bp.post("/households")
@allow("land.manage")
@doc("Register a village household", body=HouseholdIn, response=HouseholdOut, status=201, tag="land")
def household_create():
    data = json_body(HouseholdIn)
    db = request_session()
    household = land.create_household(db, data)
    db.commit()
    return created(HouseholdOut, household, **land.personal(household, g.user))


@bp.get("/households")
@allow("land.read")
@doc("Village households; ID numbers, bank accounts and phones masked unless the role may see them",
     response=HouseholdOut, many=True, tag="land",
     query={"village_group": "village group", "status": Param("category", HouseholdStatus)})
def household_list():
    rows = land.list_households(request_session(), request.args.get("village_group"), request.args.get("status"))
    return listing(rows, HouseholdOut, each=lambda h: land.personal(h, g.user))


@bp.get("/households/<int:household_id>")
@allow("land.read")
@doc("One household", response=HouseholdOut, tag="land")
def household_detail(household_id: int):
    household = land.get_household(request_session(), household_id)
    return out(HouseholdOut, household, **land.personal(household, g.user))


@bp.patch("/households/<int:household_id>")
@allow("land.manage")
@doc("Change a household; only the fields given change. `monitor_kind` is kept only while `status` is "
     "`monitored` (null otherwise)", body=HouseholdChange, response=HouseholdOut, tag="land")
def household_update(household_id: int):
    data = json_body(HouseholdChange)
    db = request_session()
    household = land.update_household(db, household_id, data)
    db.commit()
    return out(HouseholdOut, household, **land.personal(household, g.user))


@bp.post("/contracts")
@allow("land.manage")
@doc("Make a land-transfer contract with its parcels", body=ContractIn, response=ContractOut, status=201,
     tag="land")
def contract_create():
    data = json_body(ContractIn)
    db = request_session()
    contract = land.create_contract(db, data)
    db.commit()
    return created(ContractOut, contract, status=land.effective_status(contract))


@bp.get("/contracts")
@allow("land.read")
@doc("Contracts", response=ContractOut, many=True, tag="land",
     query={"status": Param("contract status", ContractStatus), "village_group": "village group",
            "household_id": "household id"})
def contract_list():
    today = clock.today()
    status = land.status_filter(request.args.get("status"))
    query = land.contracts_query(status, request.args.get("village_group"),
                                 query_int("household_id", 0) or None, today=today)
    return listing(query, ContractOut, each=lambda c: {"status": land.effective_status(c, today)})


@bp.get("/contracts/<int:contract_id>")
@allow("land.read")
@doc("One contract", response=ContractOut, tag="land")
def contract_detail(contract_id: int):
    contract = land.get_contract(request_session(), contract_id)
    return out(ContractOut, contract, status=land.effective_status(contract))


@bp.patch("/contracts/<int:contract_id>")
@allow("land.manage")
@doc("Change a contract; only the fields given change, and the whole contract is checked as a new one is (its "
     "household's 承包期, parcels already leased, a unique number). Null clears an optional field; the status "
     "changes by activation or termination", body=ContractChange, response=ContractOut, tag="land")
def contract_update(contract_id: int):
    data = json_body(ContractChange)
    db = request_session()
    contract = land.change_contract(db, contract_id, data)
    db.commit()
    return out(ContractOut, contract, status=land.effective_status(contract))


@bp.get("/contracts/<int:contract_id>/schedule")
@allow("land.read")
@doc("The contract's rent schedule, payments allocated oldest due first; `credit` is paid beyond every due",
     response=DueOut, many=True, about=ScheduleAbout, tag="land")
def contract_schedule(contract_id: int):
    plan = land.contract_schedule(request_session(), contract_id)
    return listing(plan.dues, DueOut, out(ScheduleAbout, plan))


@bp.get("/contracts/<int:contract_id>/payments")
@allow("land.read")
@doc("Payments on a contract", response=PaymentOut, many=True, tag="land")
def payment_list(contract_id: int):
    return listing(land.get_contract(request_session(), contract_id).payments, PaymentOut)


@bp.post("/contracts/<int:contract_id>/payments")
@allow("land.manage")
@doc("Record rent paid to the household", body=PaymentIn, response=PaymentOut, status=201, tag="land")
def payment_create(contract_id: int):
    data = json_body(PaymentIn)
    db = request_session()
    payment = land.record_payment(db, contract_id, data, user=g.user)
    db.commit()
    return created(PaymentOut, payment)


@bp.get("/land/reminders")
@allow("land.read")
@doc("Rent overdue or due soon, contracts ending soon or not filed", response=ReminderOut, many=True, tag="land")
def reminder_list():
    return listing(land.reminders(request_session()), ReminderOut)
