"""Sensor devices: the registry (list, edit, enable/disable, delete), whether a device is online, the rejected
messages the ingest kept, and whether the ingest itself is running."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, joinedload

from farm import clock
from farm.errors import NotFound
from farm.models.park import Greenhouse
from farm.models.sensors import Device, DeviceMove, IngestHeartbeat, IngestReject, LatestReading, Reading
from farm.services import settings
from farm.services.park import greenhouse_named
from farm.services.settings import SettingSpec, _int
from farm.vocab import IngestState

REJECTS_KEPT = settings.register(SettingSpec(
    "sensors.rejects_kept", 1000, lambda text: int(str(text).strip()), _l("Rejected messages kept"),
    _l("messages"), minimum=10))
# The ingest beats every 10 seconds; a beat older than this means it stopped answering.
HEARTBEAT_STALE = timedelta(seconds=45)
# The one rule of when a device counts as offline, for the device list, the dashboard, the API and the offline
# alerts alike (the key keeps its old name, so values saved under it still apply).
OFFLINE = settings.register(SettingSpec(
    "alerts.offline_minutes", 10, _int, _l("Minutes of silence after which a sensor counts as offline"),
    _l("minutes"), Decimal(1)))


def offline_after(session: Session, on: date | None = None) -> timedelta:
    """How long a device may be silent and still count as online (the setting in force on `on`)."""
    return timedelta(minutes=settings.get(session, OFFLINE.key, on=on))


# --- the registry --------------------------------------------------------------------------------------------

def list_devices(session: Session, greenhouse: str | None = None) -> list[Device]:
    """Every device with its greenhouse, by greenhouse and code."""
    query = select(Device).join(Device.greenhouse).options(joinedload(Device.greenhouse))
    if greenhouse:
        query = query.where(Greenhouse.code == greenhouse.strip().upper())
    return list(session.scalars(query.order_by(Greenhouse.code, Device.code)))


def get_device(session: Session, code: str) -> Device:
    """The device with this code, or NotFound naming the field."""
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
        target = greenhouse_named(session, data.greenhouse).id
        if target != device.greenhouse_id:
            # Its readings so far stay with the greenhouse they were taken in (they carry it); the move tells that
            # greenhouse's charts and reports that this device's earlier history is theirs.
            session.add(DeviceMove(device_id=device.id, from_greenhouse_id=device.greenhouse_id,
                                   to_greenhouse_id=target, moved_at=clock.now()))
            device.greenhouse_id = target
    if data.enabled is not None:
        device.enabled = data.enabled
    session.flush()
    return device


def devices_by_greenhouse(session: Session) -> dict[int, list[int]]:
    """{greenhouse id: ids of the devices now there or ever moved away from it}, for queries of a greenhouse's
    history (readings and rollups carry the greenhouse they were taken in, so each filters by it too)."""
    out: dict[int, set[int]] = {}
    for device_id, greenhouse_id in session.execute(select(Device.id, Device.greenhouse_id)):
        out.setdefault(greenhouse_id, set()).add(device_id)
    for device_id, greenhouse_id in session.execute(select(DeviceMove.device_id, DeviceMove.from_greenhouse_id)):
        out.setdefault(greenhouse_id, set()).add(device_id)
    return {gh: sorted(ids) for gh, ids in out.items()}


def history_devices(session: Session, greenhouse_id: int) -> list[int]:
    """Ids of the devices whose readings may belong to a greenhouse: those there now and those moved away."""
    now = select(Device.id).where(Device.greenhouse_id == greenhouse_id)
    moved = select(DeviceMove.device_id).where(DeviceMove.from_greenhouse_id == greenhouse_id)
    return sorted(set(session.scalars(now)) | set(session.scalars(moved)))


def delete_device(session: Session, code: str) -> None:
    """Remove a device and its readings; if it sends again it is registered anew."""
    device = get_device(session, code)
    session.execute(delete(Reading).where(Reading.device_id == device.id))
    session.execute(delete(LatestReading).where(LatestReading.device_id == device.id))
    session.delete(device)
    session.flush()


def is_online(device: Device, silent_after: timedelta, now: datetime | None = None) -> bool:
    """Online when the device was heard (a reading, or its status saying online) within `silent_after`
    (offline_after), and has not since said it is offline. A status of "offline" counts until the device sends
    again well after it (by `silent_after`: a retained old status does not outweigh fresh readings)."""
    said = device.online is not None and device.status_at is not None
    if said and not device.online and (
            device.last_seen_at is None or device.status_at >= device.last_seen_at - silent_after):
        return False
    heard = [t for t in (device.last_seen_at, device.status_at if said and device.online else None) if t is not None]
    now = now or clock.now()
    return bool(heard) and now - max(heard) <= silent_after  # the offline alert opens only past it, too


def online_judge(session: Session, now: datetime | None = None):
    """is_online with the setting read once: a function of a device, for lists."""
    silent_after, now = offline_after(session), now or clock.now()
    return lambda device: is_online(device, silent_after, now)


def device_counts(session: Session) -> dict:
    """Figures for the dashboard: devices, online now, rejects kept."""
    devices = list(session.scalars(select(Device)))
    online = online_judge(session)
    return {"devices": len(devices), "online": sum(1 for d in devices if d.enabled and online(d)),
            "rejects": session.scalar(select(func.count()).select_from(IngestReject))}


# --- rejected messages -----------------------------------------------------------------------------------

def rejects_query(reason: str | None = None):
    """The kept rejects, newest first, of one reason or all."""
    query = select(IngestReject).order_by(IngestReject.id.desc())
    if reason:
        query = query.where(IngestReject.reason == reason)
    return query


def recent_rejects(session: Session, limit: int = 200, reason: str | None = None) -> list[IngestReject]:
    """The newest `limit` rejects (of one reason, or all)."""
    return list(session.scalars(rejects_query(reason).limit(limit)))


def prune_rejects(session: Session) -> int:
    """Keep only the newest `sensors.rejects_kept` rejects; return how many went."""
    kept = settings.get(session, REJECTS_KEPT.key)
    cutoff = session.scalar(select(IngestReject.id).order_by(IngestReject.id.desc()).offset(kept).limit(1))
    if cutoff is None:
        return 0
    return session.execute(delete(IngestReject).where(IngestReject.id <= cutoff)).rowcount or 0


# --- the ingest's health -----------------------------------------------------------------------------------

def ingest_state(session: Session, now: datetime | None = None) -> str:
    """"ok" when an ingest beat recently, "stale" when its last beat is old, "not running" when none ever beat
    (an IngestState value)."""
    newest = session.scalar(select(func.max(IngestHeartbeat.beat_at)))
    if newest is None:
        return IngestState.NOT_RUNNING.value
    now = now or clock.now()
    return (IngestState.OK if now - newest <= HEARTBEAT_STALE else IngestState.STALE).value
