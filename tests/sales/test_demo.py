"""The demo's sales follow its harvests: six buyers (two canteens as 消费帮扶), shipments nearly every day of the
history at winter prices, stock never below zero and its lineage adding up, a few overdue receivables."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from farm import clock
from farm.models.sales import Buyer, Loss, Shipment, ShipmentLine, StockAllocation
from farm.services import sales, stock


def test_demo_sales_buyers_prices_and_daily_shipments(session, demo):
    buyers = session.scalars(select(Buyer)).all()
    assert len(buyers) == 6
    assert sorted(b.kind for b in buyers if b.consumption_aid) == ["canteen", "canteen"]
    assert {b.kind for b in buyers} == {"canteen", "supermarket", "wholesale", "restaurant", "online"}
    today = clock.today()
    days = set(session.scalars(select(Shipment.day).where(Shipment.day > today - timedelta(days=90))))
    assert len(days) >= 85 and today in days
    winter = session.execute(select(func.min(ShipmentLine.price_per_kg), func.max(ShipmentLine.price_per_kg))
                             .join(Shipment).where(Shipment.day >= today - timedelta(days=30))).one()
    assert Decimal("4") <= winter[0] and winter[1] <= Decimal("11")


def test_demo_stock_never_below_zero_and_lineage_adds_up(session, demo):
    rows = stock.stock(session)
    assert rows and all(r.on_hand_kg >= 0 for r in rows)
    harvested = sum(r.harvested_kg for r in rows)
    out = sum(r.shipped_kg + r.lost_kg for r in rows)
    assert out > harvested * Decimal("0.95")  # almost all sold (or lost) within two days
    lost = sum(r.lost_kg for r in rows)
    assert 0 < lost < harvested * Decimal("0.03")
    allocated = session.scalar(select(func.sum(StockAllocation.weight_kg)))
    assert allocated == session.scalar(select(func.sum(ShipmentLine.weight_kg))) + session.scalar(
        select(func.sum(Loss.weight_kg)))


def test_demo_receivables_some_overdue(session, demo):
    rows = sales.receivables(session)
    overdue = [r for r in rows if r.overdue > 0]
    assert 1 <= len(overdue) <= 3
    assert any(r.credit > 0 for r in rows)
