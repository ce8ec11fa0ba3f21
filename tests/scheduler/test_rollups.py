"""Rollups against hand-computed values: period edges, the park's midnight, catch-up, late readings, purge."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, insert, select

from farm.models.rollups import ReadingRollup, RollupMark
from farm.models.sensors import Device, Reading
from farm.services import rollups, settings
from tests.factories import make_park

UTC = timezone.utc


def t(h, m=0, s=0, day=28):
    return datetime(2026, 11, day, h, m, s, tzinfo=UTC)


def _device(session):
    park = make_park(session, greenhouses=1)
    device = Device(code="th-001", greenhouse_id=park.greenhouses[0].id)
    session.add(device)
    session.flush()
    return device


def _add(session, device, points, metric="temperature"):
    session.execute(insert(Reading), [{"device_id": device.id, "metric": metric, "ts": ts,
                                       "greenhouse_id": device.greenhouse_id, "value": v} for ts, v in points])


def _rollups(session, resolution, metric="temperature"):
    rows = session.scalars(select(ReadingRollup).where(ReadingRollup.resolution == resolution,
                                                       ReadingRollup.metric == metric)
                           .order_by(ReadingRollup.period_start)).all()
    return [(r.period_start, r.min, r.max, r.mean, r.count) for r in rows]


def test_rollups_hand_computed_across_period_edges_and_park_midnight(session):
    device = _device(session)
    # The park (Asia/Shanghai, UTC+8) starts a new day at 16:00 UTC.
    _add(session, device, [(t(15, 54, 59), 1.0), (t(15, 55), 3.0), (t(15, 59, 59), 5.0),
                           (t(16, 0), 10.0), (t(16, 4, 59), 20.0), (t(16, 5), 7.0)])
    session.commit()
    rollups.run_rollups(session, t(16, 7))  # the 16:05 period is not complete yet
    session.commit()
    assert _rollups(session, "5m") == [(t(15, 50), 1, 1, 1, 1), (t(15, 55), 3, 5, 4, 2), (t(16, 0), 10, 20, 15, 2)]
    assert _rollups(session, "1h") == [(t(15), 1, 5, 3, 3), (t(16), 10, 20, 15, 2)]
    assert _rollups(session, "1d") == [(t(16, day=27), 1, 5, 3, 3), (t(16), 10, 20, 15, 2)]
    # The next run adds the 16:05 period and refolds the hour and the day; running twice changes nothing.
    for _ in range(2):
        rollups.run_rollups(session, t(16, 10))
        session.commit()
    assert _rollups(session, "5m")[-1] == (t(16, 5), 7, 7, 7, 1)
    assert _rollups(session, "1h")[-1] == (t(16), 7, 20, 37 / 3, 3)
    assert _rollups(session, "1d") == [(t(16, day=27), 1, 5, 3, 3), (t(16), 7, 20, 37 / 3, 3)]


def test_rollups_without_readings_only_set_the_mark(session):
    _device(session)
    session.commit()
    result = rollups.run_rollups(session, t(12, 3))
    session.commit()
    assert result["pairs"] == 0
    assert session.get(RollupMark, "readings").done_until == t(12)
    assert session.scalar(select(func.count()).select_from(ReadingRollup)) == 0


def test_rollups_catch_up_after_three_hour_gap_computes_exactly_the_missing_periods(session):
    device = _device(session)
    _add(session, device, [(t(10) + timedelta(minutes=i), float(i)) for i in range(6 * 60)])
    settings.put(session, "rollups.late_hours", "0")
    session.commit()
    rollups.run_rollups(session, t(13))
    session.commit()
    assert len(_rollups(session, "5m")) == 36
    # The scheduler was down 13:00-16:00: the next run folds exactly the 36 missing periods.
    result = rollups.run_rollups(session, t(16, 2))
    session.commit()
    assert (result["from"], result["to"]) == (t(13), t(16))
    fives = _rollups(session, "5m")
    assert [p[0] for p in fives] == [t(10) + timedelta(minutes=5 * i) for i in range(72)]
    assert all(p[4] == 5 for p in fives)
    assert fives[36] == (t(13), 180, 184, 182, 5)
    hours = _rollups(session, "1h")
    assert [(h[0], h[4]) for h in hours] == [(t(h), 60) for h in range(10, 16)]
    assert hours[5] == (t(15), 300, 359, 329.5, 60)
    assert _rollups(session, "1d") == [(t(16, day=27), 0, 359, 179.5, 360)]


def test_rollups_fold_late_readings_into_their_periods(session):
    device = _device(session)
    _add(session, device, [(t(11, 1), 10.0), (t(11, 30), 20.0)])
    session.commit()
    rollups.run_rollups(session, t(13))
    session.commit()
    # A device sends its buffer two hours late: a 6-hour window folds it in.
    settings.put(session, "rollups.late_hours", "6")
    _add(session, device, [(t(11, 3), 40.0)])
    session.commit()
    rollups.run_rollups(session, t(13, 5))
    session.commit()
    assert _rollups(session, "5m")[0] == (t(11), 10, 40, 25, 2)
    assert _rollups(session, "1h") == [(t(11), 10, 40, 70 / 3, 3)]
    assert _rollups(session, "1d") == [(t(16, day=27), 10, 40, 70 / 3, 3)]


def test_purge_removes_only_readings_older_than_the_setting(session):
    device = _device(session)
    now = t(12)
    _add(session, device, [(now - timedelta(days=40, minutes=i), 1.0) for i in range(0, 60 * 24 * 5, 30)]
         + [(now - timedelta(days=29), 2.0), (now - timedelta(minutes=1), 3.0)])
    session.commit()
    removed = rollups.purge_raw(session, now)
    session.commit()
    assert removed == 240
    assert session.scalars(select(Reading.value).order_by(Reading.ts)).all() == [2.0, 3.0]


def test_purge_in_slices_removes_everything_older_than_the_cutoff_and_nothing_newer(session, monkeypatch):
    """Several devices and metrics, a gap of days, readings on both sides of the cutoff to the microsecond: the
    sliced range deletes (by device on SQLite, by time on PostgreSQL) leave exactly the newer readings."""
    monkeypatch.setattr(rollups, "PURGE_ROWS", 7)  # many small slices, each sized from the one before
    monkeypatch.setattr(rollups, "PURGE_PAUSE", 0.0)
    park = make_park(session, greenhouses=2)
    devices = [Device(code=f"d-{n}", greenhouse_id=park.greenhouses[n % 2].id) for n in range(3)]
    session.add_all(devices)
    session.flush()
    now = t(12)
    cutoff = now - timedelta(days=30)
    ages = ([timedelta(days=60) - timedelta(minutes=7 * i) for i in range(40)]  # a dense old stretch
            + [timedelta(days=35, hours=h) for h in range(5)]  # a gap of weeks before it
            + [timedelta(days=30, microseconds=1), timedelta(days=30), timedelta(days=30) - timedelta(microseconds=1),
               timedelta(days=29), timedelta(minutes=1)])
    for device in devices:
        for metric in ("temperature", "co2", "light"):
            _add(session, device, [(now - age, 1.0) for age in ages], metric=metric)
    session.commit()
    keep = {(r.device_id, r.metric, r.ts) for r in session.scalars(select(Reading)).all()
            if r.ts >= cutoff}
    removed = rollups.purge_raw(session, now)
    session.commit()
    assert removed == 3 * 3 * (40 + 5 + 1)
    assert {(r.device_id, r.metric, r.ts) for r in session.scalars(select(Reading)).all()} == keep
    assert len(keep) == 3 * 3 * 4
    assert rollups.purge_raw(session, now) == 0  # nothing left to purge


def test_purge_slices_stay_within_bounds_across_many_devices():
    """Each device's last slice is cut short at the cutoff and often nearly empty: it must not size the next device's
    first slice (it once grew fourfold a device, past what a datetime can hold after a few dozen devices)."""
    cutoff = t(12)
    purge = rollups._Purge(None, cutoff, commit_each=False)
    widths = []

    def delete_slice(lo, hi):
        widths.append(hi - lo)
        return int((hi - lo).total_seconds()) // 10 * 6  # the dense park's device: 6 metrics every 10 s

    for _ in range(400):
        purge.walk(cutoff - timedelta(hours=6), delete_slice)  # fewer rows than a slice holds
    assert sum(widths, timedelta(0)) == 400 * timedelta(hours=6)  # the slices tile each device's readings
    # Sized from the density: after the first device, never more than a few times PURGE_ROWS' worth.
    assert max(widths[len(widths) // 2:]) <= timedelta(seconds=rollups.PURGE_ROWS // 6 * 10 * 4)


def test_backlog_folds_readings_older_than_the_window_once_and_keeps_a_newer_note(session):
    from farm.models.rollups import RollupBacklog

    device = _device(session)
    _add(session, device, [(t(12), 1.0)])
    session.commit()
    rollups.run_rollups(session, t(12, 5))
    session.commit()
    # A day later the device delivers readings from yesterday 01:00, far beyond the look-back window.
    _add(session, device, [(t(1, 2), 3.0), (t(1, 4), 5.0)])
    session.add(RollupBacklog(device_id=device.id, since=t(1, 2), noted_at=t(12, 6)))
    session.commit()
    assert rollups.run_rollups(session, t(12, 10))["backlog"] == 1
    session.commit()
    assert _rollups(session, "5m")[0] == (t(1), 3.0, 5.0, 4.0, 2)
    assert _rollups(session, "1h")[0] == (t(1), 3.0, 5.0, 4.0, 2)
    # The park day (from 16:00 UTC the day before) holds both the late readings and the 12:00 one.
    assert _rollups(session, "1d") == [(t(16, day=27), 1.0, 5.0, 3.0, 3)]
    assert session.scalar(select(func.count()).select_from(RollupBacklog)) == 0
    # Running again changes nothing.
    rollups.run_rollups(session, t(12, 15))
    session.commit()
    assert _rollups(session, "5m")[0] == (t(1), 3.0, 5.0, 4.0, 2)


def test_ingest_upsert_keeps_the_oldest_late_time(session, database):
    from farm.models.rollups import RollupBacklog

    device = _device(session)
    session.commit()
    stmt = rollups.note_late_statement(database.dialect)
    for since, noted in ((t(5), t(12)), (t(3), t(12, 1)), (t(8), t(12, 2))):
        session.execute(stmt, [{"device_id": device.id, "since": since, "noted_at": noted}])
    session.commit()
    note = session.get(RollupBacklog, device.id)
    assert (note.since, note.noted_at) == (t(3), t(12, 2))


# sqlite_stat1 as ANALYZE left it on the benchmark's week of the current park (104 devices, 5 metrics, a reading a
# minute): with these statistics SQLite chose to build an automatic index over the whole rollups table on every run.
WEEK_STATS = [("reading_rollups", "sqlite_autoindex_reading_rollups_1", "1140360 10965 2193 731 1"),
              ("reading_rollups", "ix_reading_rollups_hours", "87880 845 169 169 1 1 1 1 1 1"),
              ("reading_rollups", "ix_reading_rollups_days", "4160 40 8 8 1 1 1 1 1 1"),
              ("readings", "readings", "5241600 50400 10080 1"), ("devices", "sqlite_autoindex_devices_1", "104 1")]


def test_sqlite_folds_read_the_rollups_key_whatever_the_statistics(session, database):
    """Every fold statement runs through the tables' keys, never an automatic index built over the whole table (which
    made a run's time follow the history: 2.7 s with a week behind it against 0.05 s with a day)."""
    import pytest
    from sqlalchemy import event, text

    if database.dialect != "sqlite":
        pytest.skip("SQLite's planner")
    device = _device(session)
    _add(session, device, [(t(9, m), float(m)) for m in range(0, 60, 7)])
    session.commit()
    rollups.run_rollups(session, t(9, 5))  # the mark, and rollups to fold the hour and day from
    session.commit()
    plans: list[str] = []

    def explain(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO reading_rollups"):
            rows = cursor.connection.execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()
            plans.append(" / ".join(row[-1] for row in rows))

    with database.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
        conn.execute(text("DELETE FROM sqlite_stat1"))
        conn.execute(text("INSERT INTO sqlite_stat1 VALUES (:t, :i, :s)"),
                     [{"t": tbl, "i": idx, "s": stat} for tbl, idx, stat in WEEK_STATS])
    database.dispose()  # new connections load the statistics
    event.listen(database.engine, "before_cursor_execute", explain)
    try:
        rollups.run_rollups(session, t(10, 5))
        session.commit()
    finally:
        event.remove(database.engine, "before_cursor_execute", explain)
        session.close()
        with database.engine.begin() as conn:
            conn.execute(text("DELETE FROM sqlite_stat1"))
        database.dispose()
    assert len(plans) == 3, plans  # 5-minute periods, hours, the park day
    assert not [p for p in plans if "AUTOMATIC" in p], plans
    assert _rollups(session, "1h")[-1][0] == t(9)
