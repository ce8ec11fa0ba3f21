"""Demo sensor history for the vegetable greenhouses, so charts and reports have something to show at once.

The simulator's climate model (with the houses heated, vented and enriched towards their crops' ranges, as the live
simulator keeps them) is stepped every 20 minutes over the last 90 days, without the simulator's faults: a fault's
cold night would stay in the history as a frost that killed the crop, and the live simulator makes faults enough
for the alerts to catch. Every vegetable house is planted through those days (farm.demo.park), so every one of them
is managed all along. The last two park days become raw readings (the rollup job folds them on its first run, as
it would for real data), earlier hours become hourly rollups (14 days) and earlier park days daily rollups (90
days), as if their raw readings had been purged.
"""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from farm import clock
from farm.demo.park import VEGETABLE_PLAN
from farm.models.rollups import ReadingRollup
from farm.models.sensors import Device, Reading
from farm.services.rollups import day_start, hour_start
from sensors.simulator import Climate, setpoints_by_greenhouse, step

STEP = timedelta(minutes=20)
DAYS = 90
HOURLY_DAYS = 14
RAW_DAYS = 2


def _fold(acc: dict, key, value: float) -> None:
    """Add a value to the running minimum, maximum, sum and count held under `key`."""
    held = acc.get(key)
    if held is None:
        acc[key] = [value, value, value, 1]
    else:
        held[0] = min(held[0], value)
        held[1] = max(held[1], value)
        held[2] += value
        held[3] += 1


def add_sensor_history(session: Session, ctx: dict) -> None:
    """Readings and rollups for the devices of greenhouses growing vegetables (see the module docstring)."""
    vegetable = {code for code, use in ctx["uses"].items() if use in VEGETABLE_PLAN}
    devices = [(d, gh) for d, gh in session.execute(select(Device, Device.greenhouse_id)).all()
               if d.greenhouse.code in vegetable]
    today = ctx["today"]
    tz = clock.park_tz()
    end = min(clock.now(), clock.day_bounds(today)[1]).replace(second=0, microsecond=0)
    end -= timedelta(minutes=end.minute % 20)
    raw_from = day_start(end) - timedelta(days=RAW_DAYS - 1)
    hourly_from = raw_from - timedelta(days=HOURLY_DAYS)
    start = raw_from - timedelta(days=DAYS)
    rng = random.Random(ctx["rng"].random())
    setpoints = setpoints_by_greenhouse(session)
    readings: list[dict] = []
    hours: dict = {}
    days: dict = {}
    # The times, their park-local form and their periods once for all devices.
    times = []
    ts = start
    while ts < end:
        times.append((ts, ts.astimezone(tz), day_start(ts) if ts < raw_from else None,
                      hour_start(ts) if hourly_from <= ts < raw_from else None))
        ts += STEP
    hours_per_step = STEP.total_seconds() / 3600
    for device, gh_id in devices:
        climate = Climate(device.greenhouse.code, device.code, True, random.Random(rng.random()),
                          setpoints=setpoints.get(device.greenhouse.code), faulty=False)
        for ts, local, day, hour in times:
            values = step(climate, local, hours_per_step)
            for metric, value in values.items():
                if day is None:
                    readings.append({"device_id": device.id, "metric": metric, "ts": ts, "greenhouse_id": gh_id,
                                     "value": value})
                    continue
                _fold(days, (device.id, gh_id, metric, day), value)
                if hour is not None:
                    _fold(hours, (device.id, gh_id, metric, hour), value)
    rollups = [{"device_id": d, "greenhouse_id": gh, "metric": m, "resolution": resolution, "period_start": p,
                "min": lo, "max": hi, "mean": round(total / n, 3), "count": n}
               for resolution, acc in (("1h", hours), ("1d", days))
               for (d, gh, m, p), (lo, hi, total, n) in acc.items()]
    for rows, model in ((readings, Reading), (rollups, ReadingRollup)):
        for i in range(0, len(rows), 5000):
            session.execute(insert(model), rows[i:i + 5000])
