"""End to end: the simulator's forced cold night on one greenhouse, published through a real Mosquitto, stored by the
real ingest, judged by the alerts job: a frost alert opens on that greenhouse only, then clears. Also the simulator's
cold night itself and its command-line option."""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import select

from farm.config import PROJECT_ROOT
from farm.models.alerts import AlertCondition
from sensors import simulator
from tests.alerts.conftest import TOMATO, all_alerts, run
from tests.factories import make_crop, make_park, make_planting
from tests.sensors.helpers import IngestProcess, Publisher, count_readings, wait_for

MINUTE = timedelta(minutes=1)


def _house(code: str, start: datetime) -> simulator.Climate:
    """A greenhouse settled into the weather at `start`, as the simulator's run() settles it."""
    c = simulator.Climate(code, f"th-{code[-3:]}", False, random.Random(code))
    local = start.astimezone(ZoneInfo("Asia/Shanghai"))
    c.air = simulator.outside_temperature(local) + 15
    for _ in range(24):
        simulator.step(c, local, 0.5)
    c.fault, c.fault_ticks = None, 0
    return c


def _series(c: simulator.Climate, start: datetime, minutes: int) -> list[tuple[datetime, dict]]:
    """One step a minute, stamped with the simulated times."""
    out = []
    for i in range(minutes):
        ts = start + i * MINUTE
        out.append((ts, simulator.step(c, ts.astimezone(ZoneInfo("Asia/Shanghai")), 1 / 60)))
    return out


def test_forced_cold_night_falls_below_frost_and_recovers(monkeypatch):
    monkeypatch.setattr(simulator, "FAULT_CHANCE", 0.0)
    for start in (datetime(2026, 1, 15, 14, 0, tzinfo=timezone.utc), datetime(2026, 7, 15, 4, 0, tzinfo=timezone.utc)):
        cold = _house("GH-001", start)
        normal = _house("GH-002", start)
        cold.cold_hours = 0.75
        cold_temps = [v["temperature"] for _ts, v in _series(cold, start, 180)]
        normal_temps = [v["temperature"] for _ts, v in _series(normal, start, 180)]
        assert min(cold_temps[:45]) < -1.5  # below the tomato's and cucumber's killing limits
        assert cold_temps[-1] > 5  # the quilt is down again: it recovers
        assert min(normal_temps) > 3


@pytest.mark.broker
def test_cold_night_opens_frost_on_that_greenhouse_only_then_clears(database, database_url, session, broker, tmp_path,
                                                                    monkeypatch):
    monkeypatch.setattr(simulator, "FAULT_CHANCE", 0.0)
    park = make_park(session, greenhouses=3)
    tomato = make_crop(session, "tomato", "西红柿", "Tomato", **TOMATO)
    for gh in park.greenhouses[:2]:
        make_planting(session, gh, tomato)
    session.commit()
    ingest = IngestProcess(database_url, broker.url, tmp_path).start()
    try:
        # Three hours of simulated minutes ending now: GH-001's quilt stays up for the first 45, GH-002 is normal.
        start = (datetime.now(timezone.utc) - timedelta(hours=3)).replace(second=0, microsecond=0)
        houses = [_house("GH-001", start), _house("GH-002", start)]
        houses[0].cold_hours = 0.75
        messages = []
        for c in houses:
            for ts, values in _series(c, start, 180):
                messages.append((f"farm/yawei/{c.code}/{c.device}/telemetry",
                                 json.dumps({"ts": int(ts.timestamp() * 1000), "values": values}).encode()))
        publisher = Publisher(broker.port, client_id="cold-night")
        publisher.send(messages)
        publisher.wait_acked(len(messages))
        publisher.close()
        wait_for(lambda: count_readings(database) >= len(messages) * 6, 60, what="every reading stored")
    finally:
        assert ingest.stop() == 0, ingest.output()

    run(database, start + 50 * MINUTE)  # judged on the readings' own times, up to 50 minutes in
    frost = all_alerts(session, "frost")
    assert [(a.greenhouse.code, a.state, a.severity) for a in frost] == [("GH-001", "open", "critical")]
    # One event: it opens (as cold, turned frost) once the cold has held 10 minutes, at the first minute at the earliest.
    assert start + 10 * MINUTE <= frost[0].opened_at <= start + 45 * MINUTE
    assert frost[0].opened_at - frost[0].started_at == 10 * MINUTE

    run(database, start + 180 * MINUTE)
    frost = all_alerts(session, "frost")
    # The frost is over, but the house may still be below the tomato's range: frost and cold are one event, so the
    # same alert (no second, cold one) stays open exactly as long as the cold condition holds.
    [event] = [a for a in all_alerts(session) if a.greenhouse.code == "GH-001" and a.kind in ("cold", "frost")]
    assert event.id == frost[0].id and event.kind == "frost"
    conditions = {c.kind: c for c in session.scalars(select(AlertCondition).where(
        AlertCondition.greenhouse_id == park.greenhouses[0].id))}
    assert conditions["frost"].active is False and event.last_value > -1.0 + 1.0
    assert event.state == ("open" if conditions["cold"].active else "cleared")
    assert all(a.kind != "offline" for a in all_alerts(session))  # both devices spoke throughout


@pytest.mark.broker
def test_simulate_cold_night_option(broker, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FARM_")}
    env.update(FARM_DATABASE_URL=f"sqlite:///{tmp_path / 'none.db'}", FARM_INSTANCE_PATH=str(tmp_path),
               FARM_MQTT_URL=broker.url, FARM_SECRET_KEY="x", PYTHONPATH=str(PROJECT_ROOT))
    bad = subprocess.run([sys.executable, "-m", "farm", "simulate", "--cold-minutes", "0"], env=env, cwd=PROJECT_ROOT,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and bad.stderr.strip() == "error: --cold-minutes must be above zero"

    got: list[str] = []
    sub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="watch-cold")
    sub.on_message = lambda _c, _u, m: got.append(m.topic)
    sub.connect("127.0.0.1", broker.port)
    sub.subscribe("farm/yawei/+/+/telemetry", qos=1)
    sub.loop_start()
    log = tmp_path / "simulate.log"
    proc = subprocess.Popen([sys.executable, "-m", "farm", "simulate", "--interval", "0.2", "--greenhouses",
                             "GH-001,GH-002", "--cold-night", "gh-001"], env=env, cwd=PROJECT_ROOT,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: {t.split("/")[2] for t in got} >= {"GH-001", "GH-002"}, 30, what="readings of both houses")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
        sub.loop_stop()
    text = log.read_text()
    assert "forced cold night in GH-001 for 45 minutes" in text and "GH-002 for" not in text
