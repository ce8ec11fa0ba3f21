"""Rollups of the readings: 5-minute, hourly and park-day min/mean/max/count per device and metric.

Each run folds the complete 5-minute periods since the last run, going back `rollups.late_hours` more so readings
that arrive late (a device sending its buffer) are folded into their periods; readings older than that are noted
by the ingest in a backlog (device, oldest time) and folded from there; every period is upserted, so running
twice changes nothing. Hours touched are recomputed from the 5-minute rollups, park days from the hours (from the
5-minute rollups where the park's midnight is not on a UTC hour).

Each fold is one set-based statement (INSERT ... SELECT ... GROUP BY ... ON CONFLICT DO UPDATE) per resolution and
window, run inside the database: one statement for the 5-minute periods of the whole park, one for its hours, one
per park day. The statements drive from the devices crossed with the metrics into the tables' keys (device, metric,
time), so they read only the window's rows through the key and never scan the history; on SQLite `CROSS JOIN`
fixes that join order, PostgreSQL's planner finds it from the key.
"""
from __future__ import annotations

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
PURGE_BATCH = timedelta(hours=6)


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
    """SQL for the start of the UTC 5-minute period or hour holding `column`.

    PostgreSQL bins the timestamptz; SQLite keeps times as 'YYYY-MM-DD HH:MM:SS.ffffff' text in UTC (UTCDateTime),
    so the period is cut from the text and written back in the same form, which the column reads back as a time.
    """
    if dialect == "postgresql":
        step = "5 minutes" if resolution == "5m" else "1 hour"
        return f"date_bin(interval '{step}', {column}, timestamptz '2000-01-01 00:00:00+00')"
    if resolution == "5m":
        return (f"(substr({column}, 1, 14) || printf('%02d', CAST(substr({column}, 15, 2) AS INTEGER) / 5 * 5)"
                f" || '\\:00.000000')")  # a backslash keeps text() from reading :00 as a parameter
    return f"(substr({column}, 1, 13) || '\\:00\\:00.000000')"


def _metrics_cte() -> str:
    # The vocabulary's own values (plain identifiers), so they can stand in the statement as literals.
    values = Metric.values()
    assert all(v.isidentifier() for v in values)
    return "metrics(metric) AS (VALUES " + ", ".join(f"('{v}')" for v in values) + ")"


UPSERT = ("ON CONFLICT (device_id, metric, resolution, period_start) DO UPDATE SET "
          "greenhouse_id = excluded.greenhouse_id, min = excluded.min, max = excluded.max, "
          "mean = excluded.mean, count = excluded.count")
COLUMNS = "reading_rollups (device_id, metric, resolution, period_start, greenhouse_id, min, max, mean, count)"
# Which devices a fold covers: the whole park, or those with a backlog note (folded from their own oldest time).
PARK, BACKLOG = "park", "backlog"


def _devices(which: str) -> str:
    if which == PARK:
        return "devices d"
    return "rollup_backlog b CROSS JOIN devices d"


def _device_filter(which: str) -> str:
    return "" if which == PARK else "d.id = b.device_id AND "


def _times(stmt, *names: str):
    return stmt.bindparams(*(bindparam(n, type_=UTCDateTime()) for n in names))


def _fold_raw(session: Session, start: datetime, end: datetime, which: str) -> set:
    """The 5-minute rollups of [start, end) from the raw readings (for the backlog: from each device's oldest late
    period); returns the (device, metric) pairs written. A period that lost its readings keeps its rollup."""
    dialect = session.get_bind().dialect.name
    period = _period(dialect, "r.ts", "5m")
    since = "r.ts >= :start" if which == PARK else f"r.ts >= {_period(dialect, 'b.since', '5m')}"
    stmt = text(
        f"WITH {_metrics_cte()} INSERT INTO {COLUMNS} "
        f"SELECT d.id, m.metric, '5m', {period}, d.greenhouse_id, min(r.value), max(r.value), avg(r.value), "
        f"count(*) FROM {_devices(which)} CROSS JOIN metrics m CROSS JOIN readings r "
        f"WHERE {_device_filter(which)}r.device_id = d.id AND r.metric = m.metric AND {since} AND r.ts < :end "
        f"GROUP BY d.id, m.metric, {period}, d.greenhouse_id {UPSERT} RETURNING device_id, metric")
    params = {"end": end} if which == BACKLOG else {"start": start, "end": end}
    return set(session.execute(_times(stmt, *params), params).tuples())


def _fold_hours(session: Session, start: datetime, end: datetime, which: str) -> None:
    """Recompute the hours touching [start, end) from the 5-minute rollups."""
    dialect = session.get_bind().dialect.name
    period = _period(dialect, "f.period_start", "1h")
    since = "f.period_start >= :start" if which == PARK else f"f.period_start >= {_period(dialect, 'b.since', '1h')}"
    hi = end if hour_start(end) == end else hour_start(end) + timedelta(hours=1)
    stmt = text(
        f"WITH {_metrics_cte()} INSERT INTO {COLUMNS} "
        f"SELECT d.id, m.metric, '1h', {period}, d.greenhouse_id, min(f.min), max(f.max), "
        f"sum(f.mean * f.count) / sum(f.count), sum(f.count) "
        f"FROM {_devices(which)} CROSS JOIN metrics m CROSS JOIN reading_rollups f "
        f"WHERE {_device_filter(which)}f.device_id = d.id AND f.metric = m.metric AND f.resolution = '5m' "
        f"AND {since} AND f.period_start < :end "
        f"GROUP BY d.id, m.metric, {period}, d.greenhouse_id {UPSERT}")
    params = {"end": hi} if which == BACKLOG else {"start": hour_start(start), "end": hi}
    session.execute(_times(stmt, *params), params)


def _fold_days(session: Session, start: datetime, end: datetime, which: str) -> None:
    """Recompute the park days touching [start, end), one statement a day: from the hours where the park's
    midnight falls on a UTC hour (24 rows a series instead of 288), else from the 5-minute rollups."""
    day = day_start(start)
    while day < end:
        upto = next_day_start(day)
        source = "1h" if day.minute == 0 and upto.minute == 0 else "5m"
        stmt = text(
            f"WITH {_metrics_cte()} INSERT INTO {COLUMNS} "
            f"SELECT d.id, m.metric, '1d', :day, d.greenhouse_id, min(f.min), max(f.max), "
            f"sum(f.mean * f.count) / sum(f.count), sum(f.count) "
            f"FROM {_devices(which)} CROSS JOIN metrics m CROSS JOIN reading_rollups f "
            f"WHERE {_device_filter(which)}f.device_id = d.id AND f.metric = m.metric AND f.resolution = :source "
            f"AND f.period_start >= :day AND f.period_start < :upto "
            f"GROUP BY d.id, m.metric, d.greenhouse_id {UPSERT}")
        session.execute(_times(stmt, "day", "upto"), {"day": day, "upto": upto, "source": source})
        day = upto


def fold(session: Session, start: datetime, end: datetime) -> set:
    """Fold [start, end) for the whole park: 5-minute periods, then the hours and park days they touch."""
    pairs = _fold_raw(session, start, end, PARK)
    if pairs:
        _fold_hours(session, start, end, PARK)
        _fold_days(session, start, end, PARK)
    return pairs


def fold_backlog(session: Session, before: datetime) -> int:
    """Fold the readings devices delivered later than the look-back: from each device's oldest late reading up to
    `before` (where the regular window starts). Returns the devices folded."""
    notes = session.execute(select(RollupBacklog.device_id, RollupBacklog.since, RollupBacklog.noted_at)).all()
    if not notes:
        return 0
    oldest = floor5(min(since for _, since, _ in notes))
    if oldest < before:
        # A note at or after `before` needs nothing: the regular window covered it; its periods are (at most) folded
        # again here, which changes nothing.
        if _fold_raw(session, oldest, before, BACKLOG):
            _fold_hours(session, oldest, before, BACKLOG)
            _fold_days(session, oldest, before, BACKLOG)
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
            return {"from": None, "to": end, "pairs": 0}
        start = floor5(first)
        mark = RollupMark(name=MARK, done_until=end)
        session.add(mark)
    else:
        start = min(mark.done_until, end) - late
    pairs = fold(session, start, end)
    mark.done_until = max(mark.done_until, end)
    backlog = fold_backlog(session, start)
    return {"from": start, "to": end, "pairs": len(pairs), "backlog": backlog}


def purge_raw(session: Session, now: datetime, commit_each: bool = True) -> int:
    """Delete raw readings older than `readings.raw_days`, one device/metric/6-hour slice at a time."""
    days = settings.get(session, RAW_DAYS.key, on=clock.park_day(now))
    cutoff = now - timedelta(days=days)
    removed = 0
    for (device_id,) in session.execute(select(Device.id)).all():
        for metric in Metric.values():
            while True:
                oldest = session.scalar(select(func.min(Reading.ts)).where(
                    Reading.device_id == device_id, Reading.metric == metric))
                if oldest is None or oldest >= cutoff:
                    break
                upto = min(oldest + PURGE_BATCH, cutoff)
                result = session.execute(delete(Reading).where(
                    Reading.device_id == device_id, Reading.metric == metric, Reading.ts < upto))
                removed += result.rowcount or 0
                if commit_each:
                    session.commit()  # short transactions: the ingest never waits long
    return removed
