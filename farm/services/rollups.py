"""Rollups of the readings: 5-minute, hourly and park-day min/mean/max/count per device and metric.

Each run folds the complete 5-minute periods since the last run, going back `rollups.late_hours` more so readings
that arrive late (a device sending its buffer) are folded into their periods; readings older than that are noted
by the ingest in a backlog (device, oldest time) and folded from there; every period is upserted, so running
twice changes nothing. Hours and park days touched are recomputed from the 5-minute rollups. Raw reads name the
device and metric, so they use the readings' key and never scan the whole history.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from farm import clock
from farm.models.rollups import ReadingRollup, RollupBacklog, RollupMark
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


def _upsert(session: Session, rows: list[dict]) -> None:
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    for i in range(0, len(rows), 500):
        stmt = make(ReadingRollup).values(rows[i:i + 500])
        stmt = stmt.on_conflict_do_update(
            index_elements=["device_id", "metric", "resolution", "period_start"],
            set_={c: getattr(stmt.excluded, c) for c in ("greenhouse_id", "min", "max", "mean", "count")})
        session.execute(stmt)


def _fold(rows, key) -> dict:
    """{(device, metric, period): [greenhouse, min, max, sum, count]} from (device, metric, gh, ts, min, max, sum, n)."""
    out: dict = {}
    for device_id, metric, gh, ts, lo, hi, total, n in rows:
        k = (device_id, metric, key(ts))
        acc = out.get(k)
        if acc is None:
            out[k] = [gh, lo, hi, total, n]
        else:
            acc[1] = min(acc[1], lo)
            acc[2] = max(acc[2], hi)
            acc[3] += total
            acc[4] += n
    return out


def _rows(folded: dict, resolution: str) -> list[dict]:
    return [{"device_id": d, "metric": m, "resolution": resolution, "period_start": p, "greenhouse_id": gh,
             "min": lo, "max": hi, "mean": total / n, "count": n}
            for (d, m, p), (gh, lo, hi, total, n) in folded.items()]


def fold_raw(session: Session, start: datetime, end: datetime, device_ids: list[int] | None = None) -> set:
    """Write the 5-minute rollups of [start, end) from raw readings; returns the (device, metric) pairs seen."""
    seen = set()
    query = select(Device.id)
    if device_ids is not None:
        query = query.where(Device.id.in_(device_ids))
    devices = session.scalars(query).all()
    for device_id in devices:
        for metric in Metric.values():
            raw = session.execute(
                select(Reading.ts, Reading.value, Reading.greenhouse_id)
                .where(Reading.device_id == device_id, Reading.metric == metric,
                       Reading.ts >= start, Reading.ts < end)).all()
            # A period that lost all its readings keeps its rollup (rollups outlive raw data).
            if not raw:
                continue
            seen.add((device_id, metric))
            # Each period keeps the greenhouse its readings were taken in, not the device's greenhouse now (a device
            # moved since, or a backlog folded late, must not carry its history along).
            folded = _fold(((device_id, metric, gh, ts, v, v, v, 1) for ts, v, gh in raw), floor5)
            _upsert(session, _rows(folded, "5m"))
    return seen


def fold_up(session: Session, start: datetime, end: datetime, pairs: set) -> None:
    """Recompute the hours and park days touching [start, end) from the 5-minute rollups."""
    for resolution, key, lo_fn in (("1h", hour_start, hour_start), ("1d", day_start, day_start)):
        lo = lo_fn(start)
        hi = end if resolution == "1h" else next_day_start(day_start(end - timedelta(microseconds=1)))
        if resolution == "1h" and hour_start(end) != end:
            hi = hour_start(end) + timedelta(hours=1)
        for device_id, metric in sorted(pairs):
            fives = session.execute(
                select(ReadingRollup.device_id, ReadingRollup.metric, ReadingRollup.greenhouse_id,
                       ReadingRollup.period_start, ReadingRollup.min, ReadingRollup.max,
                       ReadingRollup.mean * ReadingRollup.count, ReadingRollup.count)
                .where(ReadingRollup.device_id == device_id, ReadingRollup.metric == metric,
                       ReadingRollup.resolution == "5m",
                       ReadingRollup.period_start >= lo, ReadingRollup.period_start < hi)).all()
            _upsert(session, _rows(_fold(fives, key), resolution))


def _fold_range(session: Session, start: datetime, end: datetime, device_ids: list[int] | None = None) -> set:
    """fold_raw over [start, end) in 6-hour steps, so a long outage never loads everything at once."""
    pairs: set = set()
    step = timedelta(hours=6)
    cursor = start
    while cursor < end:
        upto = min(cursor + step, end)
        pairs |= fold_raw(session, cursor, upto, device_ids)
        cursor = upto
    return pairs


def fold_backlog(session: Session, before: datetime) -> int:
    """Fold the readings devices delivered later than the look-back: from each device's oldest late reading up to
    `before` (where the regular window starts). Returns the devices folded."""
    done = 0
    for entry in session.scalars(select(RollupBacklog).order_by(RollupBacklog.device_id)).all():
        start, noted = floor5(entry.since), entry.noted_at
        if start < before:
            pairs = _fold_range(session, start, before, [entry.device_id])
            if pairs:
                fold_up(session, start, before, pairs)
        # Only the note that was folded: a newer one (the ingest noted again meanwhile) waits for the next run.
        session.execute(delete(RollupBacklog).where(RollupBacklog.device_id == entry.device_id,
                                                    RollupBacklog.noted_at == noted))
        done += 1
    return done


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
    pairs = _fold_range(session, start, end)
    if pairs:
        fold_up(session, start, end, pairs)
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
