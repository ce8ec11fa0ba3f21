"""The demo park's land: about 840 mu from village households at 500-1,000 yuan/mu/year, with the cases a
manager should see (late payment, rent owed, a contract ending soon, one not filed)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from farm.models.land import Household, LandContract
from farm.models.people import Worker
from farm.services import land
from farm.services.rent import schedule

TODAY = date(2026, 11, 28)


def test_demo_land(session, demo):
    contracts = list(session.scalars(select(LandContract)))
    assert sum(c.area_mu for c in contracts) == Decimal("840.00")
    assert all(Decimal(500) <= c.rent_per_mu_year <= Decimal(1000) for c in contracts)
    households = list(session.scalars(select(Household)))
    assert {h.village_group for h in households} == {f"曙光村{n}组" for n in "一二三四五六"}
    assert sum(h.status == "lifted" for h in households) >= 5
    assert sum(len(c.greenhouses) for c in contracts) == 104
    kinds = [r.kind for r in land.reminders(session, TODAY)]
    assert kinds.count("rent_overdue") >= 2 and "contract_ending" in kinds and "not_filed" in kinds
    assert "rent_due" in kinds
    late = [d for c in contracts for d in schedule(c, TODAY).dues if d.status == "paid" and d.days_late > 0]
    assert len(late) >= 3
    totals = land.totals(session, TODAY)
    assert totals.area_mu == Decimal("840.00") and totals.overdue > 0 and totals.paid_this_year > 0


def test_demo_households_livelihoods(session, demo):
    """Each household has labour (1 to its members); about a third are lifted out of poverty; three are
    monitored, each with its kind of monitoring; workers still come from lifted and monitored households."""
    households = list(session.scalars(select(Household)))
    assert all(1 <= h.labour <= h.members for h in households)
    assert len({h.labour for h in households}) > 1
    lifted = [h for h in households if h.status == "lifted"]
    monitored = [h for h in households if h.status == "monitored"]
    assert abs(len(lifted) - len(households) / 3) <= 1
    assert len(monitored) in (2, 3) and all(h.monitor_kind for h in monitored)
    assert all(h.monitor_kind is None for h in households if h.status != "monitored")
    from_watched = session.scalars(select(Worker).join(Household, Worker.household_id == Household.id)
                                   .where(Household.status.in_(("lifted", "monitored")))).all()
    assert from_watched
