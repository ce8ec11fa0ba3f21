"""The sales API: buyers and prices, shipments out of the stock, payments and credit, losses, packing; bad input
stores nothing; a worker cannot ship."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from farm import clock
from farm.models.sales import Buyer, BuyerPrice, Loss, Shipment, ShipmentPayment, StockAllocation
from tests.sales.factories import harvest

BUYER = {"name": "海南区第一中学食堂", "kind": "canteen", "contact": "李师傅", "phone": "13947300001",
         "address": "海南区", "consumption_aid": True}


def _count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def stocked(session, farm):
    """40 kg of grade-1 cucumbers (30 from GH-001 two days ago, 10 from GH-002 yesterday), 20 kg of tomatoes."""
    today = clock.today()
    made = {"h1": harvest(session, farm, "GH-001", today - timedelta(days=2), "30"),
            "h2": harvest(session, farm, "GH-002", today - timedelta(days=1), "10"),
            "t1": harvest(session, farm, "GH-003", today - timedelta(days=1), "20")}
    session.commit()
    return made


@pytest.fixture
def buyer_id(client, tokens):
    response = client.post("/api/v1/buyers", json=BUYER, headers=tokens["manager"])
    assert response.status_code == 201, response.get_json()
    bid = response.get_json()["id"]
    price = {"crop": "cucumber", "grade": "grade1", "valid_from": "2026-01-01", "price_per_kg": "5.60"}
    assert client.post(f"/api/v1/buyers/{bid}/prices", json=price, headers=tokens["manager"]).status_code == 201
    return bid


def test_api_buyer_and_its_price_list_with_history(client, session, tokens, buyer_id):
    later = {"crop": "cucumber", "grade": "grade1", "valid_from": "2026-11-01", "price_per_kg": 6.4}
    assert client.post(f"/api/v1/buyers/{buyer_id}/prices", json=later, headers=tokens["admin"]).status_code == 201
    prices = client.get(f"/api/v1/buyers/{buyer_id}/prices", headers=tokens["viewer"]).get_json()["items"]
    assert [(p["valid_from"], p["price_per_kg"], p["price_per_jin"]) for p in prices] == [
        ("2026-11-01", 6.4, 3.2), ("2026-01-01", 5.6, 2.8)]
    viewer = client.get(f"/api/v1/buyers/{buyer_id}", headers=tokens["viewer"]).get_json()
    assert viewer["phone"] == "*" * len("13900000001") and viewer["consumption_aid"] is True
    assert client.get(f"/api/v1/buyers/{buyer_id}", headers=tokens["manager"]).get_json()["phone"] == "13947300001"


def test_api_shipment_takes_stock_first_in_first_out_at_the_list_price(client, session, tokens, stocked, buyer_id):
    body = {"buyer_id": buyer_id, "lines": [{"crop": "cucumber", "grade": "grade1", "weight_kg": 35}]}
    response = client.post("/api/v1/shipments", json=body, headers=tokens["manager"])
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["total"] == 196.0 and data["status"] == "unpaid" and data["paid"] == 0
    assert data["number"].startswith("S" + clock.today().strftime("%Y%m%d"))
    assert len(data["certificate_code"]) >= 10
    detail = client.get(f"/api/v1/shipments/{data['id']}", headers=tokens["viewer"]).get_json()
    sources = detail["lines"][0]["sources"]
    assert [(s["harvest_id"], s["greenhouse"], s["weight_kg"]) for s in sources] == [
        (stocked["h1"].id, "GH-001", 30.0), (stocked["h2"].id, "GH-002", 5.0)]
    rows = {(r["crop"], r["grade"]): r for r in client.get("/api/v1/stock", headers=tokens["viewer"]).get_json()["items"]}
    assert rows[("cucumber", "grade1")] == {"crop": "cucumber", "grade": "grade1", "harvested_kg": 40.0,
                                           "shipped_kg": 35.0, "lost_kg": 0.0, "on_hand_kg": 5.0}
    assert rows[("tomato", "grade1")]["on_hand_kg"] == 20.0


def test_api_shipment_beyond_stock_says_how_much_is_on_hand_and_stores_nothing(client, session, tokens, stocked,
                                                                                buyer_id):
    body = {"buyer_id": buyer_id, "lines": [
        {"crop": "tomato", "grade": "grade1", "weight_kg": 5, "price_per_kg": 7},
        {"crop": "cucumber", "grade": "grade1", "weight_kg": 40.001}]}
    response = client.post("/api/v1/shipments", json=body, headers=tokens["manager"])
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert "40.000" in error["message"] and "lines.1.weight_kg" in error["fields"]
    assert _count(session, Shipment) == 0 and _count(session, StockAllocation) == 0


@pytest.mark.parametrize("line, field", [
    ({"crop": "cucumber", "grade": "grade1", "weight_kg": 0}, "lines.0.weight_kg"),
    ({"crop": "cucumber", "grade": "grade1", "weight_kg": -3}, "lines.0.weight_kg"),
    ({"crop": "cucumber", "grade": "grade1", "weight_kg": 3, "price_per_kg": 0}, "lines.0.price_per_kg"),
    ({"crop": "cucumber", "grade": "grade1", "weight_kg": 3, "price_per_kg": -1}, "lines.0.price_per_kg"),
    ({"crop": "melon", "grade": "grade1", "weight_kg": 3}, "lines.0.crop"),
    ({"crop": "cucumber", "grade": "grade9", "weight_kg": 3}, "lines.0.grade"),
    ({"crop": "cucumber", "grade": "grade1", "weight_kg": "3"}, None),  # decimal text is a number here
    ({"crop": "tomato", "grade": "grade1", "weight_kg": 3}, "lines.0.price_per_kg"),  # no list price, none given
    ({"crop": "cucumber", "grade": "grade1"}, "lines.0.weight_kg"),
    ({"crop": "cucumber", "grade": "grade1", "units": 2}, "lines.0.units"),  # no pack size
])
def test_api_shipment_bad_lines(client, session, tokens, stocked, buyer_id, line, field):
    response = client.post("/api/v1/shipments", json={"buyer_id": buyer_id, "lines": [line]},
                           headers=tokens["manager"])
    if field is None:
        assert response.status_code == 201
        return
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert _count(session, Shipment) == 0


@pytest.mark.parametrize("body, status, field", [
    ({"buyer_id": 999, "lines": [{"crop": "cucumber", "grade": "grade1", "weight_kg": 1}]}, 422, "buyer_id"),
    ({"buyer_id": "1", "lines": [{"crop": "cucumber", "grade": "grade1", "weight_kg": 1}]}, 422, "buyer_id"),
    ({"buyer_id": 1, "lines": []}, 422, "lines"),
    ({"buyer_id": 1, "date": "2099-01-01", "lines": [{"crop": "cucumber", "grade": "grade1", "weight_kg": 1}]},
     422, "date"),
])
def test_api_shipment_bad_shipment(client, session, tokens, stocked, buyer_id, body, status, field):
    response = client.post("/api/v1/shipments", json=body, headers=tokens["manager"])
    assert response.status_code == status
    assert field in response.get_json()["error"]["fields"]
    assert _count(session, Shipment) == 0


def test_api_a_worker_or_viewer_cannot_ship_or_record(client, session, tokens, stocked, buyer_id):
    body = {"buyer_id": buyer_id, "lines": [{"crop": "cucumber", "grade": "grade1", "weight_kg": 1}]}
    for role in ("worker", "viewer", "official"):
        response = client.post("/api/v1/shipments", json=body, headers=tokens[role])
        assert response.status_code == 403
        assert response.get_json()["error"]["message"]
        assert client.post("/api/v1/buyers", json=BUYER, headers=tokens[role]).status_code == 403
        assert client.post("/api/v1/losses", json={"crop": "cucumber", "grade": "grade1", "weight_kg": 1,
                                                   "reason": "cull"}, headers=tokens[role]).status_code == 403
    assert client.get("/api/v1/stock", headers=tokens["worker"]).status_code == 403
    assert _count(session, Shipment) == 0 and _count(session, Buyer) == 1 and _count(session, Loss) == 0


def test_api_far_price_is_kept_through_the_api(client, session, tokens, stocked, buyer_id):
    body = {"buyer_id": buyer_id, "lines": [{"crop": "cucumber", "grade": "grade1", "weight_kg": 10,
                                             "price_per_kg": "12.00"}]}
    response = client.post("/api/v1/shipments", json=body, headers=tokens["manager"])
    assert response.status_code == 201
    line = response.get_json()["lines"][0]
    assert line["price_per_kg"] == 12.0 and line["list_price_per_kg"] == 5.6 and line["amount"] == 120.0


def test_api_payments_partial_then_paid_and_credit(client, session, tokens, stocked, buyer_id):
    body = {"buyer_id": buyer_id, "lines": [{"crop": "cucumber", "grade": "grade1", "weight_kg": 10}]}
    shipment = client.post("/api/v1/shipments", json=body, headers=tokens["manager"]).get_json()
    url = f"/api/v1/shipments/{shipment['id']}/payments"
    today = clock.today().isoformat()
    assert client.post(url, json={"paid_on": today, "amount": 20}, headers=tokens["manager"]).status_code == 201
    listed = client.get(f"/api/v1/shipments?buyer={buyer_id}", headers=tokens["viewer"]).get_json()["items"]
    assert (listed[0]["paid"], listed[0]["status"]) == (20.0, "partial")
    assert client.post(url, json={"paid_on": today, "amount": "50.50"}, headers=tokens["manager"]).status_code == 201
    listed = client.get(f"/api/v1/shipments?from={today}", headers=tokens["viewer"]).get_json()["items"]
    assert (listed[0]["paid"], listed[0]["credit"], listed[0]["status"]) == (56.0, 14.5, "paid")
    receivables = client.get("/api/v1/receivables", headers=tokens["viewer"]).get_json()
    assert receivables["items"][0]["credit"] == 14.5 and receivables["items"][0]["outstanding"] == 0


@pytest.mark.parametrize("body, field", [
    ({"paid_on": "2026-01-01", "amount": 0}, "amount"),
    ({"paid_on": "2026-01-01", "amount": -5}, "amount"),
    ({"paid_on": "2099-01-01", "amount": 5}, "paid_on"),
    ({"amount": 5}, "paid_on"),
])
def test_api_bad_payments_store_nothing(client, session, tokens, stocked, buyer_id, body, field):
    shipment = client.post("/api/v1/shipments", json={"buyer_id": buyer_id, "lines": [
        {"crop": "cucumber", "grade": "grade1", "weight_kg": 1}]}, headers=tokens["manager"]).get_json()
    response = client.post(f"/api/v1/shipments/{shipment['id']}/payments", json=body, headers=tokens["manager"])
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]
    assert client.post("/api/v1/shipments/99999/payments", json={"paid_on": "2026-01-01", "amount": 1},
                       headers=tokens["manager"]).status_code == 404
    assert _count(session, ShipmentPayment) == 0


def test_api_losses(client, session, tokens, stocked):
    body = {"crop": "cucumber", "grade": "grade1", "weight_kg": 2.5, "reason": "spoilage"}
    response = client.post("/api/v1/losses", json=body, headers=tokens["manager"])
    assert response.status_code == 201, response.get_json()
    for bad, field in (({**body, "weight_kg": 0}, "weight_kg"), ({**body, "reason": "eaten"}, "reason"),
                       ({**body, "crop": "melon"}, "crop"), ({**body, "weight_kg": 100}, "weight_kg")):
        refused = client.post("/api/v1/losses", json=bad, headers=tokens["manager"])
        assert refused.status_code == 422 and field in refused.get_json()["error"]["fields"]
    assert _count(session, Loss) == 1
    items = client.get("/api/v1/stock?crop=cucumber&grade=grade1", headers=tokens["manager"]).get_json()["items"]
    assert items == [{"crop": "cucumber", "grade": "grade1", "harvested_kg": 40.0, "shipped_kg": 0.0,
                      "lost_kg": 2.5, "on_hand_kg": 37.5}]


def test_api_packing_by_units_and_shipping_in_units(client, session, tokens, farm, stocked, buyer_id):
    size = {"crop": "cucumber", "grade": "grade1", "unit": "box", "net_kg": 5}
    assert client.post("/api/v1/pack-sizes", json=size, headers=tokens["manager"]).status_code == 201
    packing = {"packer": farm["worker"].id, "crop": "cucumber", "grade": "grade1", "units": 6}
    response = client.post("/api/v1/packing", json=packing, headers=tokens["manager"])
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["weight_kg"] == 30.0
    too_many = client.post("/api/v1/packing", json={**packing, "units": 9}, headers=tokens["manager"])
    assert too_many.status_code == 422 and "units" in too_many.get_json()["error"]["fields"]
    shipped = client.post("/api/v1/shipments", json={"buyer_id": buyer_id, "lines": [
        {"crop": "cucumber", "grade": "grade1", "units": 3}]}, headers=tokens["manager"])
    assert shipped.status_code == 201
    line = shipped.get_json()["lines"][0]
    assert (line["units"], line["weight_kg"], line["amount"]) == (3, 15.0, 84.0)
    assert _count(session, BuyerPrice) == 1


def test_api_a_shipped_harvest_cannot_be_voided_or_cut_below_what_left(client, session, tokens, stocked, buyer_id):
    body = {"buyer_id": buyer_id, "lines": [{"crop": "cucumber", "grade": "grade1", "weight_kg": 25}]}
    assert client.post("/api/v1/shipments", json=body, headers=tokens["manager"]).status_code == 201
    h1 = stocked["h1"].id
    voided = client.post(f"/api/v1/harvests/{h1}/void", json={"reason": "typed twice"}, headers=tokens["manager"])
    assert voided.status_code == 409 and "25.000" in voided.get_json()["error"]["message"]
    cut = client.patch(f"/api/v1/harvests/{h1}", json={"weight_kg": 20, "reason": "weighed again"},
                       headers=tokens["manager"])
    assert cut.status_code == 409
    regraded = client.patch(f"/api/v1/harvests/{h1}", json={"grade": "grade2", "reason": "regraded"},
                            headers=tokens["manager"])
    assert regraded.status_code == 409
    fine = client.patch(f"/api/v1/harvests/{h1}", json={"weight_kg": 25, "reason": "weighed again"},
                        headers=tokens["manager"])
    assert fine.status_code == 200
    rows = {(r["crop"], r["grade"]): r for r in client.get("/api/v1/stock", headers=tokens["manager"]).get_json()["items"]}
    assert rows[("cucumber", "grade1")]["on_hand_kg"] == 10.0  # 25 + 10 harvested, 25 shipped
