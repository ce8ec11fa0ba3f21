"""The set-based rollups against a plain Python aggregation of the same readings, on random readings delivered on
time, a few minutes late, hours late (through the ingest's backlog) and twice, with the job running every 5 minutes."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from farm.models.rollups import ReadingRollup, RollupBacklog, RollupMark
from farm.models.sensors import Device, Reading
from farm.services import rollups
from sensors.ingest import LATE_AFTER
from tests.factories import make_park

UTC = timezone.utc
# Four hours that hold the park's midnight (Asia/Shanghai: 16:00 UTC), so park days and hours both get cut.
START = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
SPAN = 4 * 3600
METRICS = ("temperature", "co2")

reading = st.tuples(
    st.integers(0, 2),                                   # device
    st.sampled_from(METRICS),
    st.integers(0, SPAN // 20 - 1).map(lambda i: i * 20),  # seconds from START, on a coarse grid: duplicates happen
    st.integers(-400, 400).map(lambda v: v / 8),         # value
    st.one_of(st.just(0), st.integers(1, 40 * 60), st.integers(70 * 60, 5 * 3600)),  # delay: none, minutes, hours
)


def _devices(session) -> list[Device]:
    devices = session.scalars(select(Device).order_by(Device.id)).all()
    if devices:
        return list(devices)
    park = make_park(session, greenhouses=2)
    devices = [Device(code=f"d-{i}", greenhouse_id=park.greenhouses[i % 2].id) for i in range(3)]
    session.add_all(devices)
    session.commit()
    return devices


def _deliver(session, dialect, devices, batch, now) -> None:
    """What the ingest does with a batch: insert, keep the first of a reading delivered twice, note late ones."""
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(make(Reading).on_conflict_do_nothing(), [
        {"device_id": devices[d].id, "metric": m, "ts": ts, "greenhouse_id": devices[d].greenhouse_id, "value": v}
        for d, m, ts, v in batch])
    late: dict[int, datetime] = {}
    for d, _, ts, _ in batch:
        if ts < now - LATE_AFTER:
            late[devices[d].id] = min(ts, late.get(devices[d].id, ts))
    if late:
        session.execute(rollups.note_late_statement(dialect),
                        [{"device_id": d, "since": ts, "noted_at": now} for d, ts in late.items()])


def _expected(session) -> dict:
    """{(resolution, device, metric, period): (greenhouse, min, max, mean, count)} from the stored raw readings."""
    groups: dict = defaultdict(list)
    gh = {d.id: d.greenhouse_id for d in session.scalars(select(Device))}
    for device_id, metric, ts, value in session.execute(
            select(Reading.device_id, Reading.metric, Reading.ts, Reading.value)):
        for resolution, key in (("5m", rollups.floor5), ("1h", rollups.hour_start), ("1d", rollups.day_start)):
            groups[(resolution, device_id, metric, key(ts))].append(value)
    return {k: (gh[k[1]], min(v), max(v), sum(v) / len(v), len(v)) for k, v in groups.items()}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(readings=st.lists(reading, min_size=1, max_size=120), offset=st.integers(0, 299))
def test_rollups_equal_a_plain_aggregation_of_random_late_and_repeated_readings(session, database, readings, offset):
    for table in (Reading, ReadingRollup, RollupMark, RollupBacklog):
        session.execute(delete(table))
    devices = _devices(session)
    # Each reading arrives at its time plus its delay; the job runs every 5 minutes (at a random second of it).
    arrivals = sorted(((START + timedelta(seconds=s + delay), (d, m, START + timedelta(seconds=s), v))
                       for d, m, s, v, delay in readings), key=lambda a: a[0])
    last = max(a for a, _ in arrivals)
    runs = [START + timedelta(seconds=offset + 300 * k) for k in range(int((last - START).total_seconds()) // 300 + 2)]
    pending = 0
    for now in runs:
        batch = []
        while pending < len(arrivals) and arrivals[pending][0] <= now:
            batch.append(arrivals[pending][1])
            pending += 1
        if batch:
            _deliver(session, database.dialect, devices, batch, now)
            session.commit()
        rollups.run_rollups(session, now)
        session.commit()
    # A final run once every period is complete.
    rollups.run_rollups(session, runs[-1] + timedelta(hours=1))
    session.commit()

    got = {(r.resolution, r.device_id, r.metric, r.period_start): (r.greenhouse_id, r.min, r.max, r.mean, r.count)
           for r in session.scalars(select(ReadingRollup))}
    want = _expected(session)
    assert got.keys() == want.keys()
    for key, (gh, lo, hi, mean, count) in want.items():
        assert got[key][:3] == (gh, lo, hi) and got[key][4] == count, key
        assert got[key][3] == pytest.approx(mean, rel=1e-12, abs=1e-12), key
