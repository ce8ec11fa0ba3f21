"""The interval rule in services.sprays, in the park's days: `allowed_from`, `harvest_block` at the edges (a late
spray counts on its park day; a harvest weighed before the spray is not held), `running`, and `for_trace`."""
from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta

import pytest

from farm import clock
from farm.errors import Forbidden, Invalid
from farm.inputs.sprays import SprayIn
from farm.services import sprays


def spray(session, farm, at: datetime, greenhouse="GH-001", phi_days=None):
    s = sprays.record_spray(session, SprayIn(greenhouse=greenhouse, applied_at=at, product="吡虫啉", dose=20,
                                             target="蚜虫", phi_days=phi_days, operator=farm.worker.worker_id),
                            farm.users["manager"])
    session.flush()
    return s


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return clock.at_local(day, time(hour, minute))


def test_allowed_from_is_the_spray_day_plus_the_interval():
    assert sprays.allowed_from(date(2026, 11, 30), 3) == date(2026, 12, 3)
    assert sprays.allowed_from(date(2026, 12, 31), 1) == date(2027, 1, 1)
    assert sprays.allowed_from(date(2026, 11, 10), 0) == date(2026, 11, 10)


def test_harvest_block_edges(session, farm):
    s = spray(session, farm, local(date(2026, 11, 10), 23, 30))  # late in the evening: still the 10th
    gh = s.greenhouse_id
    assert s.day == date(2026, 11, 10) and s.harvest_allowed_from == date(2026, 11, 13)
    assert sprays.harvest_block(session, gh, local(date(2026, 11, 10), 23, 29)) is None  # weighed before it
    assert sprays.harvest_block(session, gh, local(date(2026, 11, 10), 23, 30)) is not None
    block = sprays.harvest_block(session, gh, local(date(2026, 11, 12), 23, 59))
    assert (block.product, block.applied_on, block.allowed_from) == ("吡虫啉", date(2026, 11, 10), date(2026, 11, 13))
    assert sprays.harvest_block(session, gh, local(date(2026, 11, 13), 0, 0)) is None


def test_check_harvest_refuses_names_the_date_and_lets_a_manager_through(session, farm):
    s = spray(session, farm, local(date(2026, 11, 10), 17))
    at = local(date(2026, 11, 11), 8)
    with pytest.raises(Invalid) as refused:
        sprays.check_harvest(session, s.greenhouse_id, at, farm.users["manager"])
    assert refused.value.fields["harvest_allowed_from"] == "2026-11-13"
    with pytest.raises(Forbidden):
        sprays.check_harvest(session, s.greenhouse_id, at, farm.worker, "急用")
    block = sprays.check_harvest(session, s.greenhouse_id, at, farm.users["manager"], "复检合格")
    assert block.spray_id == s.id
    # A worker's reason is refused even where nothing is running: the reason is a manager's word.
    with pytest.raises(Forbidden):
        sprays.check_harvest(session, s.greenhouse_id, local(date(2026, 11, 13), 8), farm.worker, "急用")


def test_running_names_the_interval_ending_last_per_greenhouse(session, farm, frozen_clock):
    today = clock.today()
    spray(session, farm, local(today - timedelta(days=1), 17), phi_days=5)
    spray(session, farm, local(today - timedelta(days=2), 17), phi_days=2)  # ends today: no longer running
    spray(session, farm, local(today - timedelta(days=1), 18), greenhouse="GH-002", phi_days=1)  # ends today
    running = sprays.running(session)
    assert list(running) == [farm.park.greenhouses[0].id]
    assert running[farm.park.greenhouses[0].id].allowed_from == today + timedelta(days=4)


def test_for_trace_gives_the_sprays_of_the_greenhouses_in_the_range_without_people(session, farm):
    first = spray(session, farm, local(date(2026, 11, 1), 17))
    spray(session, farm, local(date(2026, 10, 31), 17))  # before the range
    spray(session, farm, local(date(2026, 11, 15), 17))  # on its end: out
    spray(session, farm, local(date(2026, 11, 5), 17), greenhouse="GH-002")  # another greenhouse
    rows = sprays.for_trace(session, [first.greenhouse_id], date(2026, 11, 1), date(2026, 11, 15))
    assert [(r.greenhouse, r.product, r.applied_on, r.phi_days, r.harvest_allowed_from) for r in rows] == [
        ("GH-001", "吡虫啉", date(2026, 11, 1), 3, date(2026, 11, 4))]
    assert not {"operator", "operator_name", "recorded_by"} & {f.name for f in dataclasses.fields(rows[0])}
    assert sprays.for_trace(session, [], date(2026, 11, 1), date(2026, 11, 15)) == []
