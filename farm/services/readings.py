"""Reading queries: points of a metric in a greenhouse (raw, or rolled up by 5 minutes, hours or park days),
the hourly trend of the park overview, and the latest value of each metric.

Rolled-up points come from the rollup table (farm.services.rollups), never from a scan of raw history. The rollup
job folds complete 5-minute periods up to its mark (RollupMark "readings"); the tail after the mark (a few minutes
while the scheduler runs, longer after an outage, everything before the job's first run) is computed here from the
raw readings, by their (device, metric, ts) key, and merged into the same periods, so the newest period is always
shown. Readings that arrive late for periods before the mark show once the next run folds them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, bindparam, cast, extract, func, select
from sqlalchemy.orm import Session

from farm import clock
from farm.errors import Invalid, NotFound
from farm.models.rollups import ReadingRollup, RollupMark
from farm.models.sensors import Device, LatestReading, Reading
from farm.services.devices import devices_by_greenhouse, get_device, history_devices
from farm.services.park import get_greenhouse
from farm.services.rollups import MARK, day_start, floor5, hour_start, next_day_start
from farm.vocab import Metric

MAX_POINTS = 50_000
# Resolution -> period length in seconds (None: every raw reading; "1d" is a park day, 86400 s but for DST).
RESOLUTIONS = {"raw": None, "5m": 300, "1h": 3600, "1d": 86400}


@dataclass
class ReadingQuery:
    """What the readings API asks for: one metric of one greenhouse (or one of its devices) over [start, end)."""

    greenhouse: str
    metric: str
    start: datetime
    end: datetime
    resolution: str = "raw"
    device: str | None = None


def check_query(session: Session, q: ReadingQuery) -> tuple[int, int | None]:
    """(greenhouse id, device id or None) for a query, or Invalid/NotFound naming the bad field."""
    if Metric.get(q.metric) is None:
        raise Invalid(_l("Unknown metric."),
                      {"metric": _l("Choose one of %(names)s.", names=", ".join(Metric.values()))})
    if q.resolution not in RESOLUTIONS:
        raise Invalid(_l("Unknown resolution."), {"resolution": _l("Choose raw, 5m, 1h or 1d.")})
    if q.end <= q.start:
        raise Invalid(_l("The end must be after the start."), {"to": _l("The end must be after the start.")})
    gh = get_greenhouse(session, q.greenhouse)
    device_id = None
    if q.device:
        device = get_device(session, q.device)
        if device.id not in history_devices(session, gh.id):  # there now, or moved away with history here
            raise NotFound(_l("There is no device %(code)s.", code=q.device), {"device": _l("Unknown device.")})
        device_id = device.id
    return gh.id, device_id


def points(session: Session, q: ReadingQuery) -> list[dict]:
    """Points of one metric in one greenhouse (all its devices, or the one named), oldest first.

    raw: {"ts", "value"}; rolled up: {"ts" (period start), "min", "mean", "max", "count"}, one point per period
    that starts in [start, end), merged over the devices (min of mins, max of maxes, count-weighted mean).
    """
    gh_id, device_id = check_query(session, q)
    if q.resolution == "raw":
        # Name the devices so the (device, metric, ts) key serves the query; a device moved away keeps its old
        # readings here, so every device is named and the greenhouse filters.
        devices = [device_id] if device_id is not None else list(session.scalars(select(Device.id)))
        query = select(Reading.ts, Reading.value).where(
            Reading.device_id.in_(devices), Reading.metric == q.metric, Reading.ts >= q.start, Reading.ts < q.end,
            Reading.greenhouse_id == gh_id)
        rows = session.execute(query.order_by(Reading.ts).limit(MAX_POINTS + 1)).all()
        if len(rows) > MAX_POINTS:
            # Refused rather than cut short: a chart of the first 50,000 would look like the whole window.
            msg = _l("More than %(n)s raw readings in this window: ask for a shorter window or a resolution of 5m, "
                     "1h or 1d.", n=f"{MAX_POINTS:,}")
            raise Invalid(msg, {"resolution": msg})
        return [{"ts": ts, "value": value} for ts, value in rows]
    devices = [device_id] if device_id is not None else greenhouse_devices(session, gh_id)
    rolled = rolled_points(session, gh_id, devices, [q.metric], q.resolution, q.start, q.end)[q.metric]
    return [{"ts": datetime.fromtimestamp(epoch, timezone.utc), "min": low, "mean": mean, "max": high, "count": n}
            for epoch, low, mean, high, n in rolled]


def of_resolution(column, resolution: str):
    """`column = resolution` with the resolution written into the SQL, not bound: SQLite uses a partial index (the
    hourly and daily rollups' covering indexes, migration 1521) only for a query whose WHERE names its condition."""
    return column == bindparam("resolution", resolution, literal_execute=True)


def greenhouse_devices(session: Session, greenhouse_id: int) -> list[int]:
    """Ids of the devices in a greenhouse now or moved away from it: rolled-up queries name them so the rollups' key
    serves them (naming every device in the park would read every other greenhouse's periods too). Each period
    keeps the greenhouse its readings were taken in, and the queries filter by it, so a moved device's history
    stays with the greenhouse it was in at the time and its new readings count only in the new one."""
    return history_devices(session, greenhouse_id)


def period_start(resolution: str, ts: datetime) -> datetime:
    """The start of the 5m, 1h or 1d (park day) period that contains `ts`."""
    return {"5m": floor5, "1h": hour_start, "1d": day_start}[resolution](ts)


def first_period_from(resolution: str, ts: datetime) -> datetime:
    """The start of the first period that starts at or after `ts`."""
    start = period_start(resolution, ts)
    if start == ts:
        return start
    if resolution == "1d":
        return next_day_start(start)
    return start + timedelta(seconds=RESOLUTIONS[resolution])


def rolled_points(session: Session, greenhouse_id: int, devices: list[int], metrics: list[str], resolution: str,
                  start: datetime, end: datetime) -> dict[str, list[tuple[int, float, float, float, int]]]:
    """{metric: [(period start as epoch seconds, min, mean, max, count)]}, oldest first, for the periods starting in
    [start, end), merged over `devices`' readings taken in the greenhouse: the rollup table up to the rollup mark,
    the raw tail after it."""
    out: dict[str, dict[int, list]] = {m: {} for m in metrics}
    if not devices or not metrics:
        return {m: [] for m in metrics}
    lo, hi = first_period_from(resolution, start), first_period_from(resolution, end)
    # Core columns and epoch seconds, not ORM rows and datetimes: a year-long chart is hundreds of rows per metric,
    # and the per-row cost is what would make it slower than a day's.
    r = ReadingRollup.__table__.c
    begins = cast(extract("epoch", r.period_start), BigInteger)
    where = (r.device_id.in_(devices), r.metric.in_(metrics), of_resolution(r.resolution, resolution), r.period_start >= lo,
             r.period_start < hi, r.greenhouse_id == greenhouse_id)
    if len(devices) == 1:
        # One device (the usual greenhouse) has one row per period: no grouping, the rows stream off the key.
        query = select(r.metric, begins, r.min, r.max, r.mean * r.count, r.count).where(*where)
    else:
        query = (select(r.metric, begins, func.min(r.min), func.max(r.max), func.sum(r.mean * r.count),
                        func.sum(r.count)).where(*where).group_by(r.metric, r.period_start))
    for metric, epoch, low, high, total, n in session.execute(query).all():
        if n:
            out[metric][epoch] = [low, high, total, n]
    mark = session.get(RollupMark, MARK)
    # Every reading at or after `tail_from` and before `hi` belongs to a period starting in [lo, hi).
    tail_from = max(lo, mark.done_until) if mark is not None else lo
    if tail_from < hi:
        raw = Reading.__table__.c
        tail = session.execute(
            select(raw.metric, raw.ts, raw.value)
            .where(raw.device_id.in_(devices), raw.metric.in_(metrics), raw.ts >= tail_from, raw.ts < hi,
                   raw.greenhouse_id == greenhouse_id)
            .order_by(raw.ts.desc()).limit(MAX_POINTS)).all()
        # Newest first, so a tail longer than the limit (the rollup job behind) loses its oldest readings, not the
        # newest period; the oldest period it reached may then be partial, and is left out rather than shown wrong.
        folded: dict[str, dict[int, list]] = {metric: {} for metric in metrics}
        for metric, ts, value in tail:
            acc = folded[metric].setdefault(int(period_start(resolution, ts).timestamp()), [value, value, 0.0, 0])
            acc[0], acc[1] = min(acc[0], value), max(acc[1], value)
            acc[2] += value
            acc[3] += 1
        if len(tail) == MAX_POINTS:
            cut = int(period_start(resolution, tail[-1].ts).timestamp())
            for periods in folded.values():
                periods.pop(cut, None)
        for metric, periods in folded.items():
            for epoch, (low, high, total, n) in periods.items():
                acc = out[metric].setdefault(epoch, [low, high, 0.0, 0])
                acc[0], acc[1] = min(acc[0], low), max(acc[1], high)
                acc[2] += total
                acc[3] += n
    return {metric: [(epoch, low, round(total / n, 3), high, int(n))
                     for epoch, (low, high, total, n) in sorted(periods.items())]
            for metric, periods in out.items()}


def hourly_trend(session: Session, greenhouse_ids: list[int], now: datetime | None = None,
                 metric: str = Metric.TEMPERATURE.value, hours: int = 24) -> dict[int, list[tuple[int, float]]]:
    """{greenhouse id: [(hour start as epoch seconds, mean)]} over the last `hours` hours (the current one
    included), from the hourly rollups of all the greenhouses' devices in one query; the current hour runs to the
    rollup mark."""
    if not greenhouse_ids:
        return {}
    wanted = set(greenhouse_ids)
    devices = sorted({d for gh, ids in devices_by_greenhouse(session).items() if gh in wanted for d in ids})
    if not devices:
        return {}
    end = hour_start(now or clock.now()) + timedelta(hours=1)
    r = ReadingRollup.__table__.c
    rows = session.execute(
        select(r.greenhouse_id, cast(extract("epoch", r.period_start), BigInteger), func.sum(r.mean * r.count),
               func.sum(r.count))
        .where(r.device_id.in_(devices), r.metric == metric, of_resolution(r.resolution, "1h"),
               r.period_start >= end - timedelta(hours=hours), r.period_start < end)
        .group_by(r.greenhouse_id, r.period_start).order_by(r.greenhouse_id, r.period_start)).all()
    out: dict[int, list] = {}
    for gh, epoch, total, n in rows:
        if gh in wanted and n:
            out.setdefault(gh, []).append((epoch, round(float(total) / int(n), 2)))
    return out


def latest_by_greenhouse(session: Session, greenhouse_ids: list[int]) -> dict[int, dict]:
    """{greenhouse id: {metric: {"value", "ts"}}} from the latest-value table (never a scan of readings)."""
    if not greenhouse_ids:
        return {}
    out: dict[int, dict] = {}
    query = select(LatestReading.greenhouse_id, LatestReading.metric, LatestReading.value, LatestReading.ts)
    if len(greenhouse_ids) < 500:
        query = query.where(LatestReading.greenhouse_id.in_(greenhouse_ids))
    wanted = set(greenhouse_ids)
    for gh_id, metric, value, ts in session.execute(query):
        if gh_id in wanted:
            out.setdefault(gh_id, {})[metric] = {"value": value, "ts": ts}
    return out
