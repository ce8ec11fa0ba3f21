"""Land services on both databases: contract rules, payments, reminders on fixed dates, totals, masking."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from farm.errors import Conflict, Invalid, NotFound
from farm.inputs.land import ContractIn, ContractStatusIn, PaymentIn
from farm.models.land import LandContract, RentPayment
from farm.services import land, privacy
from tests.factories import make_park
from tests.land.factories import contract_data, make_contract, make_household


def _payment(session, contract, paid_on, amount, today, receipt=""):
    contract_id = contract if isinstance(contract, int) else contract.id
    return land.record_payment(session, contract_id, PaymentIn(paid_on=paid_on, amount=D(amount),
                                                               receipt_no=receipt), today=today)


def test_contract_create_with_parcels_and_greenhouses(session):
    make_park(session, greenhouses=3)
    household = make_household(session)
    contract = make_contract(session, household, codes=("P-1", "P-2"), area="6.5", greenhouses=["GH-002", "GH-001"])
    session.commit()
    assert contract.area_mu == D("13.00")
    assert [g.code for g in contract.greenhouses] == ["GH-001", "GH-002"]
    assert [p.code for p in contract.parcels] == ["P-1", "P-2"]


@pytest.mark.parametrize("change, field", [
    ({"end_date": "2024-03-01"}, "end_date"),
    ({"end_date": "2060-02-28"}, "end_date"),  # past the household's 承包期 (2057-12-31)
    ({"parcels": []}, "parcels"),
    ({"household_id": 999}, "household_id"),
    ({"greenhouses": ["GH-999"]}, "greenhouses"),
])
def test_contract_create_refuses_bad_terms(session, change, field):
    make_park(session)
    household = make_household(session)
    session.commit()
    data = contract_data(household.id)
    data.update(change)
    with pytest.raises(Invalid) as error:
        land.create_contract(session, ContractIn.model_validate(data))
    assert field in error.value.fields
    session.rollback()
    assert session.query(LandContract).count() == 0


def test_contract_past_household_period_says_so(app, session):
    household = make_household(session, period_end=date(2026, 12, 31))
    with app.test_request_context(), pytest.raises(Invalid) as error:
        make_contract(session, household)
    assert "2026-12-31" in str(error.value.message)
    assert "承包期" in str(error.value.message)


def test_contract_parcel_under_another_active_contract_conflicts(session):
    first = make_household(session)
    second = make_household(session, name="李桂兰")
    make_contract(session, first, codes=("P-1",))
    session.commit()
    with pytest.raises(Conflict) as error:
        make_contract(session, second, number="TZ-2", codes=("P-9", "P-1"))
    assert "parcels.1.code" in error.value.fields
    session.rollback()
    # a renewal that starts after the active one ends is fine, and so is a terminated contract's parcel
    make_contract(session, second, number="TZ-3", codes=("P-1",), start_date="2027-03-01", end_date="2030-02-28")
    with pytest.raises(Conflict):
        make_contract(session, second, number="TZ-2024-001", codes=("P-7",))  # number taken


def test_contract_duplicate_parcel_code_in_one_contract(session):
    household = make_household(session)
    with pytest.raises(Invalid) as error:
        make_contract(session, household, codes=("P-1", "P-1"))
    assert "parcels.1.code" in error.value.fields


def test_contract_status_expired_and_filters(session):
    household = make_household(session, group="曙光村三组")
    make_contract(session, household)
    make_contract(session, household, number="TZ-D", codes=("P-D",), status="draft")
    session.commit()
    on = date(2027, 3, 1)
    assert [c.number for c, _ in land.list_contracts(session, "expired", today=on)] == ["TZ-2024-001"]
    assert [c.number for c, _ in land.list_contracts(session, "active", today=on)] == []
    assert [c.number for c, _ in land.list_contracts(session, "draft", group="曙光村三组", today=on)] == ["TZ-D"]
    assert land.list_contracts(session, group="曙光村一组", today=on) == []
    with pytest.raises(Invalid):
        land.list_contracts(session, "nonsense")


def test_contract_change_status(session):
    household = make_household(session)
    draft = make_contract(session, household, status="draft")
    land.change_status(session, draft.id, ContractStatusIn(status="active"), today=date(2024, 3, 1))
    assert draft.status == "active"
    with pytest.raises(Conflict):
        land.change_status(session, draft.id, ContractStatusIn(status="active"))
    with pytest.raises(Invalid):
        land.change_status(session, draft.id, ContractStatusIn(status="terminated", terminated_on=date(2030, 1, 1)))
    land.change_status(session, draft.id, ContractStatusIn(status="terminated", terminated_on=date(2025, 8, 31)))
    assert [d.amount for d in land.contract_schedule(session, draft.id, date(2025, 9, 1)).dues] == [
        D("8000.00"), D("4032.88")]


def test_payment_rules(session):
    household = make_household(session)
    contract = make_contract(session, household)
    today = date(2024, 6, 1)
    with pytest.raises(Invalid) as error:
        _payment(session, contract, date(2024, 6, 2), "100", today)
    assert "paid_on" in error.value.fields
    _payment(session, contract, date(2024, 3, 5), "8000", today, receipt="R-1")
    with pytest.raises(Conflict):
        _payment(session, contract, date(2024, 3, 6), "10", today, receipt="R-1")
    with pytest.raises(NotFound):
        _payment(session, 999, date(2024, 3, 6), "10", today)
    draft = make_contract(session, household, number="TZ-D", codes=("P-D",), status="draft")
    with pytest.raises(Invalid):
        _payment(session, draft, date(2024, 3, 6), "10", today)
    session.commit()
    assert session.query(RentPayment).count() == 1
    plan = land.contract_schedule(session, contract.id, today)
    assert [d.status for d in plan.dues] == ["paid", "due", "due"]


def test_reminders_on_fixed_dates(session):
    # A: 8,000 due every 03-01 from 2024, unpaid in 2025 → overdue on 2025-03-10; filed with both.
    # B: payment day 04-01, ends 2025-08-31 → rent due within 30 days and ending within 180 days; not filed.
    one, two = make_household(session), make_household(session, name="张玉梅")
    a = make_contract(session, one, village_filed_on="2024-03-10", township_filed_on="2024-03-20")
    make_contract(session, two, number="TZ-B", codes=("P-B",), start_date="2024-04-01", end_date="2025-08-31",
                  payment_month_day="04-01", village_filed_on="2024-04-05")
    make_contract(session, two, number="TZ-DRAFT", codes=("P-X",), status="draft")  # drafts remind of nothing
    _payment(session, a, date(2024, 3, 1), "8000", date(2024, 3, 1))
    session.commit()
    items = land.reminders(session, date(2025, 3, 10))
    assert [(r.kind, r.contract_number, r.on, r.amount, r.days, r.detail) for r in items] == [
        ("rent_overdue", "TZ-B", date(2024, 4, 1), D("8000.00"), -343, ""),
        ("rent_overdue", "TZ-2024-001", date(2025, 3, 1), D("8000.00"), -9, ""),
        # 2025-04-01..2025-08-31 is 153 of 365 days: 8,000 × 153 / 365 = 3,353.424… → 3,353.42
        ("rent_due", "TZ-B", date(2025, 4, 1), D("3353.42"), 22, ""),
        ("contract_ending", "TZ-B", date(2025, 8, 31), None, 174, ""),
        ("not_filed", "TZ-B", date(2024, 4, 1), None, -343, "township"),
    ]
    # A year earlier A is paid and B's first rent is due in exactly 30 days.
    assert [(r.kind, r.contract_number, r.days) for r in land.reminders(session, date(2024, 3, 2))] == [
        ("rent_due", "TZ-B", 30), ("not_filed", "TZ-B", 30)]


def test_reminders_due_soon_window(session):
    household = make_household(session)
    contract = make_contract(session, household, village_filed_on="2024-03-01", township_filed_on="2024-03-01")
    _payment(session, contract, date(2024, 3, 1), "8000", date(2024, 3, 1))
    session.commit()
    assert [r.kind for r in land.reminders(session, date(2025, 1, 29))] == []
    assert [(r.kind, r.days) for r in land.reminders(session, date(2025, 1, 30))] == [("rent_due", 30)]
    assert [(r.kind, r.days) for r in land.reminders(session, date(2025, 3, 1))] == [("rent_due", 0)]
    assert [(r.kind, r.days) for r in land.reminders(session, date(2025, 3, 2))] == [("rent_overdue", -1)]


def test_totals_for_the_dashboard(session):
    household = make_household(session)
    contract = make_contract(session, household, codes=("P-1", "P-2"), area="5")
    make_contract(session, household, number="TZ-D", codes=("P-D",), status="draft")
    _payment(session, contract, date(2025, 3, 1), "8000", date(2025, 3, 1))  # pays 2024's due
    session.commit()
    t = land.totals(session, date(2025, 6, 1))
    assert (t.contracts, t.households, t.area_mu) == (1, 1, D("10.00"))
    assert (t.due_this_year, t.paid_this_year, t.overdue, t.overdue_contracts) == (
        D("8000.00"), D("0"), D("8000.00"), 1)


def test_mask():
    assert privacy.mask("150303196805121234") == "1503**********1234"
    assert privacy.mask("13847312345", 3, 4) == "138****2345"
    assert privacy.mask("") == "" and privacy.mask("12") == "**"
