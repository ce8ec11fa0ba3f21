"""The running stock totals the database keeps by triggers always equal the sums of the records, whatever writes
them: harvests logged, corrected (weight, grade), voided and deleted; shipments; losses; a shipment deleted with its
lines; a bulk insert that bypasses the services."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import insert, select

from farm import clock
from farm.models.harvest import Harvest
from farm.models.sales import Shipment
from farm.services import stock
from tests.trace.conftest import ship


def _agree(session) -> dict:
    session.expire_all()
    kept, counted = stock._sums(session), stock.recount(session)
    assert kept == counted
    return kept


def test_stock_totals_follow_every_change(client, session, traced):
    kept = _agree(session)
    cucumber = next(k for k in kept if k[1] == "grade1" and kept[k][0] == Decimal("70.000"))
    assert kept[cucumber] == [Decimal("70.000"), Decimal("65.000"), Decimal("0.000")]
    m = traced.manager
    new = client.post("/api/v1/harvests", json={"greenhouse": "GH-001", "weight_kg": "12.345", "grade": "grade2",
                                               "harvested_at": "2026-11-20T08:00:00+08:00"}, headers=m).get_json()
    _agree(session)
    assert client.patch(f"/api/v1/harvests/{new['id']}", json={"weight_kg": "10.5", "grade": "premium"},
                        headers=m).status_code == 200
    kept = _agree(session)
    assert kept[(cucumber[0], "premium")][0] == Decimal("10.500") and (cucumber[0], "grade2") not in kept
    assert client.post(f"/api/v1/harvests/{new['id']}/void", json={"reason": "typed twice"},
                       headers=m).status_code == 200
    assert (cucumber[0], "premium") not in _agree(session)
    # A shipment deleted with its lines (a cascade), and a harvest deleted outright.
    session.delete(session.get(Shipment, traced.shipments[1]["id"]))
    session.commit()
    assert _agree(session)[cucumber][1] == Decimal("50.000")
    session.delete(session.get(Harvest, new["id"]))
    session.commit()
    _agree(session)
    # A bulk insert that no service sees.
    harvest = session.scalar(select(Harvest).order_by(Harvest.id))
    at = clock.at_local(date(2026, 11, 20))
    session.execute(insert(Harvest), [{"greenhouse_id": harvest.greenhouse_id, "planting_id": harvest.planting_id,
                                       "crop_id": harvest.crop_id, "weight_kg": Decimal("0.001") * n,
                                       "grade": "grade1", "harvested_at": at, "day": at.date(),
                                       "entered_by_id": harvest.entered_by_id, "created_at": at, "updated_at": at,
                                       "note": "", "void_reason": ""} for n in range(1, 101)])
    session.commit()
    assert _agree(session)[cucumber][0] == Decimal("75.050")  # 70 + 5.050 (the thousandths 1..100 g)
    ship(session, traced.buyers[1], date(2026, 11, 20), [("cucumber", "grade1", "3.333", "6.00")])
    session.commit()
    _agree(session)
