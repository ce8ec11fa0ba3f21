"""The asset API: POST/GET /assets, returns, distributions; roles; every bad input a clear 422, nothing stored."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from farm import clock
from farm.models.assets import Asset, AssetReturn, Distribution
from tests.assets.factories import asset_data
from tests.factories import make_park
from tests.land.factories import make_household


@pytest.fixture
def park_day():
    """The park's clock stopped on 2026-11-28."""
    clock.freeze(datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc))
    yield
    clock.freeze(None)


@pytest.fixture
def park(session, park_day):
    made = make_park(session)
    session.commit()
    return made


def _counts(session):
    session.expire_all()
    return session.query(Asset).count(), session.query(AssetReturn).count(), session.query(Distribution).count()


def test_api_asset_create_and_list_with_ledger_figures(client, session, tokens, park):
    body = asset_data(value="120000.00", greenhouses=["GH-001", "GH-002"], depreciation_years=10)
    response = client.post("/api/v1/assets", json=body, headers=tokens["admin"])
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    assert made["id"] and made["value"] == 120000 and made["greenhouses"] == ["GH-001", "GH-002"]
    listed = client.get("/api/v1/assets?category=operating&year=2025", headers=tokens["official"]).get_json()
    item = listed["items"][0]
    assert {k: item[k] for k in ("code", "category", "value", "accumulated_depreciation", "net_value", "return_due",
                                 "return_received")} == {
        "code": "GH-ASSET-1", "category": "operating", "value": 120000, "accumulated_depreciation": 62700,
        "net_value": 57300, "return_due": 5400, "return_received": 0}
    assert client.get("/api/v1/assets?category=public", headers=tokens["viewer"]).get_json()["items"] == []
    # This year by default, as at 2026-11-28: 76 full months (July 2020 to October 2026), 114,000 × 76 / 120.
    today = client.get("/api/v1/assets", headers=tokens["viewer"]).get_json()["items"][0]
    assert (today["accumulated_depreciation"], today["net_value"], today["return_due"]) == (72200, 47800, 5400)
    # A year before it was built: listed with its value only.
    early = client.get("/api/v1/assets?year=2019", headers=tokens["viewer"]).get_json()["items"][0]
    assert (early["value"], early["accumulated_depreciation"], early["net_value"], early["return_due"]) == (
        120000, 0, 120000, 0)
    assert client.get("/api/v1/assets?category=poor", headers=tokens["viewer"]).status_code == 422
    assert client.get("/api/v1/assets?year=20x5", headers=tokens["viewer"]).status_code == 422


def test_api_roles(client, session, tokens, park):
    for role in ("official", "manager", "viewer", "admin"):
        assert client.get("/api/v1/assets", headers=tokens[role]).status_code == 200
        assert client.get("/api/v1/distributions", headers=tokens[role]).status_code == 200
    assert client.get("/api/v1/assets", headers=tokens["worker"]).status_code == 403
    for role in ("official", "manager", "viewer", "worker"):
        assert client.post("/api/v1/assets", json=asset_data(), headers=tokens[role]).status_code == 403
        assert client.post("/api/v1/assets/returns", json={"year": 2025, "amount": 1, "paid_on": "2026-01-01"},
                           headers=tokens[role]).status_code == 403
        assert client.post("/api/v1/distributions", json={"year": 2025, "lines": []},
                           headers=tokens[role]).status_code == 403
    assert _counts(session) == (0, 0, 0)


@pytest.mark.parametrize("change, field", [
    ({"value": "1.00"}, "value"),  # funding does not add up
    ({"funding": [{"source": "fiscal", "amount": "-5"}]}, "funding.0.amount"),  # negative
    ({"funding": [{"source": "bank", "amount": "5"}]}, "funding.0.source"),
    ({"depreciation_years": 0}, "depreciation_years"),
    ({"depreciation_years": "10"}, "depreciation_years"),  # a string is not a number here
    ({"greenhouses": ["GH-404"]}, "greenhouses"),
    ({"category": "private"}, "category"),
    ({"kind": "castle"}, "kind"),
    ({"residual_value": "-1"}, "residual_value"),
    ({"return_percent": "101"}, "return_percent"),
    ({"built_on": "yesterday"}, "built_on"),
    ({"built_on": "0001-01-01"}, "built_on"),
    ({"built_on": "2027-01-01"}, "built_on"),  # not built yet
    ({"code": ""}, "code"),
    ({"funding": [{"source": "fiscal", "amount": "9999999999"}, {"source": "social", "amount": "9999999999"}]},
     "funding"),  # more than a money column holds
    ({"operator_kind": "household", "operator_household_id": 2**31}, "operator_household_id"),
])
def test_api_asset_bad_input(client, session, tokens, park, change, field):
    response = client.post("/api/v1/assets", json={**asset_data(), **change}, headers=tokens["admin"])
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert field in error["fields"] and error["message"]
    assert _counts(session) == (0, 0, 0)


def test_api_disposal_needs_a_reason(client, session, tokens, park):
    made = client.post("/api/v1/assets", json=asset_data(), headers=tokens["admin"]).get_json()
    url = f"/api/v1/assets/{made['id']}/status"
    response = client.post(url, json={"status": "disposed", "approval": "村民代表会议决议2026-5"},
                           headers=tokens["admin"])
    assert response.status_code == 422 and "reason" in response.get_json()["error"]["fields"]
    session.expire_all()
    assert session.get(Asset, made["id"]).status == "in_use"
    response = client.post(url, json={"status": "disposed", "reason": "风灾损毁", "approval": "村民代表会议决议2026-5",
                                      "on": "2026-05-10"}, headers=tokens["admin"])
    assert response.status_code == 200 and response.get_json()["status"] == "disposed"
    assert client.post(url, json={"status": "idle"}, headers=tokens["admin"]).status_code == 409


def test_api_returns_and_distributions(client, session, tokens, park):
    lifted = make_household(session, name="甲", members=2, status="lifted")
    plain = make_household(session, name="乙", members=3, status="none", id_number="", bank_account="")
    session.commit()
    client.post("/api/v1/assets", json=asset_data(built_on="2022-12-01", handed_over_on="2022-12-20"),
                headers=tokens["admin"])
    paid = client.post("/api/v1/assets/returns", json={"year": 2025, "amount": "5000", "paid_on": "2026-03-01"},
                       headers=tokens["admin"])
    assert paid.status_code == 201 and paid.get_json()["amount"] == 5000
    too_much = client.post("/api/v1/assets/returns", json={"year": 2025, "amount": "400.01", "paid_on": "2026-03-01"},
                           headers=tokens["admin"])
    assert too_much.status_code == 422 and "amount" in too_much.get_json()["error"]["fields"]
    negative = client.post("/api/v1/assets/returns", json={"year": 2025, "amount": -1, "paid_on": "2026-03-01"},
                           headers=tokens["admin"])
    assert negative.status_code == 422
    years = {y["year"]: y for y in client.get("/api/v1/assets/returns", headers=tokens["viewer"]).get_json()["items"]}
    assert years[2025]["outstanding"] == 400 and years[2025]["overdue"] is True
    assert years[2026]["overdue"] is False
    good = {"year": 2025, "lines": [{"kind": "dividend", "household_id": lifted.id, "amount": "1000"},
                                    {"kind": "public_job", "person": "张三", "amount": "2400"},
                                    {"kind": "retained", "amount": "600"}]}
    over = {"year": 2025, "lines": [*good["lines"], {"kind": "public_works", "amount": "1000.01"}]}
    response = client.post("/api/v1/distributions", json=over, headers=tokens["admin"])
    assert response.status_code == 422 and "lines" in response.get_json()["error"]["fields"]
    wrong = {"year": 2025, "lines": [{"kind": "dividend", "household_id": plain.id, "amount": "10"}]}
    assert client.post("/api/v1/distributions", json=wrong, headers=tokens["admin"]).status_code == 422
    unknown = {"year": 2025, "lines": [{"kind": "dividend", "household_id": 987654, "amount": "10"}]}
    assert client.post("/api/v1/distributions", json=unknown, headers=tokens["admin"]).status_code == 422
    assert _counts(session) == (1, 1, 0)
    response = client.post("/api/v1/distributions", json=good, headers=tokens["admin"])
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["total"] == 4000
    listed = client.get("/api/v1/distributions?year=2025", headers=tokens["official"]).get_json()["items"]
    assert [line["kind"] for line in listed[0]["lines"]] == ["dividend", "public_job", "retained"]
    item = client.get("/api/v1/assets?year=2025", headers=tokens["manager"]).get_json()["items"][0]
    assert item["return_due"] == 5400 and item["return_received"] == 5000
