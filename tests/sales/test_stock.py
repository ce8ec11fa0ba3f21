"""Stock per crop and grade and its lineage: first in, first out across harvests and grades, checked by hand;
losses; stock never below zero, also when a harvest that was shipped is corrected or voided."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from farm.errors import Conflict, Invalid
from farm.inputs.sales import LossIn
from farm.models.sales import Loss, StockAllocation
from farm.services import stock
from tests.sales.factories import harvest

D1, D2, D3 = date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 22)


def _row(session, crop: str, grade: str):
    return next(r for r in stock.stock(session) if r.crop == crop and r.grade == grade)


def _lineage(loss: Loss) -> list[tuple[int, Decimal]]:
    return [(a.harvest_id, a.weight_kg) for a in loss.allocations]


def test_stock_fifo_takes_the_oldest_harvests_first_per_crop_and_grade(session, farm):
    # cucumber grade1: 30 kg on D1 in GH-001 (h1), 20 kg on D1 later in GH-002 (h2), 40 kg on D2 (h3);
    # cucumber premium 15 kg on D1 (p1); tomato grade1 25 kg on D1 (t1).
    h3 = harvest(session, farm, "GH-001", D2, "40")
    h1 = harvest(session, farm, "GH-001", D1, "30", hour=7)
    h2 = harvest(session, farm, "GH-002", D1, "20", hour=9)
    p1 = harvest(session, farm, "GH-002", D1, "15", grade="premium", hour=6)
    t1 = harvest(session, farm, "GH-003", D1, "25", hour=6)
    session.commit()

    first = stock.record_loss(session, LossIn(crop="cucumber", grade="grade1", weight_kg=Decimal("35"),
                                              reason="cull", date=D3))
    # 30 from h1 (the oldest), 5 from h2; nothing from the premium or the tomatoes.
    assert _lineage(first) == [(h1.id, Decimal("30.000")), (h2.id, Decimal("5.000"))]
    second = stock.record_loss(session, LossIn(crop="cucumber", grade="grade1", weight_kg=Decimal("20.5"),
                                               reason="spoilage", date=D3))
    assert _lineage(second) == [(h2.id, Decimal("15.000")), (h3.id, Decimal("5.500"))]
    session.commit()

    row = _row(session, "cucumber", "grade1")
    assert (row.harvested_kg, row.lost_kg, row.shipped_kg, row.on_hand_kg) == (
        Decimal("90.000"), Decimal("55.500"), Decimal("0.000"), Decimal("34.500"))
    assert _row(session, "cucumber", "premium").on_hand_kg == Decimal("15.000")
    assert _row(session, "tomato", "grade1").on_hand_kg == Decimal("25.000")
    assert {p1.id, t1.id}.isdisjoint(set(session.scalars(select(StockAllocation.harvest_id))))


def test_stock_loss_beyond_on_hand_is_refused_with_the_amount_and_nothing_is_stored(session, farm):
    harvest(session, farm, "GH-001", D1, "12.5")
    session.commit()
    with pytest.raises(Invalid) as refused:
        stock.record_loss(session, LossIn(crop="cucumber", grade="grade1", weight_kg=Decimal("12.501"),
                                          reason="cull", date=D2))
    assert "12.500" in str(refused.value.fields["weight_kg"])
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Loss)) == 0
    assert _row(session, "cucumber", "grade1").on_hand_kg == Decimal("12.500")


@pytest.mark.parametrize("crop, grade, reason, field", [
    ("melon", "grade1", "cull", "crop"),
    ("cucumber", "grade1", "stolen", "reason"),
])
def test_stock_loss_with_unknown_crop_or_reason_is_refused(session, farm, crop, grade, reason, field):
    from farm.inputs import parse

    harvest(session, farm, "GH-001", D1, "10")
    session.commit()
    with pytest.raises(Invalid) as refused:
        stock.record_loss(session, parse(LossIn, {"crop": crop, "grade": grade, "weight_kg": "1",
                                                  "reason": reason}, strict=True))
    assert field in refused.value.fields


def test_stock_a_shipped_harvest_cannot_be_voided_moved_or_made_lighter_than_what_left(session, farm):
    h1 = harvest(session, farm, "GH-001", D1, "30")
    stock.record_loss(session, LossIn(crop="cucumber", grade="grade1", weight_kg=Decimal("10"), reason="cull",
                                      date=D2))
    session.commit()
    h1.weight_kg = Decimal("9.999")
    with pytest.raises(Conflict):
        stock.check_harvest_change(session, h1)
    h1.weight_kg = Decimal("10")
    stock.check_harvest_change(session, h1)  # as light as what left: allowed
    h1.grade = "grade2"
    with pytest.raises(Conflict):
        stock.check_harvest_change(session, h1)
    h1.grade = "grade1"
    from farm import clock
    h1.voided_at = clock.now()
    with pytest.raises(Conflict):
        stock.check_harvest_change(session, h1)
    session.rollback()
    assert _row(session, "cucumber", "grade1").on_hand_kg == Decimal("20.000")
