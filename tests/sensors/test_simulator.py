"""The simulator: a plausible Wuhai winter day in a solar greenhouse, readings the ingest accepts, and a live run."""
from __future__ import annotations

import random
import threading
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from farm.config import Config
from sensors import simulator
from sensors.payloads import Message, parse

TZ = ZoneInfo("Asia/Shanghai")


def day(start: datetime, enriched: bool = True):
    c = simulator.Climate("GH-001", "th-001", enriched, random.Random(1))
    c.air = simulator.outside_temperature(start) + 15
    out = []
    for minutes in range(0, 24 * 60, 10):
        local = start + timedelta(minutes=minutes)
        values = simulator.step(c, local, 10 / 60)
        c.fault = None  # faults are tested apart
        out.append((local, values))
    return out


def test_simulator_winter_day_is_plausible():
    readings = day(datetime(2026, 1, 15, 0, 0, tzinfo=TZ))
    by_hour = {t.hour: v for t, v in readings}
    assert simulator.outside_temperature(datetime(2026, 1, 15, 6, tzinfo=TZ)) < -10
    assert by_hour[2]["light"] == 0 and by_hour[13]["light"] > 20_000  # quilts down at night, sun at noon
    assert 5 < by_hour[4]["temperature"] < 16  # quilts keep the night well above the outside -15 °C
    assert max(v["temperature"] for _t, v in readings) < 33  # vents hold it near 30
    assert by_hour[9]["co2"] > 900 and by_hour[14]["co2"] < 500  # morning enrichment, drawn down by noon
    assert by_hour[4]["humidity"] > by_hour[13]["humidity"]


def test_simulator_readings_pass_the_ingest_checks():
    now = datetime(2026, 7, 15, 0, 0, tzinfo=TZ)
    for local, values in day(now, enriched=False):
        if not values:
            continue
        payload = ('{"ts": %d, "values": %s}' % (local.timestamp() * 1000, str(values).replace("'", '"'))).encode()
        result = parse("farm/yawei/GH-001/th-001/telemetry", payload, "yawei", local.astimezone(timezone.utc))
        assert isinstance(result, Message) and result.reject is None, (values, result)


def test_simulator_faults_happen_and_end():
    c = simulator.Climate("GH-001", "th-001", True, random.Random(3))
    kinds = set()
    for _ in range(20_000):
        values = simulator.faults(c, {"temperature": 20.0, "humidity": 60.0})
        if c.fault:
            kinds.add(c.fault)
        if values.get("temperature") in (-5.0, 45.0):
            kinds.add("spike")  # lasts one reading
    assert kinds == {"silent", "stuck", "spike", "cold_night"}


@pytest.mark.broker
def test_simulator_publishes_for_each_greenhouse(broker, tmp_path):
    config = Config.from_env(env={}, database_url=f"sqlite:///{tmp_path}/none.db", mqtt_url=broker.url,
                             secret_key="x", instance_path=tmp_path)
    got: dict[str, bytes] = {}
    sub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="watch")
    sub.on_message = lambda c, u, m: got.setdefault(m.topic, m.payload)
    sub.connect("127.0.0.1", broker.port)
    sub.subscribe("farm/yawei/#", qos=1)
    sub.loop_start()
    stop = threading.Event()
    thread = threading.Thread(target=simulator.run, args=(config, 0.2, ["GH-001", "GH-002"], stop), daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while len([t for t in got if t.endswith("telemetry")]) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    thread.join(10)
    sub.loop_stop()
    assert {"farm/yawei/GH-001/th-001/telemetry", "farm/yawei/GH-002/th-002/telemetry",
            "farm/yawei/GH-001/th-001/status"} <= set(got)
    now = datetime.now(timezone.utc)
    assert isinstance(parse("farm/yawei/GH-001/th-001/telemetry", got["farm/yawei/GH-001/th-001/telemetry"],
                            "yawei", now), Message)


CUCUMBER = simulator.Setpoints(day=(25.0, 29.0), night=(18.0, 22.0), humidity=(60.0, 85.0), soil=(20.0, 25.0),
                               co2=(400.0, 1200.0))


def _managed_days(setpoints, days: int = 3, fault: str | None = None):
    start = datetime(2027, 1, 10, 0, 0, tzinfo=TZ)
    c = simulator.Climate("GH-001", "th-001", True, random.Random(3), setpoints=setpoints)
    c.air, c.soil_temperature = 20.0, 22.0
    out = []
    for minutes in range(0, days * 24 * 60, 10):
        local = start + timedelta(minutes=minutes)
        c.fault = fault
        out.append((local, simulator.step(c, local, 10 / 60)))
    return out[24 * 6:]  # after the first day's settling


def test_simulator_planted_house_is_held_in_its_crops_ranges_in_january():
    for local, v in _managed_days(CUCUMBER):
        hour = local.hour + local.minute / 60
        # Two hours after each switch the air has reached the new range (the alerts' ramp covers the move).
        if 9 <= hour < 19:
            assert 25.0 <= v["temperature"] <= 29.5, (local, v)
        elif hour >= 21 or hour < 7:
            assert 18.0 <= v["temperature"] <= 22.0, (local, v)
        assert 60.0 <= v["humidity"] <= 85.0 and 20.0 <= v["soil_temperature"] <= 25.0 and v["co2"] >= 400, v


def test_simulator_unplanted_house_and_a_cold_night_leave_the_range():
    unmanaged = [v["temperature"] for local, v in _managed_days(None) if local.hour < 6]
    assert min(unmanaged) < 18.0  # nobody heats an empty house
    cold = [v["temperature"] for local, v in _managed_days(CUCUMBER, fault="cold_night") if local.hour < 6]
    assert min(cold) < 10.0  # the heater failed and the quilt is up


def test_simulator_reads_setpoints_from_the_active_plantings(session):
    from decimal import Decimal

    from farm.services import settings
    from tests.factories import make_crop, make_park, make_planting

    park = make_park(session, greenhouses=2)
    crop = make_crop(session, code="tomato-x", day_temp_min=Decimal(24), day_temp_max=Decimal(26),
                     night_temp_min=Decimal(12), night_temp_max=Decimal(17), humidity_min=Decimal(45))
    make_planting(session, park.greenhouses[0], crop)
    settings.put(session, "alerts.night_starts", "18:30")
    session.commit()
    found = simulator.setpoints_by_greenhouse(session)
    assert set(found) == {"GH-001"}
    sp = found["GH-001"]
    assert (sp.day, sp.night, sp.humidity, sp.soil) == ((24.0, 26.0), (12.0, 17.0), (45.0, None), (None, None))
    assert (sp.day_starts, sp.night_starts) == (7.0, 18.5)
