"""MQTT topic and payload bytes in, readings or a reject reason out. Pure: no I/O. The payload forms are described in
the README ("Sensors over MQTT").

`parse(topic, payload, park, received)` never raises for bad input: every problem comes back as a
`Reject` with a reason code (a `farm.vocab.RejectReason` value) and a short detail, so a bad device cannot take
the ingest down.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

from farm.vocab import METRIC_UNITS

# Physical limits of each metric (what a sensor can truly report, not what a crop wants: those are settings).
# The ingest's own rule, kept free of the app's imports; its keys are farm.vocab.Metric's values (a test holds them
# equal).
METRICS: dict[str, tuple[float, float]] = {
    "temperature": (-50.0, 80.0),       # °C, air
    "humidity": (0.0, 100.0),           # % relative humidity
    "soil_moisture": (0.0, 100.0),      # % volumetric water content
    "soil_temperature": (-50.0, 80.0),  # °C
    "co2": (0.0, 10_000.0),             # ppm
    "light": (0.0, 200_000.0),          # lux
}
UNITS = METRIC_UNITS  # one table of units, with the metrics' names (farm.vocab)

MAX_PAYLOAD_BYTES = 64 * 1024
MAX_BATCH = 5_000           # readings objects in one form-2 array
MAX_FUTURE = timedelta(days=1)
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)  # a ts before this is a clock that was never set
EARLIEST_MS, LATEST_MS = 946_684_800_000, 32_503_680_000_000  # 2000-01-01 and 3000-01-01
MAX_CODE = 40


class Reading(NamedTuple):
    """One value of one metric at one instant (aware UTC, millisecond precision). A tuple: made by the thousand."""

    metric: str
    value: float
    ts: datetime


@dataclass(slots=True)
class Message:
    """A parsed message: readings (telemetry) or an online state (status), plus any readings it had to drop."""

    greenhouse: str
    device: str
    kind: str  # "telemetry" or "status"
    readings: list[Reading] = field(default_factory=list)
    online: bool | None = None
    reject: Reject | None = None  # set when part of a telemetry message was refused


@dataclass(frozen=True, slots=True)
class Reject:
    """Why a message (or part of it) cannot be stored."""

    reason: str
    detail: str = ""
    greenhouse: str | None = None
    device: str | None = None


class _Bad(Exception):
    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


def split_topic(topic: str, park: str) -> tuple[str, str, str]:
    """`farm/{park}/{greenhouse}/{device}/{telemetry|status}` -> (greenhouse, device, kind), or raise _Bad."""
    parts = topic.split("/")
    if len(parts) != 5 or parts[0] != "farm" or parts[1] != park or parts[4] not in ("telemetry", "status"):
        raise _Bad("bad_topic", topic[:200])
    greenhouse, device = parts[2].strip().upper(), parts[3].strip()
    if not greenhouse or not device or len(greenhouse) > 20 or len(device) > MAX_CODE:
        raise _Bad("bad_topic", topic[:200])
    return greenhouse, device, parts[4]


def parse_ts(raw, received: datetime) -> datetime:
    """Epoch milliseconds or ISO-8601 with an offset -> aware UTC datetime (ms precision), or raise _Bad."""
    if type(raw) is int and EARLIEST_MS <= raw <= LATEST_MS:  # the usual case: epoch milliseconds
        ts = EPOCH + timedelta(milliseconds=raw)
    elif isinstance(raw, bool):
        raise _Bad("bad_timestamp", repr(raw))
    elif isinstance(raw, (int, float)):
        if not math.isfinite(raw):
            raise _Bad("bad_timestamp", repr(raw))
        try:
            ts = EPOCH + timedelta(milliseconds=int(raw))  # exact, where fromtimestamp would go through a float
        except (OverflowError, OSError, ValueError):
            raise _Bad("bad_timestamp", repr(raw)[:60]) from None
    elif isinstance(raw, str):
        try:
            ts = datetime.fromisoformat(raw.strip())
        except ValueError:
            raise _Bad("bad_timestamp", raw[:60]) from None
        if ts.tzinfo is None:
            raise _Bad("bad_timestamp", f"no UTC offset: {raw[:60]}")
        try:
            ts = ts.astimezone(timezone.utc)
        except (OverflowError, ValueError):
            raise _Bad("bad_timestamp", raw[:60]) from None
        ts = ts.replace(microsecond=ts.microsecond // 1000 * 1000)
    else:
        raise _Bad("bad_timestamp", type(raw).__name__)
    if ts < EARLIEST:
        raise _Bad("bad_timestamp", f"before 2000: {ts.isoformat()}")
    if ts - received > MAX_FUTURE:
        raise _Bad("future_timestamp", ts.isoformat())
    return ts


def check_value(metric: str, value) -> float:
    """The value as a float within the metric's physical range, or raise _Bad."""
    limits = METRICS.get(metric)
    if limits is None:
        raise _Bad("unknown_metric", str(metric)[:60])
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Bad("not_a_number", f"{metric}={str(value)[:40]}")
    try:
        number = float(value)
    except OverflowError:
        raise _Bad("not_finite", f"{metric}: too large") from None
    if not math.isfinite(number):
        raise _Bad("not_finite", f"{metric}={number}")
    low, high = limits
    if not low <= number <= high:
        raise _Bad("out_of_range", f"{metric}={number:g} outside {low:g}..{high:g} {UNITS[metric]}")
    return number


def _readings(obj: dict, ts: datetime, out: list[Reading], problems: list[_Bad]) -> None:
    for metric, value in obj.items():
        # Fast path for the usual case; NaN, infinities, bools and strings all fail it and get the full check.
        limits = METRICS.get(metric)
        kind = type(value)
        if limits is not None and (kind is float or kind is int) and limits[0] <= value <= limits[1]:
            out.append(Reading(metric, float(value), ts))
            continue
        try:
            out.append(Reading(metric, check_value(metric, value), ts))
        except _Bad as bad:
            problems.append(bad)


def _telemetry(data, received: datetime) -> tuple[list[Reading], list[_Bad]]:
    readings: list[Reading] = []
    problems: list[_Bad] = []
    if isinstance(data, list):  # form 2: buffered readings
        if not data:
            raise _Bad("empty", "empty array")
        if len(data) > MAX_BATCH:
            raise _Bad("too_large", f"{len(data)} entries")
        for entry in data:
            if not isinstance(entry, dict) or not isinstance(entry.get("values"), dict):
                raise _Bad("bad_shape", "array entries must be {\"ts\", \"values\"}")
            _one(entry, received, readings, problems)
    elif isinstance(data, dict):
        _one(data, received, readings, problems)
    else:
        raise _Bad("bad_shape", f"a JSON {type(data).__name__}")
    return readings, problems


def _one(entry: dict, received: datetime, readings: list[Reading], problems: list[_Bad]) -> None:
    if "values" in entry:  # form 1
        values = entry["values"]
        if not isinstance(values, dict):
            raise _Bad("bad_shape", "\"values\" must be an object")
        if "ts" not in entry:
            raise _Bad("bad_timestamp", "missing ts")
        ts = parse_ts(entry["ts"], received)
    else:  # form 3: flat, stamped on receipt (a ts key is honoured)
        values = {k: v for k, v in entry.items() if k != "ts"}
        ts = parse_ts(entry["ts"], received) if "ts" in entry else received.replace(
            microsecond=received.microsecond // 1000 * 1000)
    if not values:
        raise _Bad("empty", "no values")
    _readings(values, ts, readings, problems)


def parse(topic: str, payload: bytes, park: str, received: datetime) -> Message | Reject:
    """Turn one MQTT message into a Message (possibly with a partial reject) or a Reject."""
    try:
        greenhouse, device, kind = split_topic(topic, park)
    except _Bad as bad:
        return Reject(bad.reason, bad.detail)
    try:
        if len(payload) > MAX_PAYLOAD_BYTES:
            raise _Bad("too_large", f"{len(payload)} bytes")
        if not payload.strip():
            raise _Bad("empty", "")
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError:
            raise _Bad("not_utf8", "") from None
        if kind == "status":
            state = text.strip().strip('"').lower()
            if state not in ("online", "offline"):
                raise _Bad("bad_status", text[:40])
            return Message(greenhouse, device, kind, online=state == "online")
        try:
            data = json.loads(text)  # NaN and Infinity literals become floats, refused below as not finite
        except (ValueError, RecursionError) as exc:
            raise _Bad("malformed_json", str(exc)[:120]) from None
        readings, problems = _telemetry(data, received)
    except _Bad as bad:
        return Reject(bad.reason, bad.detail, greenhouse, device)
    if not readings:
        first = problems[0]
        return Reject(first.reason, first.detail, greenhouse, device)
    message = Message(greenhouse, device, kind, readings)
    if problems:
        first = problems[0]
        message.reject = Reject(first.reason, first.detail, greenhouse, device)
    return message


def shown_payload(payload: bytes, limit: int = 2000) -> str:
    """The payload as text for the rejects list: UTF-8 where it is, escaped bytes where it is not, cut short."""
    head = payload[:limit]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = head.decode("utf-8", errors="backslashreplace")
    text = text.replace("\x00", "\\x00")
    return text + (f"… ({len(payload)} bytes)" if len(payload) > limit else "")
