"""Land-transfer pages: households, contracts with parcels, schedule and payments, reminders, print and ledger."""
from __future__ import annotations

import re
from typing import get_args

from flask import Blueprint, Response, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from farm import clock
from farm.db import request_session
from farm.inputs import parse
from farm.inputs.land import (
    ContractFiling,
    ContractIn,
    ContractStatusIn,
    HouseholdChange,
    HouseholdIn,
    NewContractStatus,
    PaymentIn,
)
from farm.models.land import LandContract
from farm.permissions import allow
from farm.services import land, park, privacy, settings
from farm.services.rent import schedule, yuan_in_words
from farm.vocab import ContractStatus, HouseholdStatus, MonitorKind, PaymentMethod, WorkerStatus
from farm.web import LAND, FormState, act_and_redirect, form_action, form_input, nav
from farm.web.dashboard import panel
from farm.web.livelihoods import household_income

bp = Blueprint("land", __name__, url_prefix="/land")
nav("land.contracts", _l("Land contracts"), LAND, 60)
nav("land.households", _l("Households"), LAND, 61)
nav("land.reminders", _l("Rent reminders"), LAND, 62)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PARCEL_FIELDS = ("name", "code", "area_mu", "east", "south", "west", "north", "land_type", "remarks")


def _panel(session) -> dict:
    today = clock.today()
    items = land.reminders(session, today)
    return {"totals": land.totals(session, today), "reminders": items[:5], "more": max(len(items) - 5, 0)}


panel("land/_dashboard.html", _panel, "land.read", 40)
bp.add_app_template_filter(yuan_in_words, "yuan_in_words")


# --- households ----------------------------------------------------------------------------------

@bp.get("/households")
@allow("land.read")
def households():
    db = request_session()
    group = request.args.get("group") or None
    status = HouseholdStatus.get(request.args.get("status"))
    rows = land.list_households(db, group, status)
    return render_template("land/households.html", households=rows, groups=land.village_groups(db), group=group,
                           status=status, statuses=HouseholdStatus.choices(), personal=land.personal,
                           today=clock.today(),
                           effective_status=land.effective_status)


@bp.get("/households/<int:household_id>")
@allow("land.read")
def household(household_id: int):
    db = request_session()
    h = land.get_household(db, household_id)
    workers = land.household_workers(db, h.id)
    return render_template("land/household.html", household=h, seen=land.personal(h, g.user),
                           workers=workers, working=sum(w.status == WorkerStatus.ACTIVE for w in workers),
                           effective_status=land.effective_status,
                           today=clock.today(), income=household_income(db, h.id, request.args.get("year")),
                           last_month=clock.previous_month(clock.month_of(clock.today())))


def _household_form(household=None):
    db = request_session()
    values = {"members": 1, "labour": 0, "status": HouseholdStatus.NONE}
    if household is not None:
        values = {name: getattr(household, name) for name in HouseholdIn.model_fields}
        values["contract_period_end"] = household.contract_period_end.isoformat() if household.contract_period_end \
            else ""
        values = privacy.form_values(values, g.user, land.PERSONAL_FIELDS)

    def save():
        data = form_input(HouseholdIn, **privacy.kept(request.form, household, g.user, land.PERSONAL_FIELDS))
        if household is None:
            saved_id = land.create_household(db, data).id
        else:
            land.update_household(db, household.id, HouseholdChange.whole(data))
            saved_id = household.id
        return url_for("land.household", household_id=saved_id), _("Household saved.")

    state = form_action(values, save)
    if not isinstance(state, FormState):
        return state
    return state.render("land/household_form.html", household=household, groups=land.village_groups(db),
                        seen=land.personal(household, g.user) if household else {},
                        unseen=privacy.unseen(g.user, land.PERSONAL_FIELDS) if household else (),
                        status_options=HouseholdStatus.choices(),
                        monitor_options=[("", "")] + MonitorKind.choices())


@bp.route("/households/new", methods=["GET", "POST"])
@allow("land.manage")
def household_new():
    return _household_form()


@bp.route("/households/<int:household_id>/edit", methods=["GET", "POST"])
@allow("land.manage")
def household_edit(household_id: int):
    return _household_form(land.get_household(request_session(), household_id))


# --- contracts -----------------------------------------------------------------------------------

@bp.get("/contracts")
@allow("land.read")
def contracts():
    db = request_session()
    status = ContractStatus.get(request.args.get("status"))
    group = request.args.get("group") or None
    due = request.args.get("due") if request.args.get("due") in land.DUE_FILTERS else None
    today = clock.today()
    rows = land.list_contracts(db, status, group, due, today)
    return render_template("land/contracts.html", rows=rows, status=status, group=group, due=due,
                           statuses=ContractStatus.choices(), groups=land.village_groups(db), today=today,
                           effective_status=land.effective_status)


@bp.get("/contracts/<int:contract_id>")
@allow("land.read")
def contract(contract_id: int):
    c = land.get_contract(request_session(), contract_id)
    today = clock.today()
    return render_template("land/contract.html", contract=c, plan=schedule(c, today), today=today,
                           status=land.effective_status(c, today), seen=land.personal(c.household, g.user))


def _contract_data(form) -> dict:
    """The contract form as the nested shape ContractIn reads: parcels.N.field rows, escalation.*, greenhouses."""
    data = {k: v for k, v in form.items() if not k.startswith(("parcels.", "escalation."))}
    rows: dict[int, dict] = {}
    for key, value in form.items():
        match = re.fullmatch(r"parcels\.(\d+)\.(\w+)", key)
        if match and match.group(2) in PARCEL_FIELDS:
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = value
    # blank rows are left out, but row numbers stay those of the form so errors land on the right row
    data["parcels"] = [rows[i] for i in sorted(rows) if any((v or "").strip() for v in rows[i].values())]
    escalation = {k: form.get(f"escalation.{k}", "").strip() for k in ("every_years", "percent")}
    if any(escalation.values()):
        data["escalation"] = {k: v for k, v in escalation.items() if v}
    data["greenhouses"] = [c for c in re.split(r"[\s,，、;；]+", form.get("greenhouses", "").upper()) if c]
    return data


def _renumber(errors: dict, form) -> dict:
    """Errors name parcels by their index among filled rows; map them back to the form's row numbers."""
    filled = sorted({int(m.group(1)) for k in form for m in [re.fullmatch(r"parcels\.(\d+)\.(\w+)", k)]
                     if m and any((form.get(f"parcels.{m.group(1)}.{f}") or "").strip() for f in PARCEL_FIELDS)})
    fixed = {}
    for key, why in errors.items():
        match = re.fullmatch(r"parcels\.(\d+)\.(\w+)", key)
        if match and int(match.group(1)) < len(filled):
            key = f"parcels.{filled[int(match.group(1))]}.{match.group(2)}"
        fixed[key] = why
    return fixed


def _contract_values(c: LandContract) -> dict:
    values = {
        "number": c.number, "household_id": c.household_id, "use": c.use,
        "start_date": c.start_date.isoformat(), "end_date": c.end_date.isoformat(),
        "delivery_date": c.delivery_date.isoformat() if c.delivery_date else "",
        "rent_per_mu_year": c.rent_per_mu_year, "payment_month_day": c.payment_month_day,
        "payment_method": c.payment_method, "escalation.every_years": c.escalation_every_years or "",
        "escalation.percent": c.escalation_percent or "", "deposit": c.deposit if c.deposit is not None else "",
        "late_fee_per_10k": c.late_fee_per_10k or "",
        "village_filed_on": c.village_filed_on.isoformat() if c.village_filed_on else "",
        "township_filed_on": c.township_filed_on.isoformat() if c.township_filed_on else "",
        "status": c.status, "greenhouses": ", ".join(gh.code for gh in c.greenhouses), "notes": c.notes,
    }
    for n, p in enumerate(c.parcels):
        for name in PARCEL_FIELDS:
            values[f"parcels.{n}.{name}"] = getattr(p, name)
    return values


def _parcel_rows(values: dict) -> int:
    used = [int(m.group(1)) for k in values for m in [re.fullmatch(r"parcels\.(\d+)\.\w+", k)] if m]
    wanted = request.args.get("rows", type=int) or 0
    return min(max((max(used) + 2) if used else 3, wanted, 3), 40)


def _contract_form(contract=None):
    db = request_session()
    today = clock.today()
    values = {"status": ContractStatus.ACTIVE, "payment_month_day": "03-01", "payment_method": PaymentMethod.BANK,
              "start_date": today.isoformat(), "household_id": request.args.get("household", ""),
              "use": "设施农业（日光温室蔬菜种植）"}
    if contract is not None:
        values = _contract_values(contract)

    def save():
        data = parse(ContractIn, _contract_data(request.form))
        if contract is None:
            saved_id = land.create_contract(db, data).id
        else:
            land.update_contract(db, contract.id, data)
            saved_id = contract.id
        return url_for("land.contract", contract_id=saved_id), _("Contract saved.")

    state = form_action(values, save)
    if not isinstance(state, FormState):
        return state
    # Errors name parcels among the filled rows; the form shows them on its own row numbers.
    state.errors = _renumber(state.errors, request.form)
    # As many parcel rows as the typed (or stored) values use, so none is lost after a refusal.
    return state.render("land/contract_form.html", contract=contract, households=land.list_households(db),
                        rows=_parcel_rows(state.values), methods=PaymentMethod.choices(),
                        statuses=[(s.value, s.label) for s in get_args(NewContractStatus)])


@bp.route("/contracts/new", methods=["GET", "POST"])
@allow("land.manage")
def contract_new():
    return _contract_form()


@bp.route("/contracts/<int:contract_id>/edit", methods=["GET", "POST"])
@allow("land.manage")
def contract_edit(contract_id: int):
    return _contract_form(land.get_contract(request_session(), contract_id))


@bp.post("/contracts/<int:contract_id>/status")
@allow("land.manage")
def contract_status(contract_id: int):
    db = request_session()
    land.get_contract(db, contract_id)

    def do():
        land.change_status(db, contract_id, form_input(ContractStatusIn))
        return _("Contract status changed.")

    return act_and_redirect(do, url_for("land.contract", contract_id=contract_id))


@bp.post("/contracts/<int:contract_id>/filing")
@allow("land.manage")
def contract_filing(contract_id: int):
    db = request_session()
    land.get_contract(db, contract_id)

    def do():
        land.record_filing(db, contract_id, form_input(ContractFiling))
        return _("Filing dates saved.")

    return act_and_redirect(do, url_for("land.contract", contract_id=contract_id))


@bp.route("/contracts/<int:contract_id>/payments/new", methods=["GET", "POST"])
@allow("land.manage")
def payment_new(contract_id: int):
    db = request_session()
    c = land.get_contract(db, contract_id)
    today = clock.today()
    plan = schedule(c, today)
    next_due = plan.next_open()
    values = {"paid_on": today.isoformat(), "method": c.payment_method,
              "amount": next_due.outstanding if next_due else ""}

    def save():
        land.record_payment(db, contract_id, form_input(PaymentIn), today=today, user=g.user)
        return url_for("land.contract", contract_id=contract_id), _("Payment recorded.")

    state = form_action(values, save)
    if not isinstance(state, FormState):
        return state
    if request.method == "POST":
        c = land.get_contract(db, contract_id)  # the contract as it stands after the rollback
    return state.render("land/payment_form.html", contract=c, plan=plan, next_due=next_due,
                        methods=PaymentMethod.choices())


@bp.get("/contracts/<int:contract_id>/print")
@allow("land.read")
def contract_print(contract_id: int):
    c = land.get_contract(request_session(), contract_id)
    today = clock.today()
    return render_template("land/print.html", contract=c, plan=schedule(c, today),
                           seen=land.personal(c.household, g.user), park=park.get_park(request_session()))


@bp.get("/reminders")
@allow("land.read")
def reminders():
    db, today = request_session(), clock.today()
    return render_template("land/reminders.html", reminders=land.reminders(db, today), today=today,
                           due_days=settings.get(db, "land.remind_due_days", on=today),
                           ending_days=settings.get(db, "land.remind_ending_days", on=today))


@bp.get("/ledger.xlsx")
@allow("reports.read")
def ledger():
    today = clock.today()
    body = land.ledger_workbook(request_session(), g.user, today)
    name = f"land-ledger-{today.isoformat()}.xlsx"
    return Response(body, mimetype=XLSX, headers={"Content-Disposition": f"attachment; filename={name}"})
