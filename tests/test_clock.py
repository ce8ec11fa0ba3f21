"""farm/clock.py: the one reader of typed days and months refuses what would leave the calendar."""
from __future__ import annotations

from datetime import date

import pytest

from farm import clock
from farm.errors import Invalid


@pytest.mark.parametrize("text", ["9999-12-31", "0001-01-01", "1899-12-31", "2201-01-01", "2026-02-30", "20261101"])
def test_clock_parse_day_refuses_days_outside_the_park_calendar(text):
    with pytest.raises(Invalid) as exc:
        clock.parse_day(text, "from")
    assert "from" in exc.value.fields


@pytest.mark.parametrize("text", ["9999-12", "0001-01", "2026-13", "2026-1"])
def test_clock_parse_month_refuses_months_outside_the_park_calendar(text):
    with pytest.raises(Invalid):
        clock.parse_month(text)


def test_clock_the_edges_still_have_a_next_day_and_month():
    last = clock.parse_day("2200-12-31")
    assert clock.day_bounds(last)[1] > clock.day_bounds(last)[0]
    assert clock.next_month(clock.parse_month("2200-12")) == "2201-01"
    assert clock.previous_month(clock.parse_month("1900-01")) == "1899-12"
    assert clock.parse_day("", default=date(2026, 1, 1)) == date(2026, 1, 1)
