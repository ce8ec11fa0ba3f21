"""Land transfer: households, contracts and their parcels, rent payments, reminders, totals and the ledger.

The rent arithmetic lives in farm.services.rent; this module holds the park's rules around it.
Every function that depends on the date takes `today` (default: the park's today), so tests and
the scheduler can pass a fixed day.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from farm import clock
from farm.errors import Conflict, Invalid, NotFound
from farm.inputs import parse
from farm.inputs.land import (
    ContractChange,
    ContractFiling,
    ContractIn,
    ContractStatusIn,
    HouseholdChange,
    HouseholdIn,
    ParcelIn,
    PaymentIn,
)
from farm.models.land import Household, LandContract, Parcel, RentPayment, contract_greenhouses
from farm.models.people import Worker
from farm.services import park, privacy, settings, workbook
from farm.services.rent import ZERO, Schedule, schedule, term_end
from farm.services.settings import SettingSpec
from farm.vocab import ContractStatus, DueStatus, HouseholdStatus, ReminderKind, label

settings.register(SettingSpec("land.remind_due_days", 30, int, _l("Remind of rent due within"), _l("days"),
                              Decimal(1)))
settings.register(SettingSpec("land.remind_ending_days", 180, int, _l("Remind of contracts ending within"),
                              _l("days"), Decimal(1)))


# --- personal data -------------------------------------------------------------------------------

# A household's personal data, shown as farm.services.privacy rules.
PERSONAL_FIELDS = ("id_number", "bank_account", "phone")


def personal(household: Household, user) -> dict:
    """The household's ID number, bank account and phone as this user may see them (farm.services.privacy)."""
    return privacy.personal(household, user, PERSONAL_FIELDS)


# --- households ----------------------------------------------------------------------------------

def get_household(session: Session, household_id: int) -> Household:
    household = session.get(Household, household_id)
    if household is None:
        raise NotFound(_l("There is no household %(id)s.", id=household_id))
    return household


def list_households(session: Session, group: str | None = None, status: str | None = None) -> list[Household]:
    query = select(Household).options(selectinload(Household.contracts).selectinload(LandContract.parcels))
    if group:
        query = query.where(Household.village_group == group)
    if status:
        query = query.where(Household.status == status)
    return list(session.scalars(query.order_by(Household.village_group, Household.name, Household.id)))


def village_groups(session: Session) -> list[str]:
    rows = session.scalars(select(Household.village_group).distinct().order_by(Household.village_group))
    return [g for g in rows if g]


def _check_household(session: Session, period_end: date | None, household: Household | None = None) -> None:
    if period_end is None or household is None:
        return
    for contract in household.contracts:
        if (contract.status in (ContractStatus.DRAFT, ContractStatus.ACTIVE)
                and contract.end_date > period_end):
            msg = _l("Contract %(number)s runs until %(date)s, past this land-contract period.",
                     number=contract.number, date=contract.end_date.isoformat())
            raise Invalid(msg, {"contract_period_end": msg})


def _monitor_kind(status: str, kind: str | None) -> str | None:
    """A monitor kind belongs to a monitored household only (which may have none yet); otherwise it is null."""
    return kind if status == HouseholdStatus.MONITORED else None


def create_household(session: Session, data: HouseholdIn) -> Household:
    """Register a household."""
    values = data.model_dump()
    values["monitor_kind"] = _monitor_kind(data.status, data.monitor_kind)
    household = Household(**values)
    session.add(household)
    session.flush()
    return household


# Fields of a household that cannot be emptied: null for one of them is refused; a text given as null is emptied.
REQUIRED_HOUSEHOLD_FIELDS = ("name", "members", "labour", "status")
TEXT_HOUSEHOLD_FIELDS = ("village_group", "phone", "id_number", "address", "bank_name", "bank_account", "notes")


def partial_change(data, required: tuple[str, ...], texts: tuple[str, ...]) -> dict:
    """The fields a partial change (PATCH) gives: a required one given as null is refused (naming each), a text
    given as null becomes empty; the others pass as given (null clears them)."""
    changes = data.model_dump(exclude_unset=True)
    missing = {name: _l("This field is required.") for name in required if name in changes and changes[name] is None}
    if missing:
        raise Invalid(_l("Some fields are not valid."), missing)
    for name in texts:
        if name in changes and changes[name] is None:
            changes[name] = ""
    return changes


def update_household(session: Session, household_id: int, data: HouseholdChange) -> Household:
    """Change the fields `data` gives (the page's form gives them all: `HouseholdChange.whole`). A monitor kind
    is kept only while the household is monitored; a land-contract period may not end before a contract does."""
    household = get_household(session, household_id)
    changes = partial_change(data, REQUIRED_HOUSEHOLD_FIELDS, TEXT_HOUSEHOLD_FIELDS)
    if "contract_period_end" in changes:
        _check_household(session, changes["contract_period_end"], household)
    status = changes.get("status", household.status)
    changes["monitor_kind"] = _monitor_kind(status, changes.get("monitor_kind", household.monitor_kind))
    for name, value in changes.items():
        setattr(household, name, value)
    session.flush()
    return household


def household_workers(session: Session, household_id: int) -> list[Worker]:
    """The park's workers who belong to a household, those working first, then by name."""
    return list(session.scalars(select(Worker).where(Worker.household_id == household_id)
                                .order_by(Worker.status, Worker.name, Worker.id)))


# --- contracts -----------------------------------------------------------------------------------

# The contract list's `due` filter: rent due within the reminder window, or overdue rent.
DUE_SOON, DUE_OVERDUE = "soon", "overdue"
DUE_FILTERS = (DUE_SOON, DUE_OVERDUE)
# Dues not paid and not yet late: the ones a reminder of rent due soon is about.
OPEN_DUE = (DueStatus.DUE, DueStatus.PARTIAL)


def effective_status(contract: LandContract, today: date | None = None) -> str:
    """The stored status, except that an active contract past its end date reads `expired`."""
    today = today or clock.today()
    if contract.status == ContractStatus.ACTIVE and contract.end_date < today:
        return ContractStatus.EXPIRED
    return contract.status


def get_contract(session: Session, contract_id: int) -> LandContract:
    contract = session.get(LandContract, contract_id)
    if contract is None:
        raise NotFound(_l("There is no contract %(id)s.", id=contract_id))
    return contract


def contracts_query(status: str | None = None, group: str | None = None, household_id: int | None = None,
                    today: date | None = None):
    """A select of contracts, filtered by effective status, village group and household, oldest first."""
    today = today or clock.today()
    query = select(LandContract).options(
        selectinload(LandContract.parcels), selectinload(LandContract.payments),
        selectinload(LandContract.household), selectinload(LandContract.greenhouses),
    )
    if status == ContractStatus.ACTIVE:
        query = query.where(LandContract.status == ContractStatus.ACTIVE, LandContract.end_date >= today)
    elif status == ContractStatus.EXPIRED:
        query = query.where(or_(LandContract.status == ContractStatus.EXPIRED,
                                and_(LandContract.status == ContractStatus.ACTIVE, LandContract.end_date < today)))
    elif status:
        query = query.where(LandContract.status == status)
    if group:
        query = query.where(LandContract.household.has(Household.village_group == group))
    if household_id:
        query = query.where(LandContract.household_id == household_id)
    return query.order_by(LandContract.number, LandContract.id)


def greenhouse_contracts(session: Session, greenhouse_id: int, today: date | None = None) -> list[LandContract]:
    """The contracts whose land a greenhouse stands on, with their households: those in force first (active and
    not past their end), then drafts, then the rest, each by start date, newest first."""
    today = today or clock.today()
    rows = session.scalars(
        select(LandContract).options(joinedload(LandContract.household))
        .join(contract_greenhouses, contract_greenhouses.c.contract_id == LandContract.id)
        .where(contract_greenhouses.c.greenhouse_id == greenhouse_id)).unique().all()
    rank = {ContractStatus.ACTIVE.value: 0, ContractStatus.DRAFT.value: 1}
    by_start = sorted(rows, key=lambda c: (c.start_date, c.id), reverse=True)
    return sorted(by_start, key=lambda c: rank.get(effective_status(c, today), 2))


def status_filter(status: str | None) -> str | None:
    """A contract status from a query, None for all; Invalid when it is no ContractStatus."""
    if status and ContractStatus.get(status) is None:
        msg = _l("Not one of the allowed choices.")
        raise Invalid(msg, {"status": msg})
    return status or None


def list_contracts(session: Session, status: str | None = None, group: str | None = None,
                   due: str | None = None, today: date | None = None) -> list[tuple[LandContract, Schedule]]:
    """Contracts with their schedules; `due` is `soon` (rent due within the reminder window) or `overdue`."""
    today = today or clock.today()
    rows = [(c, schedule(c, today)) for c in session.scalars(contracts_query(status_filter(status), group,
                                                                              today=today))]
    if due == DUE_OVERDUE:
        rows = [(c, s) for c, s in rows if s.overdue > 0]
    elif due == DUE_SOON:
        horizon = today + timedelta(days=settings.get(session, "land.remind_due_days", on=today))
        rows = [(c, s) for c, s in rows if c.status == ContractStatus.ACTIVE
                and any(d.status in OPEN_DUE and today <= d.due_date <= horizon for d in s.dues)]
    return rows


def _check_terms(session: Session, data: ContractIn, household: Household, contract_id: int | None) -> None:
    if data.end_date <= data.start_date:
        msg = _l("The end date must be after the start date.")
        raise Invalid(msg, {"end_date": msg})
    end = household.contract_period_end
    if end is not None and data.end_date > end:
        msg = _l("The term runs past the household's own land-contract period (承包期), which ends on %(date)s.",
                 date=end.isoformat())
        raise Invalid(msg, {"end_date": msg})
    if data.delivery_date and data.delivery_date > data.end_date:
        msg = _l("The land must be delivered before the term ends.")
        raise Invalid(msg, {"delivery_date": msg})
    if not data.parcels:
        msg = _l("Add at least one parcel.")
        raise Invalid(msg, {"parcels": msg})
    codes = [p.code for p in data.parcels]
    for index, code in enumerate(codes):
        if code in codes[:index]:
            msg = _l("Parcel code %(code)s is listed twice.", code=code)
            raise Invalid(msg, {f"parcels.{index}.code": msg})
    clash = session.execute(
        select(Parcel.code, LandContract.number)
        .join(LandContract, Parcel.contract_id == LandContract.id)
        .where(Parcel.code.in_(codes), LandContract.status == ContractStatus.ACTIVE,
               LandContract.start_date <= data.end_date, LandContract.end_date >= data.start_date,
               or_(LandContract.terminated_on.is_(None), LandContract.terminated_on >= data.start_date))
        .where(LandContract.id != (contract_id or 0))
    ).first()
    if clash is not None:
        msg = _l("Parcel %(code)s is already under active contract %(number)s.", code=clash.code,
                 number=clash.number)
        raise Conflict(msg, {f"parcels.{codes.index(clash.code)}.code": msg})
    taken = session.scalar(select(LandContract.id).where(LandContract.number == data.number,
                                                         LandContract.id != (contract_id or 0)))
    if taken is not None:
        msg = _l("Contract number %(number)s is already used.", number=data.number)
        raise Conflict(msg, {"number": msg})


def household_for(session: Session, household_id: int) -> Household:
    """The household a record names by id; Invalid (on `household_id`) when there is none."""
    household = session.get(Household, household_id)
    if household is None:
        msg = _l("There is no household %(id)s.", id=household_id)
        raise Invalid(msg, {"household_id": msg})
    return household


def _apply(contract: LandContract, data: ContractIn) -> None:
    contract.number = data.number
    contract.use = data.use
    contract.start_date, contract.end_date, contract.delivery_date = data.start_date, data.end_date, data.delivery_date
    contract.rent_per_mu_year = data.rent_per_mu_year
    contract.payment_month_day = data.payment_month_day
    contract.payment_method = data.payment_method
    contract.escalation_every_years = data.escalation.every_years if data.escalation else None
    contract.escalation_percent = data.escalation.percent if data.escalation else None
    contract.deposit = data.deposit
    contract.late_fee_per_10k = data.late_fee_per_10k or None
    contract.village_filed_on, contract.township_filed_on = data.village_filed_on, data.township_filed_on
    contract.notes = data.notes


def create_contract(session: Session, data: ContractIn) -> LandContract:
    """Make a contract with its parcels; refuses terms past the 承包期 and parcels already leased (409)."""
    household = household_for(session, data.household_id)
    _check_terms(session, data, household, None)
    greenhouses = park.greenhouses_by_code(session, data.greenhouses)
    contract = LandContract(household=household, status=data.status)
    _apply(contract, data)
    contract.parcels = [Parcel(**p.model_dump()) for p in data.parcels]
    contract.greenhouses = greenhouses
    session.add(contract)
    session.flush()
    return contract


def update_contract(session: Session, contract_id: int, data: ContractIn) -> LandContract:
    """Change a contract's terms and parcels; its payments stay and are allocated to the new schedule."""
    contract = get_contract(session, contract_id)
    household = household_for(session, data.household_id)
    _check_terms(session, data, household, contract.id)
    greenhouses = park.greenhouses_by_code(session, data.greenhouses)
    contract.household = household
    _apply(contract, data)
    if contract.status == ContractStatus.DRAFT:
        contract.status = data.status
    contract.parcels = [Parcel(**p.model_dump()) for p in data.parcels]
    contract.greenhouses = greenhouses
    session.flush()
    return contract


# A change may not empty these (null is refused); the other fields clear to null, or to "" for texts, [] for lists.
REQUIRED_CONTRACT_FIELDS = ("number", "household_id", "parcels", "start_date", "end_date", "rent_per_mu_year",
                            "payment_month_day", "payment_method")
TEXT_CONTRACT_FIELDS = ("use", "notes")


def contract_terms(contract: LandContract) -> dict:
    """A contract as the fields of ContractIn (what a change starts from)."""
    escalation = ({"every_years": contract.escalation_every_years, "percent": contract.escalation_percent}
                  if contract.escalation_every_years else None)
    return {
        "number": contract.number, "household_id": contract.household_id, "use": contract.use,
        "parcels": [{name: getattr(p, name) for name in ParcelIn.model_fields} for p in contract.parcels],
        "start_date": contract.start_date, "end_date": contract.end_date, "delivery_date": contract.delivery_date,
        "rent_per_mu_year": contract.rent_per_mu_year, "payment_month_day": contract.payment_month_day,
        "payment_method": contract.payment_method, "escalation": escalation, "deposit": contract.deposit,
        "late_fee_per_10k": contract.late_fee_per_10k, "village_filed_on": contract.village_filed_on,
        "township_filed_on": contract.township_filed_on, "status": contract.status,
        "greenhouses": [gh.code for gh in contract.greenhouses], "notes": contract.notes,
    }


def change_contract(session: Session, contract_id: int, data: ContractChange) -> LandContract:
    """Change the fields `data` gives and keep the rest, then check and store the whole contract as update_contract
    does (the contract page's form sends every field to update_contract; this is the API's partial change)."""
    contract = get_contract(session, contract_id)
    changes = partial_change(data, REQUIRED_CONTRACT_FIELDS, TEXT_CONTRACT_FIELDS)
    if "greenhouses" in changes and changes["greenhouses"] is None:
        changes["greenhouses"] = []
    whole = {**contract_terms(contract), **changes}
    if whole["status"] not in (ContractStatus.ACTIVE, ContractStatus.DRAFT):
        whole["status"] = ContractStatus.ACTIVE  # not applied: update_contract changes the status of drafts only
    return update_contract(session, contract_id, parse(ContractIn, whole))


def record_filing(session: Session, contract_id: int, data: ContractFiling) -> LandContract:
    contract = get_contract(session, contract_id)
    contract.village_filed_on = data.village_filed_on
    contract.township_filed_on = data.township_filed_on
    session.flush()
    return contract


def change_status(session: Session, contract_id: int, data: ContractStatusIn,
                  today: date | None = None) -> LandContract:
    """Activate a draft, or terminate an active contract on a date within its term."""
    today = today or clock.today()
    contract = get_contract(session, contract_id)
    if data.status == ContractStatus.ACTIVE:
        if contract.status != ContractStatus.DRAFT:
            raise Conflict(_l("Only a draft contract can be activated."))
        contract.status = ContractStatus.ACTIVE
        session.flush()
        return contract
    if contract.status not in (ContractStatus.ACTIVE, ContractStatus.DRAFT):
        raise Conflict(_l("This contract has already ended."))
    on = data.terminated_on or today
    if not contract.start_date <= on <= contract.end_date:
        msg = _l("The termination date must lie within the term.")
        raise Invalid(msg, {"terminated_on": msg})
    contract.status, contract.terminated_on = ContractStatus.TERMINATED, on
    session.flush()
    return contract


def contract_schedule(session: Session, contract_id: int, today: date | None = None) -> Schedule:
    return schedule(get_contract(session, contract_id), today or clock.today())


# --- payments ------------------------------------------------------------------------------------

def record_payment(session: Session, contract_id: int, data: PaymentIn, today: date | None = None,
                   user=None) -> RentPayment:
    """Record rent paid to the household; it is allocated to the oldest open due."""
    today = today or clock.today()
    contract = get_contract(session, contract_id)
    if contract.status == ContractStatus.DRAFT:
        raise Invalid(_l("A draft contract takes no payments; activate it first."))
    if data.paid_on > today:
        msg = _l("A payment cannot be dated in the future.")
        raise Invalid(msg, {"paid_on": msg})
    if data.receipt_no:
        used = session.scalar(select(RentPayment.id).where(RentPayment.receipt_no == data.receipt_no))
        if used is not None:
            msg = _l("Receipt number %(no)s is already recorded.", no=data.receipt_no)
            raise Conflict(msg, {"receipt_no": msg})
    payment = RentPayment(contract=contract, paid_on=data.paid_on, amount=data.amount, method=data.method,
                          receipt_no=data.receipt_no, notes=data.notes,
                          recorded_by=getattr(user, "id", None))
    session.add(payment)
    session.flush()
    return payment


# --- reminders -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reminder:
    """Something about a contract a manager must act on; `kind` is a ReminderKind, in order of urgency."""

    kind: ReminderKind
    contract_id: int
    contract_number: str
    household_id: int
    household_name: str
    on: date  # the due date, end date or start date it is about
    amount: Decimal | None = None
    days: int | None = None  # days until (positive) or since (negative) `on`
    detail: str = ""  # e.g. which filing is missing: "village", "township" or "both"


def _in_force(session: Session, today: date) -> list[LandContract]:
    in_force = (ContractStatus.ACTIVE, ContractStatus.EXPIRED)
    return list(session.scalars(contracts_query(today=today).where(LandContract.status.in_(in_force))))


def reminders(session: Session, today: date | None = None) -> list[Reminder]:
    """Rent overdue, rent due within the reminder window (30 days by default), active contracts ending
    within 180 days, and contracts not filed with the village or township; most urgent first."""
    today = today or clock.today()
    due_days = settings.get(session, "land.remind_due_days", on=today)
    ending_days = settings.get(session, "land.remind_ending_days", on=today)
    items: list[Reminder] = []
    for contract in _in_force(session, today):
        base = {"contract_id": contract.id, "contract_number": contract.number,
                "household_id": contract.household_id, "household_name": contract.household.name}
        for due in schedule(contract, today).dues:
            if due.status == DueStatus.OVERDUE:
                items.append(Reminder(ReminderKind.RENT_OVERDUE, on=due.due_date, amount=due.outstanding,
                                      days=(due.due_date - today).days, **base))
            elif due.status in OPEN_DUE and today <= due.due_date <= today + timedelta(days=due_days):
                items.append(Reminder(ReminderKind.RENT_DUE, on=due.due_date, amount=due.outstanding,
                                      days=(due.due_date - today).days, **base))
        end = term_end(contract)
        if contract.status == ContractStatus.ACTIVE and today <= end <= today + timedelta(days=ending_days):
            items.append(Reminder(ReminderKind.CONTRACT_ENDING, on=end, days=(end - today).days, **base))
        if contract.status == ContractStatus.ACTIVE and contract.end_date >= today and (
                contract.village_filed_on is None or contract.township_filed_on is None):
            missing = ("both" if contract.village_filed_on is None and contract.township_filed_on is None
                       else "village" if contract.village_filed_on is None else "township")
            items.append(Reminder(ReminderKind.NOT_FILED, on=contract.start_date,
                                  days=(contract.start_date - today).days, detail=missing, **base))
    order = {kind: n for n, kind in enumerate(ReminderKind)}
    return sorted(items, key=lambda r: (order[r.kind], r.on, r.contract_number))


# --- totals for the dashboard ----------------------------------------------------------------------

@dataclass(frozen=True)
class LandTotals:
    contracts: int
    households: int
    area_mu: Decimal
    due_this_year: Decimal
    paid_this_year: Decimal
    overdue: Decimal
    overdue_contracts: int


def totals(session: Session, today: date | None = None) -> LandTotals:
    """Mu under active contracts; rent due this calendar year and how much of it is paid; overdue rent."""
    today = today or clock.today()
    area, due, paid, overdue, late, households, active = ZERO, ZERO, ZERO, ZERO, 0, set(), 0
    for contract in _in_force(session, today):
        plan = schedule(contract, today)
        if effective_status(contract, today) == ContractStatus.ACTIVE:
            active += 1
            area += contract.area_mu
            households.add(contract.household_id)
        for d in plan.dues:
            if d.due_date.year == today.year:
                due += d.amount
                paid += d.paid
        if plan.overdue > 0:
            overdue += plan.overdue
            late += 1
    return LandTotals(active, len(households), area, due, paid, overdue, late)


# --- the ledger (台账) ----------------------------------------------------------------------------

def ledger_workbook(session: Session, user, today: date | None = None) -> bytes:
    """The land ledger as an .xlsx: one sheet of contracts, one of parcels, one of payments.
    ID numbers, bank accounts and phones are masked for users who may not see them."""
    today = today or clock.today()
    contracts = list(session.scalars(contracts_query(today=today)))
    heads = [_l("Contract number"), _l("Household"), _l("Village group"), _l("Household status"), _l("Members"),
             _l("ID number"), _l("Phone"), _l("Bank"), _l("Bank account"), _l("Area (mu)"),
             _l("Rent (yuan/mu/year)"), _l("Start date"), _l("End date"), _l("Payment day"), _l("Status"),
             _l("Rent to date"), _l("Paid"), _l("Outstanding"), _l("Overdue"), _l("Late fees"), _l("Credit"),
             _l("Filed with the village"), _l("Filed with the township"), _l("Greenhouses")]
    rows = []
    for contract in contracts:
        plan = schedule(contract, today)
        to_date = [d for d in plan.dues if d.due_date <= today]
        household = contract.household
        seen = personal(household, user)
        rows.append([
            contract.number, household.name, household.village_group, label("household_status", household.status),
            household.members, seen["id_number"], seen["phone"], household.bank_name, seen["bank_account"],
            contract.area_mu, contract.rent_per_mu_year, contract.start_date, contract.end_date,
            contract.payment_month_day, label("contract_status", effective_status(contract, today)),
            sum((d.amount for d in to_date), ZERO), plan.paid, sum((d.outstanding for d in to_date), ZERO),
            plan.overdue, plan.late_fees, plan.credit, contract.village_filed_on, contract.township_filed_on,
            ", ".join(g.code for g in contract.greenhouses),
        ])
    # Area, rent to date, paid, outstanding, overdue, late fees and credit are summed (when there is a contract).
    totals = (9, 15, 16, 17, 18, 19, 20) if contracts else ()
    parcels = [[contract.number, contract.household.name, p.name, p.code, p.area_mu, p.east, p.south, p.west,
                p.north, p.land_type] for contract in contracts for p in contract.parcels]
    payments = [[contract.number, contract.household.name, p.paid_on, p.amount, label("payment_method", p.method),
                 p.receipt_no] for contract in contracts for p in contract.payments]
    return workbook.xlsx([
        workbook.Table(_l("Contracts"), heads, rows, totals),
        workbook.Table(_l("Parcels"), [_l("Contract number"), _l("Household"), _l("Parcel name"), _l("Parcel code"),
                                       _l("Area (mu)"), _l("East"), _l("South"), _l("West"), _l("North"),
                                       _l("Land type")], parcels),
        workbook.Table(_l("Payments"), [_l("Contract number"), _l("Household"), _l("Paid on"), _l("Amount"),
                                        _l("Method"), _l("Receipt number")], payments),
    ])
