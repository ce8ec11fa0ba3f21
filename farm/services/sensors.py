"""Sensors: the device registry, reading queries (raw and rolled up), latest values, rejects and ingest health."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, joinedload

from farm.errors import Invalid, NotFound
from farm.models.park import Greenhouse
from farm.models.sensors import Device, IngestHeartbeat, IngestReject, LatestReading, Reading
from farm.services import settings
from farm.services.park import get_greenhouse
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

    raw: {"ts", "value"}; rolled up: {"ts" (period start), "min", "mean", "max", "count"}.
    """
    gh_id, device_id = check_query(session, q)
    # Name the devices so the (device, metric, ts) key serves the query; a device moved away keeps its old
    # readings here, so every device is named and the greenhouse filters.
    devices = [device_id] if device_id is not None else list(session.scalars(select(Device.id)))
    query = select(Reading.ts, Reading.value).where(
        Reading.device_id.in_(devices), Reading.metric == q.metric, Reading.ts >= q.start, Reading.ts < q.end,
        Reading.greenhouse_id == gh_id)
    rows = session.execute(query.order_by(Reading.ts).limit(MAX_POINTS)).all()
    step = RESOLUTIONS[q.resolution]
    if step is None:
        return [{"ts": ts, "value": value} for ts, value in rows]
    buckets: dict[int, list[float]] = {}
    for ts, value in rows:
        buckets.setdefault(math.floor(ts.timestamp() / step) * step, []).append(value)
    return [{"ts": datetime.fromtimestamp(start, timezone.utc), "min": min(vs), "mean": round(sum(vs) / len(vs), 3),
             "max": max(vs), "count": len(vs)} for start, vs in sorted(buckets.items())]


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
