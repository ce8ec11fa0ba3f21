"""Rollups of the readings: 5-minute, hourly and park-day min/mean/max/count per device and metric.

Each run folds the complete 5-minute periods since the last run, going back `rollups.late_hours` more so readings
that arrive late (a device sending its buffer) are folded into their periods; readings older than that are noted
by the ingest in a backlog (device, oldest time) and folded from there; every period is upserted, so running
twice changes nothing. Hours touched are recomputed from the 5-minute rollups, park days from the hours (from the
5-minute rollups where the park's midnight is not on a UTC hour).

Each fold is one set-based statement (INSERT ... SELECT ... GROUP BY ... ON CONFLICT DO UPDATE) per resolution and
window, run inside the database: one for the 5-minute periods of the whole park, one for its hours, one for its park
days (a long catch-up goes a day at a time). They read only the window, never the history: SQLite drives from the
devices, metrics and periods into the tables' keys (the readings table is stored in key order); PostgreSQL reads the
park's newest hour of raw readings through a BRIN index on the time (its heap is in arrival order) and the rollups
through their key, per device and metric. The backlog folds the same way, each noted device from its own time.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, case, delete, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from farm import clock
from farm.models.base import UTCDateTime
from farm.models.rollups import RollupBacklog, RollupMark
from farm.models.sensors import Device, Reading
from farm.services import settings
from farm.services.settings import SettingSpec, _int
from farm.vocab import Metric

LATE_HOURS = settings.register(SettingSpec(
    # One hour is plenty: the ingest notes any reading more than 10 minutes late in the backlog, folded apart, so
    # this window only has to cover readings a few minutes late; each hour of it costs a re-read of the raw data.
    "rollups.late_hours", 1, _int, _l("Hours back in which late readings are folded into rollups"), _l("hours"),
    Decimal(0)))
RAW_DAYS = settings.register(SettingSpec(
    "readings.raw_days", 30, _int, _l("Days raw readings are kept"), _l("days"), Decimal(1)))

FIVE = timedelta(minutes=5)
MARK = "readings"


def floor5(ts: datetime) -> datetime:
    ts = ts.astimezone(timezone.utc)
    return ts.replace(minute=ts.minute - ts.minute % 5, second=0, microsecond=0)


def hour_start(ts: datetime) -> datetime:
    return ts.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)


def day_start(ts: datetime) -> datetime:
    """The UTC instant of the park's local midnight that starts the park day containing `ts`."""
    local = ts.astimezone(clock.park_tz())
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight.astimezone(timezone.utc)


def next_day_start(start: datetime) -> datetime:
    local = start.astimezone(clock.park_tz())
    return day_start((local + timedelta(hours=26)).replace(hour=0).astimezone(timezone.utc))


# --- the statements --------------------------------------------------------------------------------------------

def _period(dialect: str, column: str, resolution: str) -> str:
    """SQL for the start of the UTC 5-minute period or hour holding `column` (the benchmark's bare GROUP BY).

    PostgreSQL bins the timestamptz; SQLite keeps times as 'YYYY-MM-DD HH:MM:SS.ffffff' text in UTC (UTCDateTime),
    so the period is cut from the text.
    """
    if dialect == "postgresql":
        step = "5 minutes" if resolution == "5m" else "1 hour"
        return f"date_bin(interval '{step}', {column}, timestamptz '2000-01-01 00:00:00+00')"
    if resolution == "5m":
        return (f"(substr({column}, 1, 14) || printf('%02d', CAST(substr({column}, 15, 2) AS INTEGER) / 5 * 5)"
                f" || '\\:00.000000')")  # a backslash keeps text() from reading :00 as a parameter
    return f"(substr({column}, 1, 13) || '\\:00\\:00.000000')"


# A period whose figures did not change is left as it is: the late window re-folds an hour of periods on every run,
# almost all unchanged, and rewriting them would cost a row version each (dead tuples and WAL on PostgreSQL, page
# writes on SQLite); its hours and park day are refolded only when some 5-minute period changed.
UPSERT = ("ON CONFLICT (device_id, metric, resolution, period_start) DO UPDATE SET "
          "greenhouse_id = excluded.greenhouse_id, min = excluded.min, max = excluded.max, "
          "mean = excluded.mean, count = excluded.count "
          "WHERE reading_rollups.count <> excluded.count OR reading_rollups.min <> excluded.min "
          "OR reading_rollups.max <> excluded.max OR reading_rollups.mean <> excluded.mean "
          "OR reading_rollups.greenhouse_id <> excluded.greenhouse_id")
COLUMNS = "reading_rollups (device_id, metric, resolution, period_start, greenhouse_id, min, max, mean, count)"
# Which devices a fold covers: the whole park, or those with a backlog note (each from its own oldest reading).
PARK, BACKLOG = "park", "backlog"
# What each resolution is folded from: the table, its time column, its filter, and min, max, sum, count.
SOURCES = {
    "5m": ("readings", "ts", "", "min(x.value)", "max(x.value)", "sum(x.value)", "count(*)"),
    "1h": ("reading_rollups", "period_start", "AND x.resolution = p.src ", "min(x.min)", "max(x.max)",
           "sum(x.mean * x.count)", "sum(x.count)"),
}
SOURCES["1d"] = SOURCES["1h"]


def _periods(start: datetime, end: datetime, resolution: str) -> list[tuple[datetime, datetime, str]]:
    """The periods (start, end, what they are folded from) of one resolution touching [start, end)."""
    out = []
    if resolution == "1d":
        day = day_start(start)
        while day < end:
            upto = next_day_start(day)
            # From the hours where the park's midnight falls on a UTC hour (24 rows a series, not 288).
            out.append((day, upto, "1h" if day.minute == 0 and upto.minute == 0 else "5m"))
            day = upto
        return out
    step, lo = (FIVE, floor5(start)) if resolution == "5m" else (timedelta(hours=1), hour_start(start))
    while lo < end:
        out.append((lo, lo + step, "raw" if resolution == "5m" else "5m"))
        lo += step
    return out


def _fold_sqlite(session: Session, resolution: str, periods: list, which: str) -> int:
    """SQLite: the metrics and periods sit in small temporary tables keyed in order, so the join runs device,
    metric, period, then the key's range, and the GROUP BY streams in that order instead of sorting every row."""
    session.execute(text("CREATE TEMP TABLE IF NOT EXISTS rollup_metrics (metric TEXT PRIMARY KEY) WITHOUT ROWID"))
    session.execute(text("CREATE TEMP TABLE IF NOT EXISTS rollup_periods (lo TEXT PRIMARY KEY, hi TEXT, src TEXT) "
                         "WITHOUT ROWID"))
    session.execute(text("DELETE FROM temp.rollup_metrics"))
    session.execute(text("DELETE FROM temp.rollup_periods"))
    session.execute(text("INSERT INTO temp.rollup_metrics VALUES (:m)"), [{"m": m} for m in Metric.values()])
    session.execute(text("INSERT INTO temp.rollup_periods VALUES (:lo, :hi, :src)").bindparams(
        bindparam("lo", type_=UTCDateTime()), bindparam("hi", type_=UTCDateTime())),
        [{"lo": lo, "hi": hi, "src": src} for lo, hi, src in periods])
    table, column, extra, lo, hi, total, n = SOURCES[resolution]
    devices = "devices d" if which == PARK else "rollup_backlog b CROSS JOIN devices d"
    mine = "" if which == PARK else "d.id = b.device_id AND p.hi > b.since AND "
    stmt = text(
        f"INSERT INTO {COLUMNS} SELECT d.id, m.metric, '{resolution}', p.lo, max(x.greenhouse_id), {lo}, {hi}, "
        f"{total} / {n}, {n} FROM {devices} CROSS JOIN temp.rollup_metrics m CROSS JOIN temp.rollup_periods p "
        f"CROSS JOIN {table} x WHERE {mine}x.device_id = d.id AND x.metric = m.metric {extra}"
        f"AND x.{column} >= p.lo AND x.{column} < p.hi GROUP BY d.id, m.metric, p.lo {UPSERT}")
    # No automatic index: with a week or more of rollups, the statistics ANALYZE keeps make SQLite prefer building a
    # transient index over the whole rollups table, on every run, to the key's range (measured: 2.7 s a run with a
    # week of history against 0.05 s with a day); without that choice it always takes the key.
    session.execute(text("PRAGMA automatic_index = OFF"))
    try:
        return session.execute(stmt).rowcount
    finally:
        session.execute(text("PRAGMA automatic_index = ON"))


def _fold_postgresql(session: Session, resolution: str, periods: list, which: str) -> int:
    """PostgreSQL: a LATERAL subquery per device and metric, so each reads its key's range whatever the planner
    guesses about the history; JIT is off for the job, whose compile time would exceed these statements'."""
    session.execute(text("SET LOCAL jit = off"))
    table, column, extra, lo, hi, total, n = SOURCES[resolution]
    if resolution == "5m" and which == PARK:
        # The heap holds readings in arrival order, so one device's readings of an hour sit on as many pages as
        # there are readings: the key would fetch a page per reading. The BRIN index on the time finds the few
        # pages the whole park's hour fills; they are read in order and aggregated in one hash.
        stmt = text(
            f"INSERT INTO {COLUMNS} SELECT d.id, x.metric, '5m', {_period('postgresql', 'x.ts', '5m')} AS p, "
            f"max(x.greenhouse_id), {lo}, {hi}, {total} / {n}, {n} FROM readings x JOIN devices d ON d.id = x.device_id "
            "WHERE x.metric = ANY(CAST(:metrics AS text[])) AND x.ts >= :lo AND x.ts < :hi "
            f"GROUP BY d.id, x.metric, p {UPSERT}")
        return session.execute(stmt, {"metrics": list(Metric.values()), "lo": periods[0][0],
                                      "hi": periods[-1][1]}).rowcount
    devices = "devices d" if which == PARK else "rollup_backlog b JOIN devices d ON d.id = b.device_id"
    mine = "" if which == PARK else "AND p.hi > b.since "
    stmt = text(
        "WITH metrics(metric) AS (SELECT unnest(CAST(:metrics AS text[]))), "
        "periods(lo, hi, src) AS (SELECT * FROM unnest(CAST(:los AS timestamptz[]), CAST(:his AS timestamptz[]), "
        "CAST(:srcs AS text[]))) "
        f"INSERT INTO {COLUMNS} SELECT d.id, m.metric, '{resolution}', a.lo, a.gh, a.lo_v, a.hi_v, "
        f"a.total / a.n, a.n FROM {devices} CROSS JOIN metrics m CROSS JOIN LATERAL ("
        f"SELECT p.lo, max(x.greenhouse_id) AS gh, {lo} AS lo_v, {hi} AS hi_v, {total} AS total, {n} AS n FROM periods p JOIN {table} x "
        f"ON x.device_id = d.id AND x.metric = m.metric {extra}AND x.{column} >= p.lo AND x.{column} < p.hi "
        # The window's bounds as constants too, so the key's range holds them and the history is never read.
        f"AND x.{column} >= :first AND x.{column} < :last {mine}GROUP BY p.lo) a {UPSERT}")
    params = {"metrics": list(Metric.values()), "los": [p[0] for p in periods], "his": [p[1] for p in periods],
              "srcs": [p[2] for p in periods], "first": periods[0][0], "last": periods[-1][1]}
    return session.execute(stmt, params).rowcount


def _fold(session: Session, start: datetime, end: datetime, which: str) -> set:
    """Fold [start, end): its 5-minute periods from the raw readings, then the hours and park days they touch.
    Returns how many 5-minute periods were written (new, or changed by late readings): with none, the hours and park
    days have nothing new to fold. A count, not the rows: reading thousands of rows back into Python would cost more
    than the statement. A period that lost its readings keeps its rollup (rollups outlive raw data)."""
    run = _fold_postgresql if session.get_bind().dialect.name == "postgresql" else _fold_sqlite
    written = run(session, "5m", _periods(start, end, "5m"), which)
    if written:
        hi = end if hour_start(end) == end else hour_start(end) + timedelta(hours=1)
        run(session, "1h", _periods(start, hi, "1h"), which)
        run(session, "1d", _periods(start, end, "1d"), which)
    return written


def fold(session: Session, start: datetime, end: datetime, which: str = PARK) -> set:
    """_fold in steps of a day, so a long catch-up stays a day's periods a statement."""
    written = 0
    cursor = start
    while cursor < end:
        upto = min(cursor + timedelta(days=1), end)
        written += _fold(session, cursor, upto, which)
        cursor = upto
    return written


def fold_backlog(session: Session, before: datetime) -> int:
    """Fold the readings devices delivered later than the look-back: from each device's oldest late reading up to
    `before` (where the regular window starts). Returns the devices folded."""
    notes = session.execute(select(RollupBacklog.device_id, RollupBacklog.since, RollupBacklog.noted_at)).all()
    if not notes:
        return 0
    oldest = floor5(min(since for _, since, _ in notes))
    if oldest < before:
        # A note at or after `before` needs nothing (the regular window covered it): it only narrows the periods.
        fold(session, oldest, before, BACKLOG)
    for device_id, _, noted in notes:
        # Only the note that was folded: a newer one (the ingest noted again meanwhile) waits for the next run.
        session.execute(delete(RollupBacklog).where(RollupBacklog.device_id == device_id,
                                                    RollupBacklog.noted_at == noted))
    return len(notes)


def note_late_statement(dialect: str):
    """The ingest's upsert of late readings: keep the oldest `since`, always move `noted_at`."""
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = make(RollupBacklog.__table__)
    table = RollupBacklog.__table__.c
    return stmt.on_conflict_do_update(
        index_elements=[table.device_id],
        set_={"since": case((stmt.excluded.since < table.since, stmt.excluded.since), else_=table.since),
              "noted_at": stmt.excluded.noted_at})


def run_rollups(session: Session, now: datetime) -> dict:
    """The job: fold the complete periods since the last run (and the late window before it), then what devices
    delivered later than that window; idempotent."""
    end = floor5(now)
    mark = session.get(RollupMark, MARK)
    late = timedelta(hours=settings.get(session, LATE_HOURS.key, on=clock.park_day(now)))
    if mark is None:
        first = session.scalar(select(func.min(Reading.ts)))
        if first is None:
            session.add(RollupMark(name=MARK, done_until=end))
            return {"from": None, "to": end, "periods": 0, "pairs": 0}
        start = floor5(first)
        mark = RollupMark(name=MARK, done_until=end)
        session.add(mark)
    else:
        start = min(mark.done_until, end) - late
    periods = fold(session, start, end)
    mark.done_until = max(mark.done_until, end)
    backlog = fold_backlog(session, start)
    # "pairs": the name this count had when it was the (device, metric) pairs folded; kept so that callers reading it go on working.
    return {"from": start, "to": end, "periods": periods, "pairs": periods, "backlog": backlog}


def purge_raw(session: Session, now: datetime, commit_each: bool = True) -> int:
    """Delete raw readings older than `readings.raw_days`; returns how many.

    Range deletes in the order each database stores the readings: SQLite a device at a time across its metrics (the
    table is its key, so a device's old readings are one run of pages); PostgreSQL the whole park a time slice at a
    time through the BRIN index on the time (the heap is in arrival order, so a slice of time is a run of pages,
    while one device's readings are spread over all of them). Each slice is sized to about PURGE_ROWS rows from the
    density of the one before, and with `commit_each` (the scheduled job) committed on its own and followed by a
    pause of PURGE_PAUSE times its duration: the ingest waits at most one slice for the write lock and gets the disk
    and the processor for most of the time (measured in bench/ingest_bench.py --purge). Without `commit_each`
    everything is deleted in the caller's transaction, without pauses.
    """
    days = settings.get(session, RAW_DAYS.key, on=clock.park_day(now))
    cutoff = now - timedelta(days=days)
    purge = _Purge(session, cutoff, commit_each)
    metrics = list(Metric.values())
    if session.get_bind().dialect.name == "postgresql":
        # The oldest reading: a seek on the key per device and metric (the BRIN index cannot say).
        oldest = session.execute(text(
            "SELECT min(o.ts) FROM devices d CROSS JOIN unnest(CAST(:metrics AS text[])) AS m(metric) "
            "CROSS JOIN LATERAL (SELECT r.ts FROM readings r WHERE r.device_id = d.id AND r.metric = m.metric "
            "ORDER BY r.ts LIMIT 1) o"), {"metrics": metrics}).scalar()
        if oldest is not None and oldest < cutoff:
            # The lower bound keeps each slice to its own pages (the ones purged before are not read again).
            stmt = text("DELETE FROM readings WHERE ts >= :lo AND ts < :hi").bindparams(
                bindparam("lo", type_=UTCDateTime()), bindparam("hi", type_=UTCDateTime()))

            def delete_slice(lo, hi):
                # Through the BRIN index whatever the statistics say: a sequential scan would read the whole table.
                session.execute(text("SET LOCAL enable_seqscan = off"))
                return session.execute(stmt, {"lo": lo, "hi": hi}).rowcount

            purge.walk(oldest, delete_slice)
        return purge.removed
    for (device_id,) in session.execute(select(Device.id).order_by(Device.id)).all():
        firsts = [session.scalar(select(func.min(Reading.ts)).where(Reading.device_id == device_id,
                                                                    Reading.metric == metric)) for metric in metrics]
        oldest = min((ts for ts in firsts if ts is not None), default=None)
        if oldest is None or oldest >= cutoff:
            continue
        stmt = delete(Reading).where(Reading.device_id == device_id, Reading.metric.in_(metrics))
        purge.walk(oldest, lambda _lo, hi, stmt=stmt: session.execute(stmt.where(Reading.ts < hi)).rowcount)
    return purge.removed


PURGE_ROWS = 20_000  # about this many readings a purge transaction
PURGE_PAUSE = 2.0  # after each purge transaction, a pause of this many times its duration
PURGE_FIRST_SLICE = timedelta(minutes=10)
PURGE_SHORTEST_SLICE, PURGE_LONGEST_SLICE = timedelta(seconds=1), timedelta(days=30)


class _Purge:
    """purge_raw's slices: deletes [oldest, cutoff) a slice at a time, each slice sized from the last one's rows."""

    def __init__(self, session: Session, cutoff: datetime, commit_each: bool):
        self.session, self.cutoff, self.commit_each = session, cutoff, commit_each
        self.span = PURGE_FIRST_SLICE
        self.removed = 0

    def walk(self, oldest: datetime, delete_slice) -> None:
        lo = oldest
        while lo < self.cutoff:
            hi = min(lo + self.span, self.cutoff)
            started = time.perf_counter()
            rows = delete_slice(lo, hi) or 0
            if self.commit_each:
                self.session.commit()
                time.sleep((time.perf_counter() - started) * PURGE_PAUSE)
            self.removed += rows
            if hi < self.cutoff:  # a whole slice (not the last, cut short): the next is sized from its density
                grown = self.span * (PURGE_ROWS / rows) if rows else self.span * 4  # no rows: a gap in the readings
                self.span = max(min(grown, self.span * 4, PURGE_LONGEST_SLICE), PURGE_SHORTEST_SLICE)
            lo = hi
