"""Sensors: the device registry, reading queries (raw and rolled up), latest values, rejects and ingest health."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, cast, delete, extract, func, select
from sqlalchemy.orm import Session, joinedload

from farm import clock
from farm.errors import Invalid, NotFound
from farm.models.park import Greenhouse
from farm.models.rollups import ReadingRollup, RollupMark
from farm.models.sensors import Device, IngestHeartbeat, IngestReject, LatestReading, Reading
from farm.services import daylight, settings
from farm.services.park import get_greenhouse
from farm.services.rollups import MARK, day_start, floor5, hour_start, next_day_start
from farm.services.settings import SettingSpec
from sensors.payloads import METRICS

REJECTS_KEPT = settings.register(SettingSpec(
    "sensors.rejects_kept", 1000, lambda text: int(str(text).strip()), _l("Rejected messages kept"),
    _l("messages"), minimum=10))
HEARTBEAT_STALE = timedelta(seconds=45)
MAX_POINTS = 50_000
RESOLUTIONS = {"raw": None, "5m": 300, "1h": 3600, "1d": 86400}

METRIC_LABELS = {
    "temperature": _l("Air temperature"),
    "humidity": _l("Humidity"),
    "soil_moisture": _l("Soil moisture"),
    "soil_temperature": _l("Soil temperature"),
    "co2": _l("CO₂"),
    "light": _l("Light"),
}
REASON_LABELS = {
    "bad_topic": _l("Topic not understood"),
    "empty": _l("Empty message"),
    "too_large": _l("Message too large"),
    "not_utf8": _l("Not UTF-8 text"),
    "malformed_json": _l("Malformed JSON"),
    "bad_shape": _l("Not a readings object"),
    "unknown_metric": _l("Unknown metric"),
    "not_a_number": _l("Value is not a number"),
    "not_finite": _l("Value is not a finite number"),
    "out_of_range": _l("Value outside the physical range"),
    "bad_timestamp": _l("Bad timestamp"),
    "future_timestamp": _l("Timestamp more than a day ahead"),
    "bad_status": _l("Status is not online or offline"),
    "unknown_greenhouse": _l("Unknown greenhouse"),
    "device_disabled": _l("Device disabled"),
    "wrong_greenhouse": _l("Device registered in another greenhouse"),
    "not_storable": _l("The database refused it"),
}

INGEST_LABELS = {"ok": _l("running"), "stale": _l("not answering"), "not running": _l("not running"),
                 "error": _l("error")}


# --- devices ---------------------------------------------------------------------------------------------

def list_devices(session: Session, greenhouse: str | None = None) -> list[Device]:
    """Every device with its greenhouse, by greenhouse and code."""
    query = select(Device).join(Device.greenhouse).options(joinedload(Device.greenhouse))
    if greenhouse:
        query = query.where(Greenhouse.code == greenhouse.strip().upper())
    return list(session.scalars(query.order_by(Greenhouse.code, Device.code)))


def get_device(session: Session, code: str) -> Device:
    device = session.scalar(select(Device).where(Device.code == (code or "").strip()))
    if device is None:
        raise NotFound(_l("There is no device %(code)s.", code=code), {"device": _l("Unknown device.")})
    return device


def update_device(session: Session, code: str, data) -> Device:
    """Name, move or enable/disable a device (fields left None are kept)."""
    device = get_device(session, code)
    if data.name is not None:
        device.name = data.name
    if data.greenhouse is not None:
        try:
            device.greenhouse_id = get_greenhouse(session, data.greenhouse).id
        except NotFound:
            raise Invalid(_l("There is no greenhouse %(code)s.", code=data.greenhouse),
                          {"greenhouse": _l("Unknown greenhouse.")}) from None
    if data.enabled is not None:
        device.enabled = data.enabled
    session.flush()
    return device


def delete_device(session: Session, code: str) -> None:
    """Remove a device and its readings; if it sends again it is registered anew."""
    device = get_device(session, code)
    session.execute(delete(Reading).where(Reading.device_id == device.id))
    session.execute(delete(LatestReading).where(LatestReading.device_id == device.id))
    session.delete(device)
    session.flush()


def is_online(device: Device, now: datetime | None = None) -> bool:
    """Online when the device said so, or sent something in the last ten minutes without saying otherwise."""
    if device.online is not None and device.status_at is not None and (
            device.last_seen_at is None or device.status_at >= device.last_seen_at - timedelta(minutes=10)):
        return device.online
    now = now or datetime.now(timezone.utc)
    return device.last_seen_at is not None and now - device.last_seen_at < timedelta(minutes=10)


# --- readings --------------------------------------------------------------------------------------------
#
# Rolled-up points come from the rollup table (farm.services.rollups), never from a scan of raw history. The
# rollup job folds complete 5-minute periods up to its mark (RollupMark "readings"); the tail after the mark (a few
# minutes while the scheduler runs, longer after an outage, everything before the job's first run) is computed
# here from the raw readings, by their (device, metric, ts) key, and merged into the same periods, so the newest
# period is always shown. Readings that arrive late for periods before the mark show once the next run folds them.


@dataclass
class ReadingQuery:
    greenhouse: str
    metric: str
    start: datetime
    end: datetime
    resolution: str = "raw"
    device: str | None = None


def check_query(session: Session, q: ReadingQuery) -> tuple[int, int | None]:
    """(greenhouse id, device id or None) for a query, or Invalid/NotFound naming the bad field."""
    if q.metric not in METRICS:
        raise Invalid(_l("Unknown metric."), {"metric": _l("Choose one of %(names)s.", names=", ".join(METRICS))})
    if q.resolution not in RESOLUTIONS:
        raise Invalid(_l("Unknown resolution."), {"resolution": _l("Choose raw, 5m, 1h or 1d.")})
    if q.end <= q.start:
        raise Invalid(_l("The end must be after the start."), {"to": _l("The end must be after the start.")})
    gh = get_greenhouse(session, q.greenhouse)
    device_id = None
    if q.device:
        device = get_device(session, q.device)
        if device.greenhouse_id != gh.id:
            raise NotFound(_l("There is no device %(code)s.", code=q.device), {"device": _l("Unknown device.")})
        device_id = device.id
    return gh.id, device_id


def readings(session: Session, q: ReadingQuery) -> list[dict]:
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
        rows = session.execute(query.order_by(Reading.ts).limit(MAX_POINTS)).all()
        return [{"ts": ts, "value": value} for ts, value in rows]
    devices = [device_id] if device_id is not None else greenhouse_devices(session, gh_id)
    points = rolled_points(session, gh_id, devices, [q.metric], q.resolution, q.start, q.end)[q.metric]
    return [{"ts": datetime.fromtimestamp(epoch, timezone.utc), "min": low, "mean": mean, "max": high, "count": n}
            for epoch, low, mean, high, n in points]


def greenhouse_devices(session: Session, greenhouse_id: int) -> list[int]:
    """Ids of the devices now in a greenhouse: rolled-up queries name them so the rollups' key serves them.

    Naming every device in the park would read every other greenhouse's periods too. The price: a device moved to
    another greenhouse no longer counts in its old one's rolled-up history (its old periods keep the old greenhouse,
    so they do not follow it either).
    """
    return list(session.scalars(select(Device.id).where(Device.greenhouse_id == greenhouse_id).order_by(Device.id)))


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
    where = (r.device_id.in_(devices), r.metric.in_(metrics), r.resolution == resolution, r.period_start >= lo,
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
            .order_by(raw.ts).limit(MAX_POINTS))
        for metric, ts, value in tail:
            acc = out[metric].setdefault(int(period_start(resolution, ts).timestamp()), [value, value, 0.0, 0])
            acc[0], acc[1] = min(acc[0], value), max(acc[1], value)
            acc[2] += value
            acc[3] += 1
    return {metric: [(epoch, low, round(total / n, 3), high, int(n))
                     for epoch, (low, high, total, n) in sorted(periods.items())]
            for metric, periods in out.items()}


# --- charts and trends -----------------------------------------------------------------------------------

# The greenhouse page's ranges: (resolution, number of periods shown).
CHART_RANGES = {"24h": ("5m", 288), "7d": ("1h", 168), "90d": ("1d", 90)}
# Crop fields drawn as bands on each metric's chart: (kind, low field, high field).
CHART_BANDS = {
    "temperature": (("day", "day_temp_min", "day_temp_max"), ("night", "night_temp_min", "night_temp_max")),
    "humidity": (("range", "humidity_min", "humidity_max"),),
    "soil_temperature": (("range", "soil_temp_min", "soil_temp_max"),),
    "co2": (("range", "co2_min", "co2_max"),),
}


def _ms(ts: datetime) -> int:
    return int(ts.timestamp() * 1000)


def chart_window(range_key: str, now: datetime) -> tuple[str, datetime, datetime]:
    """(resolution, start, end) of a chart range: whole periods, the newest being the one now runs in."""
    if range_key not in CHART_RANGES:
        raise Invalid(_l("Unknown range."), {"range": _l("Choose 24h, 7d or 90d.")})
    resolution, periods = CHART_RANGES[range_key]
    current = period_start(resolution, now)
    if resolution == "1d":
        end = next_day_start(current)
        first = clock.local(current).date() - timedelta(days=periods - 1)
        start = day_start(datetime.combine(first, datetime.min.time(), clock.park_tz()) + timedelta(hours=12))
        return resolution, start, end
    step = timedelta(seconds=RESOLUTIONS[resolution])
    end = current + step
    return resolution, end - periods * step, end


def chart_ticks(resolution: str, start: datetime, end: datetime) -> list[int]:
    """Where the time axis is labelled (epoch ms): every third park hour for a day, park midnights for a week,
    the 1st and 15th of the month for 90 days."""
    ticks = []
    if resolution == "5m":
        cursor = hour_start(start)
        while cursor <= end:
            if cursor >= start and clock.local(cursor).hour % 3 == 0:
                ticks.append(_ms(cursor))
            cursor += timedelta(hours=1)
        return ticks
    cursor = day_start(start)
    while cursor <= end:
        if cursor >= start and (resolution == "1h" or clock.local(cursor).day in (1, 15)):
            ticks.append(_ms(cursor))
        cursor = next_day_start(cursor)
    return ticks


def day_hours(session: Session) -> daylight.DayHours:
    """The crops' day hours, for the charts' bands (the alerts judge by the same)."""
    return daylight.hours(session)


def day_windows(session: Session, start: datetime, end: datetime) -> list[list[int]] | None:
    """[[from ms, to ms]] of the crops' day hours within [start, end), so the chart's temperature band switches
    between the day and the night range when the climate alerts do; None without day hours."""
    hours = day_hours(session)
    morning, evening = hours.day_starts, hours.night_starts
    tz = clock.park_tz()
    windows = []
    day = clock.local(start).date() - timedelta(days=1)
    while True:
        begin = datetime.combine(day, morning, tz).astimezone(timezone.utc)
        finish = datetime.combine(day + timedelta(days=1 if evening <= morning else 0), evening, tz)
        if begin >= end:
            return windows
        begin, finish = max(begin, start), min(finish.astimezone(timezone.utc), end)
        if begin < finish:
            windows.append([_ms(begin), _ms(finish)])
        day += timedelta(days=1)


def chart_data(session: Session, greenhouse: Greenhouse, range_key: str, now: datetime | None = None) -> dict:
    """Every metric of a greenhouse over one chart range, as compact series for the page's charts:
    {"range", "resolution", "from", "to", "ticks", "day" (day-hour windows, or None where a point spans a whole
    day), "series": {metric: [[ts ms, min, mean, max], ...]}}."""
    resolution, start, end = chart_window(range_key, now or clock.now())
    points = rolled_points(session, greenhouse.id, greenhouse_devices(session, greenhouse.id), list(METRICS),
                           resolution, start, end)
    return {"range": range_key, "resolution": resolution, "from": _ms(start), "to": _ms(end),
            "ticks": chart_ticks(resolution, start, end),
            "day": day_windows(session, start, end) if resolution != "1d" else None,
            "series": {metric: [[epoch * 1000, low, mean, high] for epoch, low, mean, high, _n in pts]
                       for metric, pts in points.items()}}


def chart_bands(crop) -> dict[str, list[dict]]:
    """{metric: [{"kind": day|night|range, "lo", "hi"}]}: the crop's ranges to draw on the charts."""
    if crop is None:
        return {}
    out: dict[str, list[dict]] = {}
    for metric, bands in CHART_BANDS.items():
        for kind, low, high in bands:
            lo, hi = getattr(crop, low), getattr(crop, high)
            if lo is not None and hi is not None:
                out.setdefault(metric, []).append({"kind": kind, "lo": float(lo), "hi": float(hi)})
    return out


def hourly_trend(session: Session, greenhouse_ids: list[int], now: datetime | None = None,
                 metric: str = "temperature", hours: int = 24) -> dict[int, list[tuple[int, float]]]:
    """{greenhouse id: [(hour start as epoch seconds, mean)]} over the last `hours` hours (the current one
    included), from the hourly rollups of all the greenhouses' devices in one query; the current hour runs to the
    rollup mark."""
    if not greenhouse_ids:
        return {}
    wanted = set(greenhouse_ids)
    devices = [d for d, gh in session.execute(select(Device.id, Device.greenhouse_id)) if gh in wanted]
    if not devices:
        return {}
    end = hour_start(now or clock.now()) + timedelta(hours=1)
    r = ReadingRollup.__table__.c
    rows = session.execute(
        select(r.greenhouse_id, cast(extract("epoch", r.period_start), BigInteger), func.sum(r.mean * r.count),
               func.sum(r.count))
        .where(r.device_id.in_(devices), r.metric == metric, r.resolution == "1h",
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


# --- rejects and ingest health -----------------------------------------------------------------------------

def rejects_query(reason: str | None = None):
    query = select(IngestReject).order_by(IngestReject.id.desc())
    if reason:
        query = query.where(IngestReject.reason == reason)
    return query


def recent_rejects(session: Session, limit: int = 200, reason: str | None = None) -> list[IngestReject]:
    return list(session.scalars(rejects_query(reason).limit(limit)))


def prune_rejects(session: Session) -> int:
    """Keep only the newest `sensors.rejects_kept` rejects; return how many went."""
    kept = settings.get(session, REJECTS_KEPT.key)
    cutoff = session.scalar(select(IngestReject.id).order_by(IngestReject.id.desc()).offset(kept).limit(1))
    if cutoff is None:
        return 0
    return session.execute(delete(IngestReject).where(IngestReject.id <= cutoff)).rowcount or 0


def ingest_state(session: Session, now: datetime | None = None) -> str:
    """"ok" when an ingest beat recently, "stale" when its last beat is old, "not running" when none ever beat."""
    newest = session.scalar(select(func.max(IngestHeartbeat.beat_at)))
    if newest is None:
        return "not running"
    now = now or datetime.now(timezone.utc)
    return "ok" if now - newest <= HEARTBEAT_STALE else "stale"


def device_counts(session: Session) -> dict:
    """Figures for the dashboard: devices, online now, rejects kept."""
    devices = list(session.scalars(select(Device)))
    return {"devices": len(devices), "online": sum(1 for d in devices if d.enabled and is_online(d)),
            "rejects": session.scalar(select(func.count()).select_from(IngestReject))}
