"""Sales pages: a shipment through the form (with the far-price confirmation), bad input kept on the page, the
delivery note, payments, buyers and prices, packing, losses, receivables, the dashboard panel; who may do what."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from farm import clock
from farm.inputs.sales import BuyerIn, PriceIn
from farm.models.sales import Buyer, BuyerPrice, Loss, PackingSession, PackSize, Shipment, ShipmentPayment
from farm.services import sales
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD
from tests.sales.factories import harvest


def _as(client, role, page="/sales/"):
    login(client, role, PASSWORD)
    return csrf_token(client, page)


def _count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def shop(session, farm):
    today = clock.today()
    harvest(session, farm, "GH-001", today - timedelta(days=1), "50")
    harvest(session, farm, "GH-003", today - timedelta(days=1), "20", grade="premium")
    buyer = sales.create_buyer(session, BuyerIn(name="海南区机关食堂", kind="canteen", phone="13947300001",
                                                consumption_aid=True))
    sales.set_price(session, buyer.id, PriceIn(crop="cucumber", grade="grade1", valid_from=today - timedelta(days=30),
                                               price_per_kg=Decimal("5.00")))
    session.commit()
    return buyer


def _line(n, **fields):
    return {f"lines-{n}-{k}": v for k, v in fields.items()}


def test_pages_shipment_form_far_price_asks_then_keeps(client, session, shop):
    token = _as(client, "manager")
    form = {"csrf_token": token, "buyer_id": str(shop.id), "date": clock.today().isoformat(),
            **_line(0, crop="cucumber", grade="grade1", weight_kg="10", price_per_kg="9.00"),
            **_line(1, crop="tomato", grade="grade1", weight_kg="", units="", price_per_kg="")}
    asked = client.post("/sales/shipments/new", data=form)
    assert asked.status_code == 422
    page = asked.get_data(as_text=True)
    assert 'name="confirm_prices"' in page and "80.0" in page  # 9.00 is 80 % above the list's 5.00
    assert _count(session, Shipment) == 0
    kept = client.post("/sales/shipments/new", data={**form, "confirm_prices": "1"})
    assert kept.status_code == 302
    shipment = session.scalars(select(Shipment)).one()
    assert shipment.total == Decimal("90.00") and shipment.consumption_aid
    detail = client.get(kept.headers["Location"]).get_data(as_text=True)
    assert "GH-001" in detail and shipment.certificate_code in detail


def test_pages_shipment_beyond_stock_stays_on_the_form_with_the_amount(client, session, shop):
    token = _as(client, "manager")
    form = {"csrf_token": token, "buyer_id": str(shop.id), "date": clock.today().isoformat(),
            **_line(0, crop="cucumber", grade="grade1", weight_kg="60")}
    refused = client.post("/sales/shipments/new", data=form)
    assert refused.status_code == 422
    assert "50.000" in refused.get_data(as_text=True)
    assert _count(session, Shipment) == 0
    no_buyer = client.post("/sales/shipments/new", data={**form, "buyer_id": "", **_line(0, weight_kg="1")})
    assert no_buyer.status_code == 422 and _count(session, Shipment) == 0


def test_pages_delivery_note_and_payment(client, session, shop):
    token = _as(client, "manager")
    client.post("/sales/shipments/new", data={"csrf_token": token, "buyer_id": str(shop.id),
                                              "date": clock.today().isoformat(),
                                              **_line(0, crop="cucumber", grade="grade1", weight_kg="4")})
    shipment = session.scalars(select(Shipment)).one()
    note = client.get(f"/sales/shipments/{shipment.id}/note").get_data(as_text=True)
    assert "送货单" in note and "收货人（签字）" in note and shipment.number in note and "20.00" in note
    assert "一级" in note
    paid = client.post(f"/sales/shipments/{shipment.id}/payments",
                       data={"csrf_token": token, "paid_on": clock.today().isoformat(), "amount": "25"})
    assert paid.status_code == 302
    bad = client.post(f"/sales/shipments/{shipment.id}/payments",
                      data={"csrf_token": token, "paid_on": clock.today().isoformat(), "amount": "-1"})
    assert bad.status_code == 302 and _count(session, ShipmentPayment) == 1
    page = client.get(f"/sales/shipments/{shipment.id}").get_data(as_text=True)
    assert "5.00" in page  # the credit beyond the 20.00 owed


def test_pages_buyer_form_price_and_masked_phone(client, session, shop):
    token = _as(client, "manager")
    bad = client.post("/sales/buyers/new", data={"csrf_token": token, "name": "", "kind": "bank"})
    assert bad.status_code == 422 and _count(session, Buyer) == 1
    good = client.post("/sales/buyers/new", data={"csrf_token": token, "name": "黄河鱼家常菜馆", "kind": "restaurant",
                                                  "phone": "13800001111", "active": "1"})
    assert good.status_code == 302
    buyer = session.scalars(select(Buyer).where(Buyer.kind == "restaurant")).one()
    assert not buyer.consumption_aid and buyer.active
    assert client.post(f"/sales/buyers/{buyer.id}/prices", data={
        "csrf_token": token, "crop": "cucumber", "grade": "premium", "price_per_kg": "7.20",
        "valid_from": clock.today().isoformat()}).status_code == 302
    client.post(f"/sales/buyers/{buyer.id}/prices", data={"csrf_token": token, "crop": "cucumber",
                                                          "grade": "premium", "price_per_kg": "0",
                                                          "valid_from": clock.today().isoformat()})
    assert _count(session, BuyerPrice) == 2
    page = client.get(f"/sales/buyers/{buyer.id}").get_data(as_text=True)
    assert "7.20" in page and "3.60" in page  # 元/kg and 元/斤
    client.get("/logout")
    _as(client, "viewer")
    viewed = client.get(f"/sales/buyers/{buyer.id}").get_data(as_text=True)
    assert "1381111" not in viewed.replace("*", "") and "***********" in viewed


def test_pages_packing_and_loss(client, session, farm, shop):
    token = _as(client, "manager")
    assert client.post("/sales/packing/sizes", data={"csrf_token": token, "crop": "cucumber", "grade": "grade1",
                                                     "unit": "box", "net_kg": "5"}).status_code == 302
    assert client.post("/sales/packing/sessions", data={"csrf_token": token, "packer": str(farm["worker"].id),
                                                        "crop": "cucumber", "grade": "grade1",
                                                        "units": "4"}).status_code == 302
    client.post("/sales/packing/sessions", data={"csrf_token": token, "packer": str(farm["worker"].id),
                                                 "crop": "cucumber", "grade": "grade1", "units": "40"})
    assert _count(session, PackSize) == 1 and _count(session, PackingSession) == 1
    lost = client.post("/sales/losses/new", data={"csrf_token": token, "crop": "cucumber", "grade": "grade1",
                                                  "weight_kg": "1.5", "reason": "spoilage"})
    assert lost.status_code == 302
    bad = client.post("/sales/losses/new", data={"csrf_token": token, "crop": "cucumber", "grade": "grade1",
                                                 "weight_kg": "0", "reason": "spoilage"})
    assert bad.status_code == 422 and _count(session, Loss) == 1
    page = client.get("/sales/").get_data(as_text=True)
    assert 'data-stock="cucumber-grade1"' in page and "48.5" in page


def test_pages_a_worker_cannot_ship_and_a_viewer_only_reads(client, session, shop):
    token = _as(client, "worker", "/me")
    refused = client.post("/sales/shipments/new", data={"csrf_token": token, "buyer_id": str(shop.id),
                                                        **_line(0, crop="cucumber", grade="grade1", weight_kg="1")})
    assert refused.status_code == 403
    assert client.get("/sales/").status_code == 403
    assert _count(session, Shipment) == 0
    client.get("/logout")
    _as(client, "viewer")
    page = client.get("/sales/").get_data(as_text=True)
    assert "/sales/shipments/new" not in page
    assert client.get("/sales/shipments/new").status_code == 403


def test_pages_receivables_and_dashboard_panel(client, session, farm, shop):
    from farm.inputs.sales import ShipmentIn

    old = clock.today() - timedelta(days=40)
    harvest(session, farm, "GH-002", old, "10")  # a shipment dated then takes only what was harvested by then
    sales.create_shipment(session, ShipmentIn.model_validate({"buyer_id": shop.id, "date": old, "lines": [
        {"crop": "cucumber", "grade": "grade1", "weight_kg": "10", "price_per_kg": "5.00"}]}))
    session.commit()
    _as(client, "manager")
    page = client.get("/sales/receivables").get_data(as_text=True)
    assert "海南区机关食堂" in page and "50.00" in page
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert 'data-sales="overdue"' in dashboard and "50.00" in dashboard
