"""The demo's assets: every greenhouse, the packing shed and the irrigation in the operating ledger, funded mostly
by fiscal linkage funds; three years of returns at 6 % (the last partly paid, so overdue) and their distributions,
whose dividends reach the lifted-out and monitored households."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from farm.models.assets import Asset
from farm.models.land import Household
from farm.services import assets

TODAY = date(2026, 11, 28)


def test_demo_assets_ledgers_of_last_year(session, demo):
    rows = list(session.scalars(assets.assets_query()))
    assert len(rows) == 106 and all(a.category == "operating" for a in rows)
    greenhouse_assets = [a for a in rows if a.kind == "greenhouse"]
    assert sorted(g.code for a in greenhouse_assets for g in a.greenhouses) == [f"GH-{n:03d}" for n in range(1, 105)]
    assert {a.kind for a in rows} == {"greenhouse", "packing_shed", "irrigation"}
    for asset in rows:
        funding = assets.funding_by_source(asset)
        assert funding["fiscal"] > 0 and sum(funding.values()) == asset.value
        assert assets.return_due(asset, 2025) == (assets.public_funds(asset) * Decimal("0.06")).quantize(Decimal("0.01"))
    solar = [a for a in greenhouse_assets if a.value >= 100000]
    assert len(solar) > 90
    book = assets.ledgers(session, 2025, TODAY)
    assert book.total == book.by_category["operating"] == book.by_year[-1][1]
    assert book.total.received < book.total.return_due and book.total.distributed == book.total.received
    assert [y.year for y in assets.return_years(session, TODAY) if y.overdue] == [2025]
    assert [r.kind for r in assets.return_reminders(session, TODAY)] == ["return_overdue"]


def test_demo_dividends_reach_lifted_and_monitored_households(session, demo):
    paid = assets.dividends_by_household(session, date(2026, 1, 1), date(2027, 1, 1))
    households = {h.id: h for h in session.scalars(select(Household))}
    assert paid and all(households[h].status in ("lifted", "monitored") for h in paid)
    assert {h.id for h in households.values() if h.status in ("lifted", "monitored")} == set(paid)
    per_member = {paid[h] / households[h].members for h in paid}
    assert max(per_member) - min(per_member) < Decimal("0.01") * 2  # weighted by members, to the fen
    assert session.query(Asset).filter(Asset.status == "in_use").count() == 106
