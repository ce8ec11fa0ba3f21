"""Cancelling a shipment (its kilograms go back to the very lots they came from; payments must be dealt with) and
back-dated shipments (only what was on hand that day), through the service, the API and the page."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from farm import clock
from farm.errors import Conflict, Invalid
from farm.inputs.sales import BuyerIn, CancelIn, LossIn, ShipmentIn
from farm.models.sales import Shipment, ShipmentCancellation, StockAllocation
from farm.services import sales, stock
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD
from tests.sales.factories import harvest


def _ship(session, buyer, kg: str, day=None, crop="cucumber"):
    return sales.create_shipment(session, ShipmentIn.model_validate({
        "buyer_id": buyer.id, "date": day or clock.today(),
        "lines": [{"crop": crop, "grade": "grade1", "weight_kg": kg, "price_per_kg": "5.00"}]}))


def _lots(session, shipment) -> list[tuple[int, Decimal]]:
    return [(a.harvest_id, a.weight_kg) for line in shipment.lines for a in line.allocations]


@pytest.fixture
def lots(session, farm):
    """Grade-1 cucumbers: 10 kg from GH-001 five days ago, 10 kg from GH-002 yesterday; a canteen."""
    today = clock.today()
    made = {"old": harvest(session, farm, "GH-001", today - timedelta(days=5), "10"),
            "new": harvest(session, farm, "GH-002", today - timedelta(days=1), "10"),
            "buyer": sales.create_buyer(session, BuyerIn(name="第一中学食堂", kind="canteen", consumption_aid=True))}
    session.commit()
    return made


def test_cancel_gives_the_kilograms_back_to_the_lots_they_were_taken_from(session, farm, lots):
    cucumber = farm["cucumber"].id
    shipment = _ship(session, lots["buyer"], "15")
    assert _lots(session, shipment) == [(lots["old"].id, Decimal("10.000")), (lots["new"].id, Decimal("5.000"))]
    session.commit()
    assert stock.on_hand(session, cucumber, "grade1") == Decimal("5.000")

    sales.cancel_shipment(session, shipment.id, CancelIn(reason="买方退单"), farm["users"]["manager"])
    session.commit()
    session.expire_all()
    assert stock.on_hand(session, cucumber, "grade1") == Decimal("20.000")
    assert session.scalar(select(func.count()).select_from(StockAllocation)) == 0
    kept = session.get(ShipmentCancellation, shipment.id)
    assert kept.reason == "买方退单" and kept.cancelled_by_id == farm["users"]["manager"].id
    assert [(a["harvest_id"], a["weight_kg"]) for a in kept.lines[0]["allocations"]] == [
        (lots["old"].id, "10.000"), (lots["new"].id, "5.000")]
    assert kept.lines[0]["weight_kg"] == "15.000" and kept.lines[0]["crop"] == "cucumber"
    record = session.get(Shipment, shipment.id)
    assert record.number and record.total == Decimal("75.00") and sales.settled(record).status == "cancelled"
    # The same lots are open again: the next shipment takes them as if the first had never left.
    again = _ship(session, lots["buyer"], "12")
    assert _lots(session, again) == [(lots["old"].id, Decimal("10.000")), (lots["new"].id, Decimal("2.000"))]
    # A cancelled shipment owes nothing and is not among the day's shipments.
    assert [s.id for s in sales.today_shipments(session)] == [again.id]


def test_cancel_twice_is_a_conflict_and_a_payment_needs_handling(session, farm, lots):
    from farm.inputs.sales import PaymentIn

    shipment = _ship(session, lots["buyer"], "4")
    sales.record_payment(session, shipment.id, PaymentIn(paid_on=clock.today(), amount=Decimal("12.00")))
    session.commit()
    with pytest.raises(Invalid) as refused:
        sales.cancel_shipment(session, shipment.id, CancelIn(reason="错单"))
    assert refused.value.code == "has_payments" and "12.00" in str(refused.value.message)
    session.rollback()
    assert stock.on_hand(session, farm["cucumber"].id, "grade1") == Decimal("16.000")
    sales.cancel_shipment(session, shipment.id, CancelIn(reason="错单", payments_as_credit=True))
    session.commit()
    [owed] = sales.receivables(session)
    assert owed.outstanding == 0 and owed.credit == Decimal("12.00")
    with pytest.raises(Conflict):
        sales.cancel_shipment(session, shipment.id, CancelIn(reason="again", payments_as_credit=True))


def test_api_cancel(client, session, farm, tokens, lots):
    shipment = _ship(session, lots["buyer"], "6")
    session.commit()
    url = f"/api/v1/shipments/{shipment.id}/cancel"
    assert client.post(url, json={"reason": "x"}, headers=tokens["worker"]).status_code == 403
    for body in ({}, {"reason": ""}, {"reason": 5}, {"reason": "x", "payments_as_credit": "yes"}):
        response = client.post(url, json=body, headers=tokens["manager"])
        assert response.status_code == 422, body
        assert response.get_json()["error"]["fields"]
    assert client.post("/api/v1/shipments/999999/cancel", json={"reason": "x"},
                       headers=tokens["manager"]).status_code == 404
    assert stock.on_hand(session, farm["cucumber"].id, "grade1") == Decimal("14.000")
    client.post(f"/api/v1/shipments/{shipment.id}/payments", json={"paid_on": clock.today().isoformat(),
                                                                    "amount": "30.00"}, headers=tokens["manager"])
    refused = client.post(url, json={"reason": "退货"}, headers=tokens["manager"])
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "has_payments"
    assert "30.00" in refused.get_json()["error"]["message"]
    done = client.post(url, json={"reason": "退货", "payments_as_credit": True}, headers=tokens["manager"])
    assert done.status_code == 200, done.get_json()
    data = done.get_json()
    assert data["status"] == "cancelled" and data["lines"] == [] and data["credit"] == 30.0
    assert data["cancellation"]["reason"] == "退货" and data["cancellation"]["lines"][0]["weight_kg"] == "6.000"
    assert client.post(url, json={"reason": "again", "payments_as_credit": True},
                       headers=tokens["manager"]).status_code == 409
    session.expire_all()
    assert stock.on_hand(session, farm["cucumber"].id, "grade1") == Decimal("20.000")
    # No payment against a cancelled shipment; its certificate no longer traces.
    paid = client.post(f"/api/v1/shipments/{shipment.id}/payments",
                       json={"paid_on": clock.today().isoformat(), "amount": "1.00"}, headers=tokens["manager"])
    assert paid.status_code == 409
    assert client.get(f"/api/v1/trace/{shipment.certificate_code}").status_code == 404


def test_page_cancel_keeps_the_record_and_a_worker_is_refused(client, session, farm, lots):
    shipment = _ship(session, lots["buyer"], "6")
    session.commit()
    login(client, "worker", PASSWORD)
    token = csrf_token(client, "/")
    assert client.post(f"/sales/shipments/{shipment.id}/cancel",
                       data={"csrf_token": token, "reason": "x"}).status_code == 403
    assert session.get(ShipmentCancellation, shipment.id) is None
    client.post("/logout", data={"csrf_token": token})
    login(client, "manager", PASSWORD)
    token = csrf_token(client, f"/sales/shipments/{shipment.id}")
    empty = client.post(f"/sales/shipments/{shipment.id}/cancel", data={"csrf_token": token, "reason": ""},
                        follow_redirects=True)
    assert empty.status_code == 200 and session.get(ShipmentCancellation, shipment.id) is None
    done = client.post(f"/sales/shipments/{shipment.id}/cancel", data={"csrf_token": token, "reason": "客户取消"},
                       follow_redirects=True)
    page = done.get_data(as_text=True)
    assert "data-cancelled" in page and "客户取消" in page and "6.000" in page
    session.expire_all()
    assert stock.on_hand(session, farm["cucumber"].id, "grade1") == Decimal("20.000")


def test_backdated_shipment_takes_only_what_was_harvested_by_its_day(session, farm, lots):
    three_days_ago = clock.today() - timedelta(days=3)
    with pytest.raises(Invalid) as refused:
        _ship(session, lots["buyer"], "15", three_days_ago)
    message = str(refused.value.fields["lines.0.weight_kg"])
    assert "10.000" in message and three_days_ago.isoformat() in message
    session.rollback()
    shipment = _ship(session, lots["buyer"], "10", three_days_ago)
    assert _lots(session, shipment) == [(lots["old"].id, Decimal("10.000"))]
    session.commit()
    # The day the later lot was picked, it may go too.
    later = _ship(session, lots["buyer"], "10", clock.today() - timedelta(days=1))
    assert _lots(session, later) == [(lots["new"].id, Decimal("10.000"))]


def test_backdated_shipment_cannot_take_what_a_later_one_already_took(session, farm, lots):
    _ship(session, lots["buyer"], "10")  # today: takes the old lot
    session.commit()
    with pytest.raises(Invalid) as refused:
        _ship(session, lots["buyer"], "1", clock.today() - timedelta(days=3))
    assert "0.000" in str(refused.value.fields["lines.0.weight_kg"])


def test_shipment_and_loss_after_today_are_refused(session, farm, lots):
    with pytest.raises(Invalid) as refused:
        _ship(session, lots["buyer"], "1", clock.today() + timedelta(days=1))
    assert "date" in refused.value.fields
    session.rollback()
    with pytest.raises(Invalid):
        stock.record_loss(session, LossIn(crop="cucumber", grade="grade1", weight_kg=Decimal(1), reason="spoilage",
                                          date=clock.today() + timedelta(days=1)))
    session.rollback()
    with pytest.raises(Invalid):  # a back-dated loss, like a shipment, takes only what was harvested by then
        stock.record_loss(session, LossIn(crop="cucumber", grade="grade1", weight_kg=Decimal(11), reason="spoilage",
                                          date=clock.today() - timedelta(days=2)))


def test_api_backdated_shipment_beyond_that_days_stock_is_422(client, session, tokens, lots):
    day = (clock.today() - timedelta(days=3)).isoformat()
    body = {"buyer_id": lots["buyer"].id, "date": day,
            "lines": [{"crop": "cucumber", "grade": "grade1", "weight_kg": 12, "price_per_kg": 5}]}
    response = client.post("/api/v1/shipments", json=body, headers=tokens["manager"])
    assert response.status_code == 422
    assert "10.000" in response.get_json()["error"]["fields"]["lines.0.weight_kg"]
    assert session.scalar(select(func.count()).select_from(Shipment)) == 0
