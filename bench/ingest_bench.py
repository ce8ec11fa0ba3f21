"""Ingest benchmark: publish QoS 1 readings through a private Mosquitto and measure, in the same run, a bare paho
subscriber that only counts and the full ingest (`python -m farm ingest`) from the first publish to the last
committed row. Prints the rates, their ratio, lost and duplicated readings, and the ingest's peak resident memory.

    .venv/bin/python bench/ingest_bench.py                      # SQLite, 100,000 messages of two metrics
    .venv/bin/python bench/ingest_bench.py --metrics 5
    .venv/bin/python bench/ingest_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

Goal (issue 5): the ingest reaches at least 0.8 of the bare subscriber's rate, none lost or duplicated, and stays
under 150 MB resident. A PostgreSQL database named in --database-url is emptied of readings first.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, func, insert, select  # noqa: E402

from farm.db import Database  # noqa: E402
from farm.migrate import upgrade  # noqa: E402
from farm.models.park import Greenhouse, Park  # noqa: E402
from farm.models.sensors import Device, IngestReject, LatestReading, Reading  # noqa: E402

METRICS = ["temperature", "humidity", "soil_moisture", "co2", "light"]
GREENHOUSES = 104
BASE_MS = 1_764_300_000_000

SUBSCRIBER = r"""
import sys, time, json
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.properties import Properties
from paho.mqtt.packettypes import PacketTypes
port, expected = int(sys.argv[1]), int(sys.argv[2])
state = {"n": 0, "first": None, "last": None}
def on_message(c, u, m):
    state["n"] += 1
    state["last"] = time.time()
    if state["first"] is None:
        state["first"] = state["last"]
def on_connect(c, u, f, rc, p):
    c.subscribe("farm/bench/+/+/telemetry", qos=1)
def on_subscribe(*a):
    print("ready", flush=True)
c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-bare", protocol=MQTTProtocolVersion.MQTTv5)
c.on_message, c.on_connect, c.on_subscribe = on_message, on_connect, on_subscribe
props = Properties(PacketTypes.CONNECT); props.ReceiveMaximum = 20000
c.connect("127.0.0.1", port, properties=props)
c.loop_start()
while state["n"] < expected:
    time.sleep(0.01)
c.disconnect(); c.loop_stop()
print(json.dumps(state), flush=True)
"""

PUBLISHER = r"""
import sys, time, json
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
port, n, metrics, greenhouses, base = (int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].split(","), int(sys.argv[4]),
                                       int(sys.argv[5]))
acked = [0]
c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-publisher")
c.max_inflight_messages_set(0); c.max_queued_messages_set(0)  # 0: no limit, and no queue scan per PUBACK
c.on_publish = lambda *a: acked.__setitem__(0, acked[0] + 1)
c.connect("127.0.0.1", port); c.loop_start()
payloads = []
for i in range(n):
    gh = i % greenhouses + 1
    values = {m: round(5 + (i % 300) * 0.1, 1) for m in metrics}
    payloads.append((f"farm/bench/GH-{gh:03d}/d-{gh:03d}/telemetry", json.dumps({"ts": base + i, "values": values})))
t0 = time.time()
# Keep a window of unacknowledged messages ourselves (paho's own limit scans its queue on every PUBACK).
for i, (topic, payload) in enumerate(payloads):
    while i - acked[0] >= 2000:
        time.sleep(0.0005)
    c.publish(topic, payload, qos=1)
while acked[0] < n:
    time.sleep(0.005)
print(json.dumps({"first": t0, "acked": time.time()}), flush=True)
c.disconnect(); c.loop_stop()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_mosquitto(folder: Path) -> tuple[subprocess.Popen, int]:
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    port = free_port()
    conf = folder / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                    "max_queued_messages 0\nmax_inflight_messages 0\n"
                    + ("user root\n" if os.geteuid() == 0 else ""))
    proc = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    raise SystemExit("mosquitto did not start")


def prepare(url: str) -> Database:
    upgrade(url)
    db = Database(url)
    with db.session_scope() as session:
        for model in (Reading, LatestReading, IngestReject, Device):
            session.execute(delete(model))
        park = session.scalar(select(Park).where(Park.code == "bench"))
        if park is None:
            park = Park(code="bench", name="bench")
            session.add(park)
            session.flush()
        have = set(session.scalars(select(Greenhouse.code)))
        rows = [{"park_id": park.id, "code": f"GH-{n:03d}", "name": f"{n}", "area_m2": Decimal(800), "zone": "",
                 "kind": "solar", "status": "active", "notes": ""}
                for n in range(1, GREENHOUSES + 1) if f"GH-{n:03d}" not in have]
        if rows:
            session.execute(insert(Greenhouse), rows)
    return db


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--metrics", type=int, default=2, choices=range(1, 6))
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ingest-bench-"))
    url = args.database_url or f"sqlite:///{work}/bench.db"
    db = prepare(url)
    broker, port = start_mosquitto(work)
    metrics = METRICS[:args.metrics]
    expected_rows = args.messages * len(metrics)
    env = {**os.environ, "FARM_DATABASE_URL": url, "FARM_MQTT_URL": f"mqtt://127.0.0.1:{port}", "FARM_PARK": "bench",
           "FARM_MQTT_CLIENT_ID": "bench-ingest", "FARM_SECRET_KEY": "bench", "FARM_INSTANCE_PATH": str(work),
           "FARM_LOG_LEVEL": "WARNING"}
    log = (work / "ingest.log").open("wb")
    ingest = subprocess.Popen([sys.executable, "-m", "farm", "ingest"], env=env, cwd=ROOT, stdout=log,
                              stderr=subprocess.STDOUT)
    bare = subprocess.Popen([sys.executable, "-c", SUBSCRIBER, str(port), str(args.messages)],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert bare.stdout.readline().strip() == "ready"
        time.sleep(3)  # the ingest connects and subscribes
        publisher = subprocess.Popen([sys.executable, "-c", PUBLISHER, str(port), str(args.messages),
                                      ",".join(metrics), str(GREENHOUSES), str(BASE_MS)],
                                     stdout=subprocess.PIPE, text=True)
        peak, stored, last_change, done_at = 0.0, 0, time.time(), None
        while True:
            peak = max(peak, rss_mb(ingest.pid))
            with db.engine.connect() as conn:
                count = conn.execute(select(func.count()).select_from(Reading)).scalar_one()
            now = time.time()
            if count != stored:
                stored, last_change = count, now
            if stored >= expected_rows:
                done_at = now
                break
            if now - last_change > 60 or ingest.poll() is not None:
                break
            time.sleep(0.05)
        pub = json.loads(publisher.communicate(timeout=120)[0])
        sub = json.loads(bare.communicate(timeout=120)[0])
    finally:
        for proc in (ingest, bare):
            if proc.poll() is None:
                proc.terminate()
                proc.wait(30)
        broker.terminate()
        broker.wait(10)
    with db.engine.connect() as conn:
        rows = conn.execute(select(func.count()).select_from(Reading)).scalar_one()
    t0 = pub["first"]
    bare_rate = sub["n"] / (sub["last"] - t0)
    result = {
        "database": db.dialect, "messages": args.messages, "metrics": len(metrics),
        "publisher_msgs_per_s": round(args.messages / (pub["acked"] - t0)),
        "bare_subscriber_msgs_per_s": round(bare_rate),
        "ingest_msgs_per_s": round(args.messages / (done_at - t0)) if done_at else None,
        "ingest_rows_per_s": round(expected_rows / (done_at - t0)) if done_at else None,
        "ratio": round(args.messages / (done_at - t0) / bare_rate, 3) if done_at else 0.0,
        "rows_expected": expected_rows, "rows_stored": rows, "lost": expected_rows - rows,
        "duplicated": 0,  # (device, metric, ts) is the primary key: a duplicate cannot be stored
        "ingest_peak_rss_mb": round(peak, 1),
    }
    print(json.dumps(result, indent=2))
    ok = result["ratio"] >= 0.8 and result["lost"] == 0 and peak < 150
    print("goal met" if ok else "goal NOT met")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
