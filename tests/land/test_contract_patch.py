"""PATCH /api/v1/contracts/{id}: only the fields sent change, the whole contract is checked as a new one is, wrong
types are refused (422, never converted), and a refusal stores nothing."""
from __future__ import annotations

from decimal import Decimal

import pytest

from farm.models.land import LandContract
from tests.factories import make_park
from tests.land.factories import make_contract, make_household

pytestmark = pytest.mark.usefixtures("frozen_clock")

FIELDS = ("number", "household_id", "use", "start_date", "end_date", "delivery_date", "rent_per_mu_year",
          "payment_month_day", "payment_method", "escalation_every_years", "escalation_percent", "deposit",
          "late_fee_per_10k", "village_filed_on", "township_filed_on", "status", "notes")


def _record(session, contract_id) -> dict:
    session.expire_all()
    c = session.get(LandContract, contract_id)
    record = {name: getattr(c, name) for name in FIELDS}
    record["parcels"] = [(p.code, p.area_mu) for p in c.parcels]
    record["greenhouses"] = [g.code for g in c.greenhouses]
    return record


@pytest.fixture
def contract(session, users):
    make_park(session, greenhouses=2)
    household = make_household(session)
    make_household(session, name="李秀英")
    made = make_contract(session, household, codes=("P-1",), notes="旧备注", greenhouses=["GH-001"])
    make_contract(session, household, number="OTHER", codes=("P-OTHER",))
    session.commit()
    return made


def _patch(client, tokens, contract_id, body, role="manager"):
    return client.patch(f"/api/v1/contracts/{contract_id}", json=body, headers=tokens[role])


def test_patch_contract_changes_only_the_fields_sent(client, session, tokens, contract):
    before = _record(session, contract.id)
    response = _patch(client, tokens, contract.id, {"rent_per_mu_year": "850.50", "notes": None,
                                                    "escalation": {"every_years": 3, "percent": 5}})
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["rent_per_mu_year"] == 850.5 and answer["escalation"] == {"every_years": 3, "percent": 5.0}
    after = _record(session, contract.id)
    assert after == dict(before, rent_per_mu_year=Decimal("850.50"), notes="", escalation_every_years=3,
                         escalation_percent=Decimal("5.00"))
    # Parcels, greenhouses and the household are replaced when sent; the escalation clears with null.
    other = session.get(LandContract, contract.id).household_id + 1
    body = {"parcels": [{"name": "西块", "code": "P-9", "area_mu": 4.5}], "greenhouses": ["GH-002"],
            "household_id": other, "escalation": None}
    response = _patch(client, tokens, contract.id, body)
    assert response.status_code == 200, response.get_json()
    after = _record(session, contract.id)
    assert after["parcels"] == [("P-9", Decimal("4.50"))] and after["greenhouses"] == ["GH-002"]
    assert after["household_id"] == other and after["escalation_every_years"] is None
    assert response.get_json()["area_mu"] == 4.5


@pytest.mark.parametrize("body, status, field", [
    ({"rent_per_mu_year": 0}, 422, "rent_per_mu_year"),
    ({"rent_per_mu_year": None}, 422, "rent_per_mu_year"),
    ({"rent_per_mu_year": True}, 422, "rent_per_mu_year"),
    ({"household_id": "1"}, 422, "household_id"),
    ({"household_id": 4242}, 422, "household_id"),
    ({"end_date": "2023-01-01"}, 422, "end_date"),  # before the start it keeps
    ({"end_date": "2070-01-01"}, 422, "end_date"),  # past the household's 承包期
    ({"end_date": 20270228}, 422, "end_date"),
    ({"payment_month_day": "02-30"}, 422, "payment_month_day"),
    ({"parcels": []}, 422, "parcels"),
    ({"parcels": None}, 422, "parcels"),
    ({"parcels": [{"name": "a", "code": "P-OTHER", "area_mu": 1}]}, 409, "parcels.0.code"),
    ({"number": "OTHER"}, 409, "number"),
    ({"greenhouses": ["GH-999"]}, 422, "greenhouses"),
    ({"notes": 5}, 422, "notes"),
    ({"rent_per_mu_year": 900, "start_date": "soon"}, 422, "start_date"),  # a good field beside a bad one
])
def test_patch_contract_bad_input_changes_nothing(client, session, tokens, contract, body, status, field):
    before = _record(session, contract.id)
    response = _patch(client, tokens, contract.id, body)
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert error["message"] and field in error["fields"], error
    assert _record(session, contract.id) == before


def test_patch_contract_roles_unknown_and_malformed(client, session, tokens, contract):
    before = _record(session, contract.id)
    for role in ("viewer", "official", "worker"):
        response = _patch(client, tokens, contract.id, {"notes": "x"}, role=role)
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    assert client.patch(f"/api/v1/contracts/{contract.id}", json={"notes": "x"}).status_code == 401
    assert _patch(client, tokens, 4242, {"notes": "x"}).status_code == 404
    response = client.patch(f"/api/v1/contracts/{contract.id}", data="notes=x", headers=tokens["manager"],
                            content_type="text/plain")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "malformed"
    assert _record(session, contract.id) == before


def test_patch_contract_is_in_the_api_document(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    operation = doc["paths"]["/api/v1/contracts/{contract_id}"]["patch"]
    assert "200" in operation["responses"] and "requestBody" in operation
    assert set(operation["responses"]) >= {"403", "404", "422"}
