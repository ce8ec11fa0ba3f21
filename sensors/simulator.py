"""Realistic readings for the demo park (`python -m farm simulate`): a solar greenhouse in the Wuhai climate.

Each greenhouse follows the outside weather of the day of year (January nights near -14 °C, July afternoons near
33 °C), its thermal quilts (down at night, up after sunrise), vents that open around 30 °C, a morning CO2 peak
where growers enrich, soil that dries and is irrigated. Now and then a fault happens so alerts have something
to catch: a sensor goes silent, a value sticks, a spike, or a cold night when a quilt stays up.
"""
from __future__ import annotations

import json
import logging
import math
import random
import signal
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from farm.config import Config

log = logging.getLogger("farm.simulator")

FAULT_CHANCE = 0.002  # per greenhouse and tick


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
    c.air += (target - c.air) * min(1.0, hours * 1.5) + rng.gauss(0, 0.15)
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
    c.soil_temperature += (c.air * 0.6 + 6 - c.soil_temperature) * min(1.0, hours * 0.2)
    values = {
        "temperature": round(c.air, 1),
        "humidity": round(min(99.0, max(15.0, humidity)), 1),
        "soil_moisture": round(c.soil_moisture, 1),
        "soil_temperature": round(c.soil_temperature, 1),
        "co2": round(max(300.0, co2)),
        "light": round(light),
    }
    return faults(c, values)


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
        from farm.models.crops import ACTIVE_PLANTING_STATUSES, Planting
        from farm.models.park import Greenhouse
        from farm.models.sensors import Device

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


def run(config: Config, interval: float = 10.0, only: list[str] | None = None, stop: threading.Event | None = None,
        seed: int = 2026) -> None:
    """Publish a reading of every metric for each greenhouse every `interval` seconds until stopped."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    rng = random.Random(seed)
    houses = [Climate(gh, dev, enriched, random.Random(rng.random())) for gh, dev, enriched in park_devices(config)
              if not only or gh in only]
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
    start = datetime.now(timezone.utc).astimezone(tz)
    for c in houses:
        c.air = outside_temperature(start) + 15
        for _ in range(24):
            step(c, start, 0.5)
        c.fault, c.fault_ticks = None, 0  # faults come later, not while settling
    last = datetime.now(timezone.utc)
    while not stop.is_set():
        now = datetime.now(timezone.utc)
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
