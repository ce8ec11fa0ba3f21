"""What buyers owe by age on fixed days: the buckets' edges (30/31, 60/61, 90/91 days), payments made after the
day asked for, credit beside what is owed, overdue after the payment days."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from farm.inputs.sales import BuyerIn, PaymentIn, ShipmentIn
from farm.services import sales
from tests.sales.factories import harvest

ON = date(2026, 6, 30)


@pytest.fixture
def buyers(session, farm):
    harvest(session, farm, "GH-001", date(2026, 1, 5), "500")
    canteen = sales.create_buyer(session, BuyerIn(name="食堂", kind="canteen", consumption_aid=True))
    shop = sales.create_buyer(session, BuyerIn(name="超市", kind="supermarket"))
    session.commit()
    return canteen, shop


def _ship(session, buyer, day: date, kg: str, price: str = "5.00"):
    return sales.create_shipment(session, ShipmentIn.model_validate({
        "buyer_id": buyer.id, "date": day,
        "lines": [{"crop": "cucumber", "grade": "grade1", "weight_kg": kg, "price_per_kg": price}]}))


def test_receivables_ageing_on_a_fixed_day(session, buyers):
    canteen, shop = buyers
    # Ages on ON: 0, 30, 31, 60, 61, 90, 91 days.
    for days, kg in ((0, "1"), (30, "2"), (31, "3"), (60, "4"), (61, "5"), (90, "6"), (91, "7")):
        _ship(session, canteen, ON - timedelta(days=days), kg)
    partly = _ship(session, shop, ON - timedelta(days=45), "10")  # 50 元, 20 paid before ON, 30 after
    sales.record_payment(session, partly.id, PaymentIn(paid_on=ON - timedelta(days=1), amount=Decimal("20")))
    sales.record_payment(session, partly.id, PaymentIn(paid_on=ON + timedelta(days=1), amount=Decimal("30")))
    session.commit()

    rows = {r.buyer: r for r in sales.receivables(session, ON)}
    c = rows["食堂"]
    assert c.buckets == {"0-30": Decimal("15.00"), "31-60": Decimal("35.00"), "61-90": Decimal("55.00"),
                         "90+": Decimal("35.00")}
    assert c.outstanding == Decimal("140.00") and c.shipments == 7 and c.oldest == ON - timedelta(days=91)
    assert c.overdue == Decimal("125.00")  # older than the 30 payment days: 31 days and more
    s = rows["超市"]
    assert s.buckets["31-60"] == Decimal("30.00") and s.outstanding == Decimal("30.00")
    # A day later the second payment counts: the shop owes nothing and drops out.
    assert "超市" not in {r.buyer for r in sales.receivables(session, ON + timedelta(days=1))}


def test_receivables_overpayment_is_credit_beside_what_is_owed(session, buyers):
    canteen, _ = buyers
    first = _ship(session, canteen, ON - timedelta(days=10), "10")  # 50 元
    _ship(session, canteen, ON - timedelta(days=5), "4")  # 20 元
    sales.record_payment(session, first.id, PaymentIn(paid_on=ON, amount=Decimal("65")))
    session.commit()
    (row,) = sales.receivables(session, ON)
    assert (row.outstanding, row.credit, row.net) == (Decimal("20.00"), Decimal("15.00"), Decimal("5.00"))
    assert sales.settled(first).status == "paid" and sales.settled(first).credit == Decimal("15.00")


@pytest.mark.parametrize("days, bucket", [(0, "0-30"), (30, "0-30"), (31, "31-60"), (60, "31-60"),
                                          (61, "61-90"), (90, "61-90"), (91, "90+"), (400, "90+")])
def test_receivables_bucket_edges(days, bucket):
    assert sales.age_bucket(days).value == bucket
