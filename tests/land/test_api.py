"""The land API (docs/api.md): households, contracts, schedule, payments; bad input and masking."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from farm import clock
from farm.models.land import Household, LandContract, RentPayment
from tests.factories import make_park
from tests.land.factories import contract_data, make_contract, make_household

# "Today" and "now" stand still through each test (and cannot roll over midnight under it).
pytestmark = pytest.mark.usefixtures("frozen_clock")


def _counts(session):
    session.expire_all()
    return (session.query(Household).count(), session.query(LandContract).count(),
            session.query(RentPayment).count())


def test_api_household_create(client, session, tokens):
    body = {"name": "王建国", "village_group": "曙光村一组", "members": 4, "status": "lifted",
            "id_number": "15030319680512123x", "phone": "13847312345", "contract_period_end": "2057-12-31"}
    response = client.post("/api/v1/households", json=body, headers=tokens["manager"])
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["id"] and data["status"] == "lifted" and data["id_number"] == "1503**********123X"
    stored = session.get(Household, data["id"])
    assert stored.id_number == "15030319680512123X"  # kept in full, shown in full to an admin only


@pytest.mark.parametrize("body, field", [
    ({"village_group": "一组"}, "name"),
    ({"name": "王", "status": "poor"}, "status"),
    ({"name": "王", "members": 0}, "members"),
    ({"name": "王", "id_number": "1503"}, "id_number"),
    ({"name": "王", "bank_account": "12ab"}, "bank_account"),
])
def test_api_household_bad_input(client, session, tokens, body, field):
    response = client.post("/api/v1/households", json=body, headers=tokens["manager"])
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert _counts(session) == (0, 0, 0)


def test_api_household_personal_data_per_role(client, session, tokens):
    household = make_household(session)
    session.commit()
    masked_id, masked_bank = "1503**********1234", "6228***********1234"
    expected = {  # role: (id_number, bank_account, phone)
        "viewer": ("*" * 18, "*" * 19, "*" * 11),
        "official": (masked_id, masked_bank, "13847312345"),
        "manager": (masked_id, masked_bank, "13847312345"),
        "admin": ("150303196805121234", "6228480123456781234", "13847312345"),
    }
    for role, (id_number, bank_account, phone) in expected.items():
        one = client.get(f"/api/v1/households/{household.id}", headers=tokens[role]).get_json()
        listed = client.get("/api/v1/households", headers=tokens[role]).get_json()["items"][0]
        for shown in (one, listed):
            assert (shown["id_number"], shown["bank_account"], shown["phone"]) == (id_number, bank_account, phone), role
    assert client.get("/api/v1/households", headers=tokens["worker"]).status_code == 403
    assert client.post("/api/v1/households", json={"name": "x"}, headers=tokens["viewer"]).status_code == 403


def test_api_contract_create_list_and_schedule(client, session, tokens):
    make_park(session)
    household = make_household(session)
    session.commit()
    body = contract_data(household.id, codes=("P-1", "P-2"), area="6", escalation={"every_years": 1, "percent": 10},
                         greenhouses=["GH-001"])
    response = client.post("/api/v1/contracts", json=body, headers=tokens["manager"])
    assert response.status_code == 201, response.get_json()
    contract_id = response.get_json()["id"]
    items = client.get("/api/v1/contracts?status=active", headers=tokens["viewer"]).get_json()["items"]
    status = "active" if date(2027, 2, 28) >= clock.today() else "expired"
    if status == "expired":
        items = client.get("/api/v1/contracts?status=expired", headers=tokens["viewer"]).get_json()["items"]
    assert [(i["id"], i["number"], i["household_id"], i["area_mu"], i["rent_per_mu_year"], i["start_date"],
             i["end_date"], i["status"]) for i in items] == [
        (contract_id, "TZ-2024-001", household.id, 12.0, 800.0, "2024-03-01", "2027-02-28", status)]
    schedule = client.get(f"/api/v1/contracts/{contract_id}/schedule", headers=tokens["viewer"]).get_json()
    # 12 mu × 800, +10 % a year: 9,600, 10,560, 11,616
    assert [(d["due_date"], d["amount"]) for d in schedule["items"]] == [
        ("2024-03-01", 9600.0), ("2025-03-01", 10560.0), ("2026-03-01", 11616.0)]
    assert set(schedule["items"][0]) >= {"due_date", "amount", "paid", "status"}
    assert schedule["next"] is None and schedule["credit"] == 0


@pytest.mark.parametrize("change, status, field", [
    ({"end_date": "2024-01-01"}, 422, "end_date"),
    ({"end_date": "2070-02-28"}, 422, "end_date"),
    ({"parcels": [{"name": "a", "code": "P-5", "area_mu": "0"}]}, 422, "parcels.0.area_mu"),
    ({"parcels": [{"name": "a", "code": "P-5", "area_mu": "-3"}]}, 422, "parcels.0.area_mu"),
    ({"parcels": []}, 422, "parcels"),
    ({"household_id": 4242}, 422, "household_id"),
    ({"payment_month_day": "02-30"}, 422, "payment_month_day"),
    ({"rent_per_mu_year": "-1"}, 422, "rent_per_mu_year"),
    ({"escalation": {"every_years": 0, "percent": 5}}, 422, "escalation.every_years"),
    ({"start_date": "soon"}, 422, "start_date"),
    ({"codes_taken": True}, 409, "parcels.0.code"),
])
def test_api_contract_bad_input(client, session, tokens, change, status, field):
    household = make_household(session)
    make_contract(session, household, number="EXISTING", codes=("P-TAKEN",))
    session.commit()
    before = _counts(session)
    body = contract_data(household.id, number="NEW")
    change = dict(change)  # the same parameters serve both databases
    if change.pop("codes_taken", False):
        body["parcels"][0]["code"] = "P-TAKEN"
    body.update(change)
    response = client.post("/api/v1/contracts", json=body, headers=tokens["manager"])
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert field in error["fields"] and error["message"]
    assert _counts(session) == before


def test_api_contract_messages_in_chinese(client, session, tokens):
    household = make_household(session, period_end=date(2026, 12, 31))
    session.commit()
    response = client.post("/api/v1/contracts", json=contract_data(household.id), headers=tokens["manager"])
    assert response.status_code == 422
    assert "承包期" in response.get_json()["error"]["fields"]["end_date"]
    assert "2026-12-31" in response.get_json()["error"]["message"]


def test_api_contract_malformed_and_missing(client, session, tokens):
    response = client.post("/api/v1/contracts", data="nope", headers=tokens["manager"])
    assert response.status_code == 400
    assert client.get("/api/v1/contracts/99/schedule", headers=tokens["manager"]).status_code == 404
    assert client.get("/api/v1/contracts?status=lost", headers=tokens["manager"]).status_code == 422
    assert client.post("/api/v1/contracts/99/payments", json={"paid_on": "2024-01-01", "amount": 5},
                       headers=tokens["manager"]).status_code == 404


def test_api_payment_changes_schedule(client, session, tokens):
    household = make_household(session)
    start = clock.today() - timedelta(days=10)
    contract = make_contract(session, household, start_date=start.isoformat(),
                             end_date=(clock.today() + timedelta(days=800)).isoformat(),
                             payment_month_day=start.strftime("%m-%d"))
    session.commit()
    url = f"/api/v1/contracts/{contract.id}"
    first = client.get(url + "/schedule", headers=tokens["manager"]).get_json()["items"][0]
    assert first["status"] == "overdue"
    body = {"paid_on": clock.today().isoformat(), "amount": "1000.50", "method": "cash", "receipt_no": "R-77"}
    response = client.post(url + "/payments", json=body, headers=tokens["manager"])
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["amount"] == 1000.5
    first = client.get(url + "/schedule", headers=tokens["manager"]).get_json()["items"][0]
    assert first["paid"] == 1000.5 and first["status"] == "overdue"
    rest = first["outstanding"]
    client.post(url + "/payments", json={"paid_on": clock.today().isoformat(), "amount": str(rest + 100)},
                headers=tokens["manager"])
    schedule = client.get(url + "/schedule", headers=tokens["manager"]).get_json()
    assert schedule["items"][0]["status"] == "paid"
    assert schedule["items"][1]["paid"] == 100.0  # the rest goes to the next due, not lost


@pytest.mark.parametrize("body, status, field", [
    ({"paid_on": "2024-03-02", "amount": "0"}, 422, "amount"),
    ({"paid_on": "2024-03-02", "amount": "-5"}, 422, "amount"),
    ({"paid_on": "2024-03-02", "amount": "1.001"}, 422, "amount"),
    ({"paid_on": "2999-01-01", "amount": "5"}, 422, "paid_on"),
    ({"paid_on": "2024-03-02", "amount": "5", "method": "gold"}, 422, "method"),
    ({"amount": "5"}, 422, "paid_on"),
    ({"paid_on": "2024-03-02", "amount": "5", "receipt_no": "R-1"}, 409, "receipt_no"),
])
def test_api_payment_bad_input(client, session, tokens, body, status, field):
    household = make_household(session)
    contract = make_contract(session, household)
    session.add(RentPayment(contract=contract, paid_on=date(2024, 3, 1), amount=1, receipt_no="R-1"))
    session.commit()
    response = client.post(f"/api/v1/contracts/{contract.id}/payments", json=body, headers=tokens["manager"])
    assert response.status_code == status
    assert field in response.get_json()["error"]["fields"]
    assert _counts(session) == (1, 1, 1)
    assert client.post(f"/api/v1/contracts/{contract.id}/payments", json=body,
                       headers=tokens["viewer"]).status_code == 403


def test_api_reminders_and_openapi(client, session, tokens):
    assert client.get("/api/v1/land/reminders", headers=tokens["viewer"]).get_json() == {"items": [], "next": None}
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/households", "/api/v1/contracts", "/api/v1/contracts/{contract_id}/schedule",
                 "/api/v1/contracts/{contract_id}/payments"):
        assert path in spec["paths"], path
