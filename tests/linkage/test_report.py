"""The 联农带农 report: figures counted by hand on a small park, sums of groups and rows, periods, bad input."""
from __future__ import annotations

from datetime import date

import pytest

from farm import clock
from farm.errors import Invalid
from farm.services import linkage
from tests.linkage.park import EXPECTED_2025, EXPECTED_2025_GROUPS, EXPECTED_2025_Q1, NOW, make_linkage_park


@pytest.fixture
def park(session):
    with clock.frozen(NOW):
        yield make_linkage_park(session)


def _figures(f: linkage.Figures, names) -> dict:
    return {name: getattr(f, name) for name in names}


def test_year_figures_match_the_hand_count(session, park):
    result = linkage.report(session, 2025, today=date(2026, 6, 15))
    assert _figures(result.totals, EXPECTED_2025) == EXPECTED_2025
    groups = {g.village_group: _figures(g.figures, EXPECTED_2025_GROUPS["一组"]) for g in result.groups}
    assert groups == EXPECTED_2025_GROUPS


def test_quarter_figures_match_the_hand_count(session, park):
    result = linkage.report(session, 2025, 1, today=date(2026, 6, 15))
    assert (result.period.start, result.period.end) == (date(2025, 1, 1), date(2025, 4, 1))
    assert _figures(result.totals, EXPECTED_2025_Q1) == EXPECTED_2025_Q1


@pytest.mark.parametrize("quarter", [None, 1, 2, 3, 4])
def test_totals_are_the_sums_of_groups_and_of_household_lines(session, park, quarter):
    result = linkage.report(session, 2025, quarter, today=date(2026, 6, 15))
    from_groups, from_lines = linkage.Figures(), linkage.Figures()
    for g in result.groups:
        from_groups.add(g.figures)
    for line in result.households:
        from_lines.add(line.figures)
    from_lines.add(result.unhoused_total)
    assert from_groups == result.totals
    assert from_lines == result.totals


def test_the_quarters_add_up_to_the_year_for_flows(session, park):
    year = linkage.report(session, 2025, today=date(2026, 6, 15)).totals
    quarters = [linkage.report(session, 2025, q, today=date(2026, 6, 15)).totals for q in (1, 2, 3, 4)]
    for name in ("rent_paid", "worker_days", "wages_paid"):
        assert sum(getattr(q, name) for q in quarters) == getattr(year, name), name


def test_households_not_linked_are_not_counted(session, park):
    result = linkage.report(session, 2025, today=date(2026, 6, 15))
    names = {line.name for line in result.households}
    assert "赵四" not in names and "孙五" not in names
    assert linkage.report(session, 2024, today=date(2026, 6, 15)).totals.households == 3  # 王建国, 赵四 (work), 孙五


@pytest.mark.parametrize("year, quarter, field", [
    (2027, None, "year"), (2026, 3, "quarter"), (2026, 4, "quarter"), (2025, 0, "quarter"), (2025, 5, "quarter"),
    (1899, None, "year"), ("2025", None, "year"), (2025.0, None, "year"), (True, None, "year"), (2025, True, "quarter"), (2025, 1.0, "quarter"), (2025, "1", "quarter"),
])
def test_bad_periods_are_refused_with_the_field(session, year, quarter, field):
    with pytest.raises(Invalid) as caught:
        linkage.period(year, quarter, today=date(2026, 6, 15))
    assert field in caught.value.fields


def test_the_current_quarter_is_a_period(session):
    p = linkage.period(2026, 2, today=date(2026, 6, 15))
    assert (p.start, p.end, p.months) == (date(2026, 4, 1), date(2026, 7, 1), ["2026-04", "2026-05", "2026-06"])
