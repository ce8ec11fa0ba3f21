"""Alerts: climate outside the active crop's ranges and silent sensors, judged by a job every minute.

Climate is judged on the readings' own timestamps. Each (device, kind) keeps a watermark, and a run judges the
readings after it (at most LOOKBACK back, so a long outage never loads everything), in time order across the
greenhouse's devices. A condition opens an alert once it has held for `alerts.hold_minutes` (a gap in the readings
longer than that starts the count again); while open the alert is refreshed (worst value, severity only rises),
never repeated; it clears only once every device reads back inside the range by the kind's margin (hysteresis).
Everything a run changes, including the notification it queues, is in the caller's transaction, so a run repeated
or cut short doubles nothing.

Day and night: the day ranges apply from `alerts.day_starts` to `alerts.night_starts` (park time, 07:00 and 19:00 by
default; farm.services.daylight, shared with the charts). Set hours rather than a computed sunrise, because the
quilts follow the growers' routine; a settings value applies from a date, so a winter and a summer schedule can be
entered ahead. For `alerts.ramp_minutes` after each change the looser limit of the two still applies, since a solar
greenhouse warms for a while after the quilts go up and cools after they come down; without it every morning would
open a "too cold" alert.

Kinds: `cold` below the day/night minimum (warning; critical at or below the crop's chill_stop_c), `frost` at or
below frost_kill_c (critical; a frost is the worst of a cold spell, so it is the same alert: an open cold alert
becomes a frost alert, and one alert, one message, covers the whole event until it is no longer cold), `hot` above the day/night maximum (warning; critical at or above heat_stop_c), and
warnings for humidity, CO2 and soil temperature outside the crop's ranges and soil moisture outside the park-wide
`alerts.soil_moisture_min/max`. A greenhouse's crops are those of its plantings active on the park day
that still stand (farm.services.plantings.active_on: in the ground that day and not ended, so a planting ended
during the day stops being judged at once); where several share it, the strictest limit applies.
An open alert that rises to critical (a cold spell reaching the chill stop or frost) queues one more message, once.
Offline: an enabled device silent for more than `alerts.offline_minutes` (farm.services.devices, which the device
list reads too) opens an `offline` alert, cleared when it
speaks again.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, case, delete, func, insert, or_, select, tuple_, update
from sqlalchemy.orm import Session, joinedload

from farm import clock
from farm.errors import Conflict, Invalid, NotFound
from farm.models.alerts import Alert, AlertCondition
from farm.models.crops import Crop, Planting
from farm.models.sensors import Device, Reading
from farm.park_language import park_language
from farm.services import daylight, devices, notify, park, plantings, settings
from farm.services.daylight import DayHours
from farm.services.settings import SettingSpec, _decimal, _int
from farm.vocab import AlertKind, AlertSeverity, AlertState, Metric, label

LOOKBACK = timedelta(hours=6)


HOLD = settings.register(SettingSpec(
    "alerts.hold_minutes", 10, _int, _l("Minutes a climate condition must hold before an alert opens"), _l("minutes"),
    Decimal(0)))
MARGIN_TEMPERATURE = settings.register(SettingSpec(
    "alerts.margin_temperature", Decimal(1), _decimal, _l("Alert clearing margin for temperatures"), "°C", Decimal(0)))
MARGIN_HUMIDITY = settings.register(SettingSpec(
    "alerts.margin_humidity", Decimal(3), _decimal, _l("Alert clearing margin for humidity"), "%", Decimal(0)))
MARGIN_CO2 = settings.register(SettingSpec(
    "alerts.margin_co2", Decimal(50), _decimal, _l("Alert clearing margin for CO₂"), "ppm", Decimal(0)))
MARGIN_SOIL_MOISTURE = settings.register(SettingSpec(
    "alerts.margin_soil_moisture", Decimal(2), _decimal, _l("Alert clearing margin for soil moisture"), "%",
    Decimal(0)))
SOIL_MOISTURE_MIN = settings.register(SettingSpec(
    "alerts.soil_moisture_min", Decimal(15), _decimal, _l("Soil moisture below which an alert opens (0: none)"), "%",
    Decimal(0)))
SOIL_MOISTURE_MAX = settings.register(SettingSpec(
    "alerts.soil_moisture_max", Decimal(45), _decimal, _l("Soil moisture above which an alert opens (0: none)"), "%",
    Decimal(0)))
RAMP = settings.register(SettingSpec(
    "alerts.ramp_minutes", 120, _int, _l("Minutes after the day or night starts in which the looser range still applies"),
    _l("minutes"), Decimal(0)))

# --- the kinds and their limits -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Kind:
    """A climate condition: the metric it reads, its direction, and whether the limit itself is already outside."""

    name: str
    metric: str
    low: bool
    margin: str  # the setting key of its clearing margin
    at_limit: bool = False  # frost: "at or below" the killing limit


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind(AlertKind.FROST, Metric.TEMPERATURE, True, MARGIN_TEMPERATURE.key, at_limit=True),
    Kind(AlertKind.COLD, Metric.TEMPERATURE, True, MARGIN_TEMPERATURE.key),
    Kind(AlertKind.HOT, Metric.TEMPERATURE, False, MARGIN_TEMPERATURE.key),
    Kind(AlertKind.HUMIDITY_LOW, Metric.HUMIDITY, True, MARGIN_HUMIDITY.key),
    Kind(AlertKind.HUMIDITY_HIGH, Metric.HUMIDITY, False, MARGIN_HUMIDITY.key),
    Kind(AlertKind.CO2_LOW, Metric.CO2, True, MARGIN_CO2.key),
    Kind(AlertKind.CO2_HIGH, Metric.CO2, False, MARGIN_CO2.key),
    Kind(AlertKind.SOIL_TEMP_LOW, Metric.SOIL_TEMPERATURE, True, MARGIN_TEMPERATURE.key),
    Kind(AlertKind.SOIL_TEMP_HIGH, Metric.SOIL_TEMPERATURE, False, MARGIN_TEMPERATURE.key),
    Kind(AlertKind.SOIL_MOISTURE_LOW, Metric.SOIL_MOISTURE, True, MARGIN_SOIL_MOISTURE.key),
    Kind(AlertKind.SOIL_MOISTURE_HIGH, Metric.SOIL_MOISTURE, False, MARGIN_SOIL_MOISTURE.key),
)}
# The crop field (or setting) giving each kind's limit when it is not the day/night temperature range.
FIXED_LIMIT = {AlertKind.FROST: "frost_kill_c", AlertKind.HUMIDITY_LOW: "humidity_min",
               AlertKind.HUMIDITY_HIGH: "humidity_max", AlertKind.CO2_LOW: "co2_min", AlertKind.CO2_HIGH: "co2_max",
               AlertKind.SOIL_TEMP_LOW: "soil_temp_min", AlertKind.SOIL_TEMP_HIGH: "soil_temp_max",
               AlertKind.SOIL_MOISTURE_LOW: "soil_moisture_min", AlertKind.SOIL_MOISTURE_HIGH: "soil_moisture_max"}
CROP_FIELDS = ("day_temp_min", "day_temp_max", "night_temp_min", "night_temp_max", "chill_stop_c", "frost_kill_c",
               "heat_stop_c", "humidity_min", "humidity_max", "soil_temp_min", "soil_temp_max", "co2_min", "co2_max")
DECIMALS = {Metric.TEMPERATURE: 1, Metric.SOIL_TEMPERATURE: 1, Metric.HUMIDITY: 0, Metric.SOIL_MOISTURE: 1,
            Metric.CO2: 0}


@dataclass
class Ranges:
    """The limits a greenhouse is judged by: its active crops' ranges (the strictest of each) and the park's."""

    limits: dict[str, float | None]
    hours: DayHours = DayHours(time(7), time(19))
    ramp: timedelta = timedelta(minutes=120)

    @classmethod
    def of(cls, crops: list[Crop], config: dict) -> Ranges:
        limits: dict[str, float | None] = {}
        for name in CROP_FIELDS:
            values = [float(getattr(c, name)) for c in crops if getattr(c, name) is not None]
            # A lower limit protects the most sensitive crop when it is the highest; an upper one when the lowest.
            lower = name.endswith("_min") or name in ("chill_stop_c", "frost_kill_c")
            limits[name] = (max(values) if lower else min(values)) if values else None
        limits["soil_moisture_min"] = config["soil_moisture_min"] or None
        limits["soil_moisture_max"] = config["soil_moisture_max"] or None
        return cls(limits, config["hours"], config["ramp"])

    def is_day(self, ts: datetime) -> bool:
        return self.hours.is_day(ts)

    def _temp(self, ts: datetime, bound: str) -> float | None:
        day, night = self.limits[f"day_temp_{bound}"], self.limits[f"night_temp_{bound}"]
        if self.is_day(ts):
            return day if day is not None else night
        return night if night is not None else day

    def limit(self, kind: str, ts: datetime) -> float | None:
        """The limit of `kind` at the instant `ts`."""
        if kind in FIXED_LIMIT:
            return self.limits[FIXED_LIMIT[kind]]
        bound = "min" if kind == AlertKind.COLD else "max"
        values = [v for v in (self._temp(ts, bound), self._temp(ts - self.ramp, bound)) if v is not None]
        if not values:
            return None
        return min(values) if bound == "min" else max(values)  # the looser of now and a ramp ago

    def applies(self, kind: str) -> bool:
        if kind in FIXED_LIMIT:
            return self.limits[FIXED_LIMIT[kind]] is not None
        bound = "min" if kind == AlertKind.COLD else "max"
        return self.limits[f"day_temp_{bound}"] is not None or self.limits[f"night_temp_{bound}"] is not None

    def critical(self, kind: str, value: float) -> bool:
        """Frost is always critical; cold once growth stops (chill_stop_c), heat once it stops (heat_stop_c)."""
        if kind == AlertKind.FROST:
            return True
        if kind == AlertKind.COLD and self.limits["chill_stop_c"] is not None:
            return value <= self.limits["chill_stop_c"]
        if kind == AlertKind.HOT and self.limits["heat_stop_c"] is not None:
            return value >= self.limits["heat_stop_c"]
        return False


def outside(kind: Kind, value: float, limit: float) -> bool:
    if kind.low:
        return value <= limit if kind.at_limit else value < limit
    return value >= limit if kind.at_limit else value > limit


def back_inside(kind: Kind, value: float, limit: float, margin: float) -> bool:
    """Past the limit by the margin, towards the range: only then does an open condition clear."""
    return value >= limit + margin if kind.low else value <= limit - margin


def worse(kind: Kind, value: float, than: float | None) -> bool:
    return than is None or (value < than if kind.low else value > than)


def judging_config(session: Session, now: datetime) -> dict:
    """The settings in force on the park day of `now`, as plain numbers."""
    on = clock.park_day(now)

    def get(spec):
        return settings.get(session, spec.key, on=on)

    config = {
        "hold": timedelta(minutes=get(HOLD)),
        "offline": devices.offline_after(session, on),
        "ramp": timedelta(minutes=get(RAMP)),
        "hours": daylight.hours(session, on),
        "soil_moisture_min": float(get(SOIL_MOISTURE_MIN)),
        "soil_moisture_max": float(get(SOIL_MOISTURE_MAX)),
    }
    config["margins"] = {spec.key: float(get(spec)) for spec in (MARGIN_TEMPERATURE, MARGIN_HUMIDITY, MARGIN_CO2,
                                                                 MARGIN_SOIL_MOISTURE)}
    return config


# --- opening, refreshing and clearing ----------------------------------------------------------------------------

@dataclass
class Run:
    """What one run of the job did (and the open alerts it works on, by open key)."""

    open: dict[str, Alert] = field(default_factory=dict)
    opened: list[Alert] = field(default_factory=list)
    escalated: list[Alert] = field(default_factory=list)  # open alerts that rose to critical in this run
    refreshed: int = 0
    cleared: int = 0
    readings: int = 0

    def summary(self) -> dict:
        return {"opened": len(self.opened), "escalated": len(self.escalated), "refreshed": self.refreshed,
                "cleared": self.cleared, "readings": self.readings}


# Kinds that are a stage of another kind's event, so they share its alert: a frost is the bottom of a cold spell.
SAME_EVENT = {AlertKind.FROST.value: AlertKind.COLD.value}


def event_of(kind: str) -> str:
    """The kind whose alert `kind` is part of (itself, but frost is part of cold)."""
    return SAME_EVENT.get(kind, kind)


@lru_cache(maxsize=8192)  # called for every reading judged
def climate_key(greenhouse_id: int, kind: str) -> str:
    """The open key of a greenhouse's alert for `kind`: frost and cold share one."""
    return f"gh:{greenhouse_id}:{event_of(kind)}"


def offline_key(device_id: int) -> str:
    return f"device:{device_id}:offline"


def _open(session: Session, run: Run, key: str, **values) -> Alert:
    alert = Alert(state=AlertState.OPEN, open_key=key, ack_note="", **values)
    session.add(alert)
    session.flush()
    run.open[key] = alert
    run.opened.append(alert)
    return alert


def _clear(run: Run, alert: Alert, at: datetime) -> None:
    run.open.pop(alert.open_key or "", None)
    alert.state = AlertState.CLEARED
    alert.open_key = None
    alert.cleared_at = max(at, alert.opened_at)
    alert.refreshed_at = max(alert.refreshed_at, alert.cleared_at)
    run.cleared += 1


def _escalate(run: Run, alert: Alert) -> None:
    """Raise an open alert to critical (never back while open); the run queues one message for the rise."""
    if alert.severity != AlertSeverity.CRITICAL:
        alert.severity = AlertSeverity.CRITICAL
        if alert not in run.opened and alert not in run.escalated:
            run.escalated.append(alert)


def _refresh(run: Run, alert: Alert, kind: Kind, ranges: Ranges, ts: datetime, value: float, limit: float) -> None:
    alert.refreshed_at = max(alert.refreshed_at, ts)
    alert.last_value = value
    run.refreshed += 1
    if kind.name != alert.kind:
        return  # the other stage of the same event (cold on a frost alert, frost not yet held on a cold one)
    if outside(kind, value, limit) and worse(kind, value, alert.worst_value):
        alert.worst_value, alert.limit_value = value, limit
    if ranges.critical(kind.name, value):
        _escalate(run, alert)


def _become(run: Run, alert: Alert, kind: Kind, ranges: Ranges, cond: Condition) -> None:
    """An open alert of the same event reaching a worse stage (a cold alert whose frost condition now held): it
    takes that kind and its worst value and limit, and escalates; no second alert opens."""
    alert.kind = kind.name
    alert.worst_value, alert.limit_value = cond.worst, cond.worst_limit
    if ranges.critical(kind.name, cond.worst):
        _escalate(run, alert)


# --- climate ---------------------------------------------------------------------------------------------------

CONDITION_STATE = ("judged_until", "since", "active", "worst", "worst_limit")


class Condition:
    """One row of alert_conditions as plain values while a run judges (a dense park judges some 20,000 readings
    a run; ORM objects cost more than the judging). Loaded at once, written back at once: what changed."""

    __slots__ = ("device_id", "kind", "greenhouse_id", *CONDITION_STATE, "saved")

    def __init__(self, device_id: int, kind: str, greenhouse_id: int, judged_until: datetime,
                 since: datetime | None = None, active: bool = False, worst: float | None = None,
                 worst_limit: float | None = None, saved: tuple | None = None):
        self.device_id, self.kind, self.greenhouse_id = device_id, kind, greenhouse_id
        self.judged_until, self.since, self.active, self.worst, self.worst_limit = (
            judged_until, since, active, worst, worst_limit)
        self.saved = saved  # the stored state; None: not in the table yet

    def state(self) -> tuple:
        return (self.judged_until, self.since, self.active, self.worst, self.worst_limit)

    @classmethod
    def load(cls, session: Session) -> dict[tuple[int, str], Condition]:
        """Every stored condition, by (device id, kind)."""
        t = AlertCondition.__table__
        rows = session.execute(select(t.c.device_id, t.c.kind, t.c.greenhouse_id,
                                      *(t.c[name] for name in CONDITION_STATE)))
        return {(row[0], row[1]): cls(*row, saved=tuple(row[3:])) for row in rows}

    @staticmethod
    def save(session: Session, conditions, gone) -> None:
        """Write back the conditions that changed or are new, and remove those gone: a statement each."""
        t = AlertCondition.__table__
        changed, added = [], []
        for c in conditions:
            if c.saved is None:
                added.append({"device_id": c.device_id, "kind": c.kind, "greenhouse_id": c.greenhouse_id,
                              **dict(zip(CONDITION_STATE, c.state()))})
            elif c.state() != c.saved:
                changed.append(c)
        if gone:
            session.execute(delete(t).where(tuple_(t.c.device_id, t.c.kind).in_(
                [(c.device_id, c.kind) for c in gone])))
        if changed:
            session.execute(update(t).where(t.c.device_id == bindparam("b_device_id"),
                                            t.c.kind == bindparam("b_kind")),
                            [{"b_device_id": c.device_id, "b_kind": c.kind, **dict(zip(CONDITION_STATE, c.state()))}
                             for c in changed])
        if added:
            session.execute(insert(t), added)


def _greenhouse_crops(session: Session, now: datetime) -> dict[int, list[Crop]]:
    """{greenhouse id: crops of its plantings in the ground on the park day of `now` and not ended}."""
    today = clock.park_day(now)
    query = select(Planting).options(joinedload(Planting.crop)).where(plantings.active_on(today),
                                                                      plantings.active_on())
    out: dict[int, list[Crop]] = {}
    for planting in session.scalars(query):
        out.setdefault(planting.greenhouse_id, []).append(planting.crop)
    return out


def _kinds_by_metric(kinds: list[Kind]) -> dict[str, list[Kind]]:
    out: dict[str, list[Kind]] = {}
    for kind in kinds:
        out.setdefault(kind.metric, []).append(kind)
    return out


# Watermarks this close together are read by one query from the oldest of them; the few readings read twice are
# skipped in Python (each run's watermarks are the devices' last readings, so a run is usually one query).
READ_SPREAD = timedelta(minutes=10)
READ_CHUNK = 500  # devices a query at most (bound parameters)


def _new_readings(session: Session, starts: dict[tuple[int, str], datetime], now: datetime) -> dict:
    """{(device id, metric): [(ts, greenhouse id, value)] in time order, after that pair's start, up to `now`}.

    Set-based: the pairs are grouped by how far back they start (a new device or planting starts at the look-back,
    the others at their last reading), and each group is one query over the readings' key, not one per device.
    """
    out: dict[tuple[int, str], list] = {}
    pending = sorted(starts.items(), key=lambda item: item[1])
    while pending:
        first = pending[0][1]
        cut = next((i for i, (_pair, start) in enumerate(pending) if start - first > READ_SPREAD), len(pending))
        group, pending = dict(pending[:cut]), pending[cut:]
        metrics = sorted({metric for _device, metric in group})
        device_ids = sorted({device for device, _metric in group})
        for i in range(0, len(device_ids), READ_CHUNK):
            rows = session.execute(
                select(Reading.device_id, Reading.metric, Reading.ts, Reading.greenhouse_id, Reading.value)
                .where(Reading.device_id.in_(device_ids[i:i + READ_CHUNK]), Reading.metric.in_(metrics),
                       Reading.ts > first, Reading.ts <= now)
                .order_by(Reading.device_id, Reading.metric, Reading.ts))
            for device_id, metric, ts, greenhouse_id, value in rows:
                start = group.get((device_id, metric))
                if start is not None and ts > start:
                    out.setdefault((device_id, metric), []).append((ts, greenhouse_id, value))
    return out


def judge_climate(session: Session, now: datetime, run: Run, config: dict) -> None:
    """Judge every planted greenhouse's new readings; clear what no longer applies (planting ended, range removed)."""
    crops = _greenhouse_crops(session, now)
    devices: dict[int, list[int]] = {}
    for device_id, greenhouse_id in session.execute(select(Device.id, Device.greenhouse_id).order_by(Device.id)):
        devices.setdefault(greenhouse_id, []).append(device_id)
    device_greenhouse = {d: gh for gh, ds in devices.items() for d in ds}
    conditions = Condition.load(session)
    ranges = {gh: Ranges.of(cs, config) for gh, cs in crops.items()}
    applicable = {gh: [k for k in KINDS.values() if r.applies(k.name)] for gh, r in ranges.items()}

    # States that no longer apply: greenhouses without a crop, kinds without a range, devices that moved away. Their
    # open alerts clear below, once no device holds them.
    gone = []
    for (device_id, kind), cond in list(conditions.items()):
        gh = device_greenhouse.get(device_id)
        if gh != cond.greenhouse_id or all(k.name != kind for k in applicable.get(gh, [])):
            gone.append(cond)
            del conditions[(device_id, kind)]

    floor = now - LOOKBACK
    by_metric = {gh: _kinds_by_metric(kinds) for gh, kinds in applicable.items()}
    starts = {}
    for gh, metrics in by_metric.items():
        for metric, metric_kinds in metrics.items():
            for device_id in devices.get(gh, []):
                marks = [conditions[(device_id, k.name)].judged_until if (device_id, k.name) in conditions else floor
                         for k in metric_kinds]
                starts[(device_id, metric)] = max(floor, min(marks))
    new = _new_readings(session, starts, now)
    for gh, metrics in by_metric.items():
        for metric, metric_kinds in metrics.items():
            stream = []
            for device_id in devices.get(gh, []):
                stream.extend((ts, device_id, value) for ts, taken_in, value in new.get((device_id, metric), ())
                              if taken_in == gh)
            stream.sort()  # time order across the greenhouse's devices
            run.readings += len(stream)
            for ts, device_id, value in stream:
                for kind in metric_kinds:
                    cond = conditions.get((device_id, kind.name))
                    if cond is None:
                        cond = Condition(device_id, kind.name, gh, floor)
                        conditions[(device_id, kind.name)] = cond
                    if ts <= cond.judged_until:
                        continue  # judged by an earlier run
                    _judge(session, run, config, ranges[gh], kind, cond, conditions, ts, value)
    # An open climate alert needs a device still holding its condition (its device may have moved or gone).
    held = {climate_key(c.greenhouse_id, c.kind) for c in conditions.values() if c.active}
    for key, alert in list(run.open.items()):
        if alert.kind != AlertKind.OFFLINE and key not in held:
            _clear(run, alert, now)
    Condition.save(session, conditions.values(), gone)
    session.flush()


def _judge(session: Session, run: Run, config: dict, ranges: Ranges, kind: Kind, cond: Condition,
           conditions: dict, ts: datetime, value: float) -> None:
    """One reading of one device for one kind: the condition's state machine, and the greenhouse's alert."""
    limit = ranges.limit(kind.name, ts)
    previous = cond.judged_until
    cond.judged_until = ts
    if limit is None:
        return
    key = climate_key(cond.greenhouse_id, kind.name)
    alert = run.open.get(key)
    hold = config["hold"]
    if cond.active:
        if back_inside(kind, value, limit, config["margins"][kind.margin]):
            cond.active, cond.since, cond.worst, cond.worst_limit = False, None, None, None
            still = any(c.active for (_d, k), c in conditions.items() if event_of(k) == event_of(kind.name)
                        and c.greenhouse_id == cond.greenhouse_id)
            if alert is not None and not still:
                _clear(run, alert, ts)
        elif alert is not None:
            _refresh(run, alert, kind, ranges, ts, value, limit)
        return
    if not outside(kind, value, limit):
        cond.since, cond.worst, cond.worst_limit = None, None, None
        return
    if cond.since is None or (hold and ts - previous > hold):
        cond.since, cond.worst, cond.worst_limit = ts, None, None  # a fresh run (a long gap proves nothing held)
    if worse(kind, value, cond.worst):
        cond.worst, cond.worst_limit = value, limit
    if alert is not None:
        _refresh(run, alert, kind, ranges, ts, value, limit)  # another device already holds it open
    if ts - cond.since < hold:
        return
    cond.active = True
    if alert is not None and alert.kind != kind.name and event_of(kind.name) != kind.name:
        _become(run, alert, kind, ranges, cond)  # the cold spell reached frost: the same alert, now a frost
    elif alert is None:
        _open(session, run, key, greenhouse_id=cond.greenhouse_id, device_id=None, kind=kind.name, metric=kind.metric,
              severity=AlertSeverity.CRITICAL if ranges.critical(kind.name, cond.worst) else AlertSeverity.WARNING,
              started_at=cond.since,
              opened_at=ts, refreshed_at=ts, worst_value=cond.worst, limit_value=cond.worst_limit, last_value=value)


# --- offline -------------------------------------------------------------------------------------------------

def judge_offline(session: Session, now: datetime, run: Run, config: dict) -> None:
    """Open an alert for each enabled device silent too long; clear it when the device speaks again."""
    silent_after = config["offline"]
    open_by_device = {a.device_id: a for a in run.open.values() if a.kind == AlertKind.OFFLINE}
    # The devices' columns, not ORM objects: a run reads every device of the park every minute.
    for device in session.execute(select(Device.id, Device.greenhouse_id, Device.enabled, Device.last_seen_at,
                                         Device.created_at).order_by(Device.id)):
        alert = open_by_device.pop(device.id, None)
        heard = device.last_seen_at or device.created_at
        if not device.enabled:
            if alert is not None:
                _clear(run, alert, now)  # a disabled device never alerts
            continue
        if alert is not None:
            if heard > alert.started_at:
                _clear(run, alert, heard)  # it spoke again
            else:
                alert.refreshed_at = max(alert.refreshed_at, now)
                continue
        if now - heard > silent_after:
            _open(session, run, offline_key(device.id), greenhouse_id=device.greenhouse_id, device_id=device.id,
                  kind=AlertKind.OFFLINE, metric=None, severity=AlertSeverity.WARNING, started_at=heard, opened_at=now,
                  refreshed_at=now, worst_value=None, limit_value=None, last_value=None)
    for alert in open_by_device.values():
        _clear(run, alert, now)  # its device was deleted


# --- the job ---------------------------------------------------------------------------------------------------

def run_alerts(session: Session, now: datetime) -> dict:
    """The job: judge silent devices and the climate since the last run, queue a notification per opening."""
    config = judging_config(session, now)
    run = Run()
    for alert in session.scalars(select(Alert).where(Alert.state == AlertState.OPEN).order_by(Alert.id)):
        if alert.open_key:
            run.open[alert.open_key] = alert
    _merge_events(session, run, now)
    judge_offline(session, now, run, config)
    judge_climate(session, now, run, config)
    for alert in run.opened:
        notify_opening(session, alert, now)
    for alert in run.escalated:
        if alert.state == AlertState.OPEN:
            notify_escalation(session, alert, now)
    return run.summary()


def _merge_events(session: Session, run: Run, now: datetime) -> None:
    """Open frost alerts from before frost and cold shared one alert: the frost alert takes the shared key and an
    open cold alert of the same greenhouse clears (the frost one carries the event on)."""
    for key, alert in list(run.open.items()):
        shared = climate_key(alert.greenhouse_id, alert.kind) if alert.kind != AlertKind.OFFLINE else key
        if shared == key:
            continue
        other = run.open.get(shared)
        if other is not None:
            _clear(run, other, now)
            session.flush()  # the cleared alert lets go of the key first
        run.open.pop(key)
        alert.open_key = shared
        run.open[shared] = alert
    session.flush()


def notify_opening(session: Session, alert: Alert, now: datetime | None = None) -> bool:
    """Queue one message per channel for an alert's opening (the key makes a second call a no-op)."""
    opened = clock.local(alert.opened_at).strftime("%Y-%m-%d %H:%M")
    with park_language():
        subject = _("[%(severity)s] %(greenhouse)s: %(kind)s", severity=label("alert_severity", alert.severity),
                    greenhouse=alert.greenhouse.code, kind=label("alert_kind", alert.kind))
        body = describe(alert) + "\n" + _("Opened at %(time)s.", time=opened)
    return notify.enqueue(session, f"alert-{alert.id}", subject, body, now)


def notify_escalation(session: Session, alert: Alert, now: datetime | None = None) -> bool:
    """Queue one message per channel for an open alert's rise to critical (its own key: sent once)."""
    with park_language():
        subject = _("[%(severity)s] %(greenhouse)s: %(kind)s", severity=label("alert_severity", alert.severity),
                    greenhouse=alert.greenhouse.code, kind=label("alert_kind", alert.kind))
        body = describe(alert) + "\n" + _("Now critical; open since %(time)s.",
                                          time=clock.local(alert.opened_at).strftime("%Y-%m-%d %H:%M"))
    return notify.enqueue(session, f"alert-{alert.id}-critical", subject, body, now)


# --- reading alerts ----------------------------------------------------------------------------------------------

def _number(metric: str | None, value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:.{DECIMALS.get(metric or '', 1)}f}"


def describe(alert: Alert) -> str:
    """The alert's message in the current language, from its kind and values."""
    gh = alert.greenhouse.code if alert.greenhouse is not None else "?"
    v, lim = _number(alert.metric, alert.worst_value), _number(alert.metric, alert.limit_value)
    kind = alert.kind
    if kind == AlertKind.OFFLINE:
        device = alert.device.code if alert.device is not None else "?"
        since = clock.local(alert.started_at).strftime("%Y-%m-%d %H:%M")
        return _("Sensor %(device)s in %(greenhouse)s has been silent since %(time)s.", device=device, greenhouse=gh,
                 time=since)
    texts = {
        AlertKind.FROST: _l(
            "Frost in %(greenhouse)s: %(value)s °C, at or below the crop's killing limit of %(limit)s °C.",
            greenhouse=gh, value=v, limit=lim),
        AlertKind.COLD: _l("Too cold in %(greenhouse)s: %(value)s °C, below the crop's minimum of %(limit)s °C.",
                           greenhouse=gh, value=v, limit=lim),
        AlertKind.HOT: _l("Too hot in %(greenhouse)s: %(value)s °C, above the crop's maximum of %(limit)s °C.",
                          greenhouse=gh, value=v, limit=lim),
        AlertKind.HUMIDITY_LOW: _l("Air too dry in %(greenhouse)s: %(value)s %% RH, below %(limit)s %%.",
                                   greenhouse=gh, value=v, limit=lim),
        AlertKind.HUMIDITY_HIGH: _l("Air too humid in %(greenhouse)s: %(value)s %% RH, above %(limit)s %%.",
                                    greenhouse=gh, value=v, limit=lim),
        AlertKind.CO2_LOW: _l("CO₂ too low in %(greenhouse)s: %(value)s ppm, below %(limit)s ppm.",
                              greenhouse=gh, value=v, limit=lim),
        AlertKind.CO2_HIGH: _l("CO₂ too high in %(greenhouse)s: %(value)s ppm, above %(limit)s ppm.",
                               greenhouse=gh, value=v, limit=lim),
        AlertKind.SOIL_TEMP_LOW: _l("Soil too cold in %(greenhouse)s: %(value)s °C, below %(limit)s °C.",
                                    greenhouse=gh, value=v, limit=lim),
        AlertKind.SOIL_TEMP_HIGH: _l("Soil too warm in %(greenhouse)s: %(value)s °C, above %(limit)s °C.",
                                     greenhouse=gh, value=v, limit=lim),
        AlertKind.SOIL_MOISTURE_LOW: _l("Soil too dry in %(greenhouse)s: %(value)s %%, below %(limit)s %%.",
                                        greenhouse=gh, value=v, limit=lim),
        AlertKind.SOIL_MOISTURE_HIGH: _l("Soil too wet in %(greenhouse)s: %(value)s %%, above %(limit)s %%.",
                                         greenhouse=gh, value=v, limit=lim),
    }
    text = texts.get(kind)
    return str(text) if text is not None else f"{gh}: {kind}"


def alerts_query(state: str | None = None, greenhouse_id: int | None = None):
    """Alerts, open ones first, then the newest; with their greenhouse, device and acknowledger loaded."""
    query = select(Alert).options(joinedload(Alert.greenhouse), joinedload(Alert.device),
                                  joinedload(Alert.acknowledged_by))
    if state:
        query = query.where(Alert.state == state)
    if greenhouse_id is not None:
        query = query.where(Alert.greenhouse_id == greenhouse_id)
    return query.order_by(case((Alert.state == AlertState.OPEN, 0), else_=1), Alert.opened_at.desc(), Alert.id.desc())


def check_filters(session: Session, state: str | None, greenhouse: str | None) -> tuple[str | None, int | None]:
    """(state, greenhouse id) from the filters of the list, or Invalid naming the bad one."""
    state = (state or "").strip().lower() or None
    if state is not None and AlertState.get(state) is None:
        msg = _l("Choose open or cleared.")
        raise Invalid(msg, {"state": msg})
    greenhouse_id = None
    if greenhouse and greenhouse.strip():
        greenhouse_id = park.greenhouse_named(session, greenhouse).id
    return state, greenhouse_id


def get_alert(session: Session, alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(_l("There is no alert %(id)s.", id=alert_id))
    return alert


def acknowledge(session: Session, alert_id: int, user, note: str, now: datetime | None = None) -> Alert:
    """Record who saw the alert and what they did about it; an alert is acknowledged once."""
    alert = get_alert(session, alert_id)
    if alert.acknowledged_at is not None:
        who = alert.acknowledged_by.username if alert.acknowledged_by is not None else "?"
        raise Conflict(_l("This alert was already acknowledged by %(user)s.", user=who))
    alert.acknowledged_at = now or clock.now()
    alert.acknowledged_by_id = user.id
    alert.ack_note = note
    session.flush()
    return alert


def open_counts(session: Session) -> dict:
    """Open alerts: how many, how many not yet acknowledged, how many critical."""
    row = session.execute(select(
        func.count(), func.count(Alert.acknowledged_at),
        func.sum(case((Alert.severity == AlertSeverity.CRITICAL, 1), else_=0)))
        .where(Alert.state == AlertState.OPEN)).one()
    total, acknowledged, critical = row
    return {"open": total, "unacknowledged": total - acknowledged, "critical": critical or 0}


def open_unacknowledged(session: Session) -> int:
    """The number on the menu's badge."""
    return session.scalar(select(func.count()).select_from(Alert).where(
        Alert.state == AlertState.OPEN, Alert.acknowledged_at.is_(None))) or 0


def alerts_between(session: Session, start: datetime, end: datetime) -> list[Alert]:
    """Alerts open at any time in [start, end), oldest first (for the daily report)."""
    query = alerts_query().where(Alert.opened_at < end,
                                 or_(Alert.cleared_at.is_(None), Alert.cleared_at > start))
    return list(session.scalars(query.order_by(None).order_by(Alert.opened_at, Alert.id)))
