"""The demo park's livelihoods: the lines, other income for two years, a handful of households below or near
the line, realistic per-capita incomes, a report whose totals are the sum of its rows."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from farm.models.livelihoods import IncomeEntry
from farm.services import livelihoods
from farm.vocab import IncomeBand

TODAY = date(2026, 11, 28)


def test_demo_livelihoods(session, demo):
    assert [livelihoods.line_for(session, y) for y in (2020, 2021, 2022, 2023, 2026)] == [
        Decimal(4000), Decimal(6000), Decimal(6000), Decimal(7300), Decimal(7300)]
    entries = list(session.scalars(select(IncomeEntry)))
    assert {e.year for e in entries} == {2025, 2026}
    assert {"transfer", "business", "wages_other", "costs"} <= {e.kind for e in entries}
    for year in (2025, 2026):
        report = livelihoods.income_report(session, year, today=TODAY)
        assert report.totals.households == len(report.rows) == 30
        bands = report.totals.bands
        assert 1 <= bands["below_line"] <= 4 and 2 <= bands["near_line"] <= 7, (year, bands)
        assert all(Decimal(4000) < r.income.per_capita < Decimal(25000) for r in report.rows)
        assert report.totals.total == sum(r.income.total for r in report.rows)
        at_risk = [r for r in report.rows if r.income.band != IncomeBand.ABOVE]
        assert all(r.status != "none" for r in at_risk if r.income.band == IncomeBand.BELOW_LINE)
    wages = livelihoods.year_incomes(session, 2026, TODAY)
    assert sum(1 for r in wages.values() if r.wages > 0) >= 10
