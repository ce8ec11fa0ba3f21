"""Packed units feed the crate pay once: harvest crates before the day `pay.crates_from_packing` is 1, the
packer's units from it on; never both on one day."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from farm.inputs.sales import PackingIn, PackSizeIn
from farm.services import payroll, sales, settings
from tests.sales.factories import harvest

SWITCH = date(2026, 11, 10)


def test_crate_pay_comes_from_harvests_before_the_switch_and_from_packing_after(session, farm):
    worker = farm["worker"]
    sales.set_pack_size(session, PackSizeIn(crop="cucumber", grade="grade1", unit="box", net_kg=Decimal("5")))
    harvest(session, farm, "GH-001", date(2026, 11, 9), "100", crates=10)   # before: 10 crates paid
    harvest(session, farm, "GH-001", date(2026, 11, 10), "100", crates=10)  # after: not paid as crates
    settings.put(session, "pay.crates_from_packing", "1", SWITCH)
    sales.record_packing(session, PackingIn(packer=worker.id, crop="cucumber", grade="grade1", units=7,
                                            day=date(2026, 11, 9)))  # before the switch: not paid
    sales.record_packing(session, PackingIn(packer=worker.id, crop="cucumber", grade="grade1", units=12,
                                            day=date(2026, 11, 11)))
    session.commit()
    pay = payroll.compute(session, "2026-11")[worker.id]
    assert pay.crates == 10 + 12
    assert pay.piece_kg == Decimal("200")


def test_crates_from_packing_takes_only_0_or_1(session, farm):
    import pytest

    from farm.errors import Invalid

    with pytest.raises(Invalid):
        settings.put(session, "pay.crates_from_packing", "2", SWITCH)
