"""Realistic readings for the demo park (`python -m farm simulate`): a solar greenhouse in the Wuhai climate.

Each greenhouse follows the outside weather of the day of year (January nights near -14 °C, July afternoons near
33 °C), its thermal quilts (down at night, up after sunrise), vents that open around 30 °C, a morning CO2 peak
where growers enrich, soil that dries and is irrigated. Now and then a fault happens so alerts have something
to catch: a sensor goes silent, a value sticks, a spike, or a cold night when a quilt stays up. A cold night can also
be forced on chosen greenhouses (`simulate --cold-night GH-001`): the quilt stays up and the film loses the heat fast,
so the air falls below any crop's frost limit, then recovers once the quilt is lowered.
"""
from __future__ import annotations

import json
import logging
import math
import random
import signal
import threading
from dataclasses import dataclass, field
from datetime import datetime

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from farm import clock
from farm.config import Config

log = logging.getLogger("farm.simulator")

FAULT_CHANCE = 0.002  # per greenhouse and tick
FORCED_COLD_C = -5.0  # where a forced cold night heads: below every crop's frost limit (docs/domain.md: -1 to 0 °C)
FORCED_COOLING = 6.0  # per hour: a bare film at night loses heat about four times faster than a quilted house


@dataclass
class Climate:
    """One greenhouse's state between ticks."""

    code: str
    device: str
    enriched: bool
    rng: random.Random
    soil_moisture: float = 35.0
    soil_temperature: float = 16.0
    air: float = 15.0
    fault: str | None = None
    fault_ticks: int = 0
    stuck: dict = field(default_factory=dict)
    cold_hours: float = 0.0  # what is left of a forced cold night
    setpoints: "Setpoints | None" = None  # a planted house is heated, vented and enriched towards its crop's ranges
    faulty: bool = True  # whether faults happen (not in the demo's history, whose cold nights would read as dead crops)


@dataclass(frozen=True)
class Setpoints:
    """The ranges growers hold a planted greenhouse in (its crop's), and the park's day hours (local, in hours)."""

    day: tuple[float | None, float | None]
    night: tuple[float | None, float | None]
    humidity: tuple[float | None, float | None]
    soil: tuple[float | None, float | None]
    co2: tuple[float | None, float | None]
    day_starts: float = 7.0
    night_starts: float = 19.0


def _hold(value: float, bounds: tuple[float | None, float | None], inset: float, give: float = 0.0) -> float:
    """`value` brought inside `bounds` narrowed by `inset` (at most a quarter of the range); above the top only
    `give` of the excess remains (what vents and shading cannot remove)."""
    lo, hi = bounds
    if lo is not None and hi is not None:
        inset = min(inset, (hi - lo) / 4)
    if lo is not None and value < lo + inset:
        return lo + inset
    if hi is not None and value > hi - inset:
        return hi - inset + (value - (hi - inset)) * give
    return value


def setpoints_by_greenhouse(session) -> dict[str, Setpoints]:
    """{greenhouse code: Setpoints} for greenhouses with an active planting, from its crop (the first planted)."""
    from sqlalchemy import select

    from farm.models.crops import Planting
    from farm.services import settings
    from farm.vocab import ACTIVE_PLANTING_STATUSES

    def hours(key: str, default: float) -> float:
        try:
            h, _, m = str(settings.get(session, key)).partition(":")
            return int(h) + int(m or 0) / 60
        except (KeyError, ValueError):
            return default

    day_starts, night_starts = hours("alerts.day_starts", 7.0), hours("alerts.night_starts", 19.0)
    out: dict[str, Setpoints] = {}
    plantings = session.scalars(select(Planting).where(Planting.status.in_(ACTIVE_PLANTING_STATUSES))
                                .order_by(Planting.planted_on, Planting.id))
    for planting in plantings:
        crop = planting.crop

        def pair(a, b, crop=crop):
            return tuple(None if getattr(crop, n) is None else float(getattr(crop, n)) for n in (a, b))

        out.setdefault(planting.greenhouse.code, Setpoints(
            pair("day_temp_min", "day_temp_max"), pair("night_temp_min", "night_temp_max"),
            pair("humidity_min", "humidity_max"), pair("soil_temp_min", "soil_temp_max"), pair("co2_min", "co2_max"),
            day_starts, night_starts))
    return out


def outside_temperature(local: datetime) -> float:
    """Wuhai: mean about -9 °C in January, 26 °C in July; coldest near 06:00, warmest near 15:00."""
    doy = local.timetuple().tm_yday
    mean = 8.5 - 17.5 * math.cos(2 * math.pi * (doy - 15) / 365)
    hour = local.hour + local.minute / 60
    return mean + 7.0 * math.cos(2 * math.pi * (hour - 15) / 24)


def daylight(local: datetime) -> tuple[float, float]:
    """Sunrise and sunset hours (local): about 9.5 h of day in December, 15 h in June."""
    doy = local.timetuple().tm_yday
    length = 12.25 - 2.75 * math.cos(2 * math.pi * (doy + 10) / 365)
    noon = 12.8  # Wuhai lies west of the time zone's meridian
    return noon - length / 2, noon + length / 2


def step(c: Climate, local: datetime, hours: float) -> dict[str, float]:
    """Advance one greenhouse by `hours` to `local` time and return its six readings."""
    rng = c.rng
    hour = local.hour + local.minute / 60
    sunrise, sunset = daylight(local)
    quilts_up = sunrise + 1.0 <= hour <= sunset - 0.5
    if c.fault == "cold_night" and not quilts_up:
        quilts_up = True  # a quilt left up: the night heat escapes
    sun = max(0.0, math.sin(math.pi * (hour - sunrise) / (sunset - sunrise))) if sunrise < hour < sunset else 0.0
    summer = 0.5 - 0.5 * math.cos(2 * math.pi * (local.timetuple().tm_yday - 15) / 365)
    light = sun * (45_000 + 45_000 * summer) * (0.7 if quilts_up else 0.0)
    outside = outside_temperature(local)
    if quilts_up:
        target = outside + 6 + light / 2500  # solar gain through the film
    else:
        target = max(outside + 20, 8.0) if c.fault != "cold_night" else outside + 6
    if target > 30:  # vents open around 30 °C and hold it near 28-31
        target = 29 + (target - 30) * 0.15
    sp = c.setpoints if c.fault != "cold_night" else None  # a cold night: the quilt is up and the heater failed
    if sp is not None:
        by_day = sp.day_starts <= hour < sp.night_starts
        target = _hold(target, sp.day if by_day else sp.night, 1.0, give=0.05)  # heating; vents and shade
    rate = 1.5 if sp is None else 3.0  # heaters and fans move the air faster than the sun and the film alone
    if c.cold_hours > 0:  # forced cold night: the quilt is up and the heat escapes, whatever the hour
        c.cold_hours -= hours
        quilts_up, light, target, rate = True, 0.0, min(outside + 6, FORCED_COLD_C), FORCED_COOLING
    c.air += (target - c.air) * min(1.0, hours * rate) + rng.gauss(0, 0.15)
    venting = c.air > 28
    humidity = 92 - 1.6 * max(0.0, c.air - 10) - (8 if venting else 0) + rng.gauss(0, 1.5)
    if c.enriched and quilts_up and hour < sunrise + 3.5:
        co2 = 1050 + rng.gauss(0, 40)  # morning enrichment once the quilts are up
    elif not quilts_up:
        co2 = 480 + 250 * min(1.0, ((hour - sunset) % 24) / 10) + rng.gauss(0, 15)  # night respiration
    else:
        co2 = (420 if venting else 380 - 30 * sun) + rng.gauss(0, 10)
    c.soil_moisture -= hours * (0.6 * sun + 0.08)
    if c.soil_moisture < 24 and 8 <= hour <= 16:
        c.soil_moisture = 40 + rng.uniform(-2, 2)  # drip irrigation
    soil_target = c.air * 0.6 + 6
    if sp is not None:  # soil heating cables, dehumidifying, and CO2 enrichment when the sun depletes it
        soil_target = _hold(soil_target, sp.soil, 0.5)
        humidity = _hold(humidity, sp.humidity, 3.0) + rng.gauss(0, 0.6)
        co2 = _hold(co2, sp.co2, 40.0)
    c.soil_temperature += (soil_target - c.soil_temperature) * min(1.0, hours * 0.2)
    values = {
        "temperature": round(c.air, 1),
        "humidity": round(min(99.0, max(15.0, humidity)), 1),
        "soil_moisture": round(c.soil_moisture, 1),
        "soil_temperature": round(c.soil_temperature, 1),
        "co2": round(max(300.0, co2)),
        "light": round(light),
    }
    return faults(c, values) if c.faulty else values


def faults(c: Climate, values: dict[str, float]) -> dict[str, float]:
    """Start, apply and end the occasional fault."""
    rng = c.rng
    if c.fault is None and rng.random() < FAULT_CHANCE:
        c.fault = rng.choice(["silent", "stuck", "spike", "cold_night"])
        c.fault_ticks = {"silent": 30, "stuck": 60, "spike": 1, "cold_night": 120}[c.fault]
        c.stuck = dict(values)
        log.info("simulated fault in %s: %s", c.code, c.fault)
    if c.fault is None:
        return values
    c.fault_ticks -= 1
    kind = c.fault
    if c.fault_ticks <= 0:
        c.fault = None
    if kind == "silent":
        return {}
    if kind == "stuck":
        return {**values, "temperature": c.stuck["temperature"], "humidity": c.stuck["humidity"]}
    if kind == "spike":
        return {**values, "temperature": round(values["temperature"] + rng.choice([-25, 25]), 1)}
    return values


def park_devices(config: Config) -> list[tuple[str, str, bool]]:
    """(greenhouse, device, enriched) for each greenhouse: from the database when it answers, else GH-001..104."""
    try:
        from sqlalchemy import select

        from farm.db import Database
        from farm.models.crops import Planting
        from farm.models.park import Greenhouse
        from farm.models.sensors import Device
        from farm.vocab import ACTIVE_PLANTING_STATUSES

        db = Database(config.database_url)
        with db.session_scope() as session:
            codes = list(session.scalars(select(Greenhouse.code).order_by(Greenhouse.code)))
            devices: dict[str, str] = {}
            for gh, dev in session.execute(select(Greenhouse.code, Device.code).join(
                    Device, Device.greenhouse_id == Greenhouse.id).order_by(Device.code)):
                devices.setdefault(gh, dev)
            planted = set(session.scalars(select(Greenhouse.code).join(Planting).where(
                Planting.status.in_(ACTIVE_PLANTING_STATUSES))))
        db.dispose()
        if codes:
            return [(gh, devices.get(gh, f"th-{gh[-3:].lower()}"), gh in planted) for gh in codes]
    except Exception as exc:  # noqa: BLE001 - the simulator also runs without a database
        log.warning("no greenhouses from the database (%s); simulating GH-001..GH-104", str(exc).splitlines()[0])
    return [(f"GH-{n:03d}", f"th-{n:03d}", n % 8 == 1) for n in range(1, 105)]


def _load_setpoints(config: Config) -> dict[str, Setpoints]:
    try:
        from farm.db import Database

        db = Database(config.database_url)
        with db.session_scope() as session:
            found = setpoints_by_greenhouse(session)
        db.dispose()
        return found
    except Exception as exc:  # noqa: BLE001 - without a database the houses simply go unmanaged
        log.warning("no crop ranges from the database (%s)", str(exc).splitlines()[0])
        return {}


def run(config: Config, interval: float = 10.0, only: list[str] | None = None, stop: threading.Event | None = None,
        seed: int = 2026, cold_night: list[str] | None = None, cold_minutes: float = 45.0) -> None:
    """Publish a reading of every metric for each greenhouse every `interval` seconds until stopped.

    The greenhouses named in `cold_night` get a cold night of `cold_minutes` from the start.
    """
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    rng = random.Random(seed)
    setpoints = _load_setpoints(config)
    houses = [Climate(gh, dev, enriched, random.Random(rng.random()), setpoints=setpoints.get(gh))
              for gh, dev, enriched in park_devices(config) if not only or gh in only]
    if not houses:
        log.error("no greenhouse to simulate")
        return
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"farm-simulator-{config.park}")
    url = config.mqtt
    if url.username:
        client.username_pw_set(url.username, url.password)
    client.max_queued_messages_set(10_000)
    client.max_inflight_messages_set(1000)
    client.reconnect_delay_set(1, 30)

    def online(cl, _u, _f, reason_code, _p):
        if not reason_code.is_failure:
            for c in houses:
                cl.publish(f"farm/{config.park}/{c.code}/{c.device}/status", "online", qos=1, retain=True)
            log.info("simulator publishing %d greenhouses every %gs", len(houses), interval)

    client.on_connect = online
    client.connect_async(url.host, url.port, keepalive=30)
    client.loop_start()
    tz = config.tz
    # Settle each greenhouse into today's weather before the first reading.
    start = clock.now().astimezone(tz)
    for c in houses:
        c.air = outside_temperature(start) + 15
        for _ in range(24):
            step(c, start, 0.5)
        c.fault, c.fault_ticks = None, 0  # faults come later, not while settling
        if c.code in (cold_night or []):
            c.cold_hours = cold_minutes / 60
            log.info("forced cold night in %s for %g minutes", c.code, cold_minutes)
    unknown = set(cold_night or []) - {c.code for c in houses}
    if unknown:
        log.warning("--cold-night: not simulated here: %s", ", ".join(sorted(unknown)))
    last = clock.now()
    while not stop.is_set():
        now = clock.now()
        hours = max((now - last).total_seconds() / 3600, 1e-4)
        last = now
        ts = int(now.timestamp() * 1000)
        for c in houses:
            values = step(c, now.astimezone(tz), hours)
            if values:
                client.publish(f"farm/{config.park}/{c.code}/{c.device}/telemetry",
                               json.dumps({"ts": ts, "values": values}), qos=1)
        stop.wait(interval)
    sent = [client.publish(f"farm/{config.park}/{c.code}/{c.device}/status", "offline", qos=1, retain=True)
            for c in houses]
    for info in sent:
        try:
            info.wait_for_publish(2)
        except (RuntimeError, ValueError):
            break  # not connected: the retained "online" stays until the next start
    client.disconnect()
    client.loop_stop()
