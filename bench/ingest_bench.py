"""Ingest benchmark: QoS 1 readings through a private Mosquitto, a bare paho subscriber against the full ingest
(`python -m farm ingest`), in interleaved rounds of the same run.

Each round, for each message size (2 and 6 metrics by default), runs three legs on a fresh broker:
- publisher alone: the fast publisher (its own process, payloads encoded beforehand, paho's network loop driven by
  hand, QoS 1, a window of unacknowledged messages) to a broker nobody subscribes on: its rate must be above the
  bare subscriber's, or the publisher and not the subscriber set the pace;
- bare: a paho subscriber that only counts; from the first publish to the last message received;
- ingest: the ingest process; from the first publish to the last committed row (read from its metrics port).
Prints each leg, the medians, the ingest / bare ratio, lost and duplicated readings (counted in the database), the
ingest's peak resident memory and the load average.

    .venv/bin/python bench/ingest_bench.py                                  # SQLite, 3 rounds of 2 and 6 metrics
    .venv/bin/python bench/ingest_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/ingest_bench.py --purge [--purge-hours 24]      # goal 3: the raw purge beside the ingest

Goal (issue 16): ingest / bare at least 0.85 with 2 metrics and 0.75 with 6, 0 lost, 0 duplicated, under 150 MB.

With --purge, a day of the dense park's raw readings (104 greenhouses x 3 devices x 6 metrics every 10 s, 16.2 M
rows; --purge-hours scales it) is loaded beyond the retention, then ingest legs run before, during and after the
scheduled raw purge (farm.services.rollups.purge_raw, in its own process as the scheduler runs it). Goal: the ingest
rate while the purge runs at least 0.8 of its rate without it; the purge's own time is printed.
A PostgreSQL URL names the server: the benchmark makes a scratch database there and drops it (bench/scratch.py).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, func, insert, select, text  # noqa: E402

from bench.scratch import scratch_urls  # noqa: E402
from farm.db import Database  # noqa: E402
from farm.migrate import upgrade  # noqa: E402
from farm.models.park import Greenhouse, Park  # noqa: E402
from farm.models.sensors import Device, IngestReject, LatestReading, Reading  # noqa: E402
from sensors.payloads import METRICS as ALL_METRICS  # noqa: E402

METRICS = list(ALL_METRICS)
GREENHOUSES = 104
DENSE_DEVICES = 3  # a greenhouse, in the dense park
PURGE_AGE = timedelta(days=40)  # the purge's day lies this far back: beyond the 30 days raw readings are kept

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
props = Properties(PacketTypes.CONNECT); props.ReceiveMaximum = 10000  # as the ingest
c.connect("127.0.0.1", port, properties=props)
c.loop_start()
while state["n"] < expected:
    time.sleep(0.01)
c.disconnect(); c.loop_stop()
print(json.dumps(state), flush=True)
"""

# The fast publisher: every payload encoded before the clock starts, no network thread (paho's loop driven by hand:
# publish writes straight to the socket, PUBACKs are read when select says so), a window of unacknowledged messages.
PUBLISHER = r"""
import sys, time, json, select
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
port, n, metrics, greenhouses, base, window = (int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].split(","),
                                               int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]))
acked = [0]
c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-publisher")
c.max_inflight_messages_set(0); c.max_queued_messages_set(0)  # 0: no limit, and no queue scan per PUBACK
c.on_publish = lambda *a: acked.__setitem__(0, acked[0] + 1)
messages = []
for i in range(n):
    gh = i % greenhouses + 1
    values = {m: round(5 + (i % 300) * 0.1 + k, 1) for k, m in enumerate(metrics)}
    messages.append((f"farm/bench/GH-{gh:03d}/d-{gh:03d}/telemetry",
                     json.dumps({"ts": base + i, "values": values}).encode()))
c.connect("127.0.0.1", port)
while not c.is_connected():
    c.loop(0.05)
sock = c.socket()
publish, loop_read, loop_write, want_write = c.publish, c.loop_read, c.loop_write, c.want_write
t0 = time.time()
i = 0
while acked[0] < n:
    while i < n and i - acked[0] < window:
        topic, payload = messages[i]
        publish(topic, payload, qos=1)
        i += 1
    readable, writable, _ = select.select([sock], [sock] if want_write() else [], [], 0.5)
    if readable:
        loop_read(1000)
    if writable:
        loop_write()
done = time.time()
c.disconnect()
print(json.dumps({"first": t0, "acked": done}), flush=True)
"""

PURGE = r"""
import json, sys, time
from datetime import datetime, timezone
from farm.db import Database
from farm.services import rollups
db = Database(sys.argv[1])
now = datetime.fromisoformat(sys.argv[2])
started = time.time()
with db.session_scope() as session:  # as the scheduler runs the job
    removed = rollups.purge_raw(session, now)
print(json.dumps({"started": started, "finished": time.time(), "removed": removed}), flush=True)
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


def stop(proc: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def prepare(url: str) -> Database:
    """The bench park: 104 greenhouses, one registered device each (d-NNN) for the ingest."""
    upgrade(url)
    db = Database(url)
    with db.session_scope() as session:
        park = Park(code="bench", name="bench")
        session.add(park)
        session.flush()
        session.execute(insert(Greenhouse), [
            {"park_id": park.id, "code": f"GH-{n:03d}", "name": f"{n}", "area_m2": Decimal(800), "zone": "",
             "kind": "solar", "status": "active", "notes": ""} for n in range(1, GREENHOUSES + 1)])
        ids = dict(session.execute(select(Greenhouse.code, Greenhouse.id)).all())
        session.execute(insert(Device), [
            {"code": f"d-{n:03d}", "greenhouse_id": ids[f"GH-{n:03d}"], "name": "", "enabled": True,
             "message_count": 0, "reject_count": 0, "created_at": datetime.now(timezone.utc)}
            for n in range(1, GREENHOUSES + 1)])
    return db


def bench_devices(db: Database) -> list[int]:
    with db.engine.connect() as conn:
        return list(conn.execute(select(Device.id).where(Device.code.like("d-%"))).scalars())


def clear_ingest_rows(db: Database, devices: list[int]) -> None:
    with db.session_scope() as session:
        session.execute(delete(Reading).where(Reading.device_id.in_(devices)))
        session.execute(delete(LatestReading))
        session.execute(delete(IngestReject))


def load_dense_day(db: Database, start: datetime, hours: float) -> int:
    """The dense park's raw readings for `hours` from `start`: 3 devices a greenhouse, 6 metrics, every 10 s."""
    steps = int(hours * 360)
    with db.session_scope() as session:
        ids = dict(session.execute(select(Greenhouse.code, Greenhouse.id)).all())
        session.execute(insert(Device), [
            {"code": f"p-{n:03d}-{k}", "greenhouse_id": ids[f"GH-{n:03d}"], "name": "", "enabled": True,
             "message_count": 0, "reject_count": 0, "created_at": start}
            for n in range(1, GREENHOUSES + 1) for k in range(DENSE_DEVICES)])
    # In the key's order (device, metric, time), so each database appends to its B-tree instead of sorting 16 M rows.
    metric_list = ", ".join(f"('{m}')" for m in sorted(METRICS))
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            conn.execute(text(
                "INSERT INTO readings (device_id, metric, ts, greenhouse_id, value) "
                "SELECT d.id, m.metric, :start + s * interval '10 seconds', d.greenhouse_id, 20.0 + s % 7 "
                "FROM (SELECT id, greenhouse_id FROM devices WHERE code LIKE 'p-%' ORDER BY id) AS d "
                f"CROSS JOIN (VALUES {metric_list}) AS m(metric) CROSS JOIN generate_series(0, :steps - 1) AS s"),
                {"start": start, "steps": steps})
        else:
            first = start.replace(tzinfo=None).isoformat(sep=" ")
            conn.execute(text("CREATE TEMPORARY TABLE bench_times (n INTEGER PRIMARY KEY, ts TEXT)"))
            conn.execute(text(
                "INSERT INTO bench_times WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s "
                "WHERE n < :steps - 1) SELECT n, strftime('%Y-%m-%d %H:%M:%S.000000', :start, "
                "'+' || (n * 10) || ' seconds') FROM s"), {"start": first, "steps": steps})
            conn.execute(text(
                "INSERT INTO readings (device_id, metric, ts, greenhouse_id, value) "
                "SELECT d.id, m.column1, t.ts, d.greenhouse_id, 20.0 + t.n % 7 "
                "FROM (SELECT id, greenhouse_id FROM devices WHERE code LIKE 'p-%' ORDER BY id) AS d "
                f"CROSS JOIN (VALUES {metric_list}) AS m CROSS JOIN bench_times AS t"))
            conn.execute(text("DROP TABLE bench_times"))
    with db.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Reading)).scalar_one()


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def rows_committed(port: int) -> int:
    """The ingest's own count of written rows, from its metrics page (cheap, unlike counting the table)."""
    try:
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()
    except OSError:
        return -1
    for line in body.splitlines():
        if line.startswith("farm_ingest_rows_total "):
            return int(float(line.split()[1]))
    return 0


class Bench:
    """One run's broker folder, database and publisher settings; each leg starts its own broker."""

    def __init__(self, work: Path, url: str, db: Database, messages: int, window: int):
        self.work, self.url, self.db, self.messages, self.window = work, url, db, messages, window
        self.devices = bench_devices(db)
        self.base_ms = int(time.time() * 1000) - 60_000  # current readings: none of them late
        self.ingest_round = 0

    def publisher(self, port: int, metrics: list[str], base: int) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-c", PUBLISHER, str(port), str(self.messages), ",".join(metrics),
                                 str(GREENHOUSES), str(base), str(self.window)], stdout=subprocess.PIPE, text=True)

    def sink(self, metrics: list[str]) -> dict:
        broker, port = start_mosquitto(self.work)
        try:
            pub = json.loads(self.publisher(port, metrics, self.base_ms).communicate(timeout=600)[0])
        finally:
            stop(broker)
        return {"msgs_per_s": self.messages / (pub["acked"] - pub["first"])}

    def bare(self, metrics: list[str]) -> dict:
        broker, port = start_mosquitto(self.work)
        sub = subprocess.Popen([sys.executable, "-c", SUBSCRIBER, str(port), str(self.messages)],
                               stdout=subprocess.PIPE, text=True)
        try:
            assert sub.stdout.readline().strip() == "ready"
            pub = json.loads(self.publisher(port, metrics, self.base_ms).communicate(timeout=600)[0])
            got = json.loads(sub.communicate(timeout=600)[0])
        finally:
            stop(sub)
            stop(broker)
        return {"msgs_per_s": self.messages / (got["last"] - pub["first"]),
                "publisher_msgs_per_s": self.messages / (pub["acked"] - pub["first"])}

    def ingest(self, metrics: list[str], during: subprocess.Popen | None = None) -> dict:
        self.ingest_round += 1
        clear_ingest_rows(self.db, self.devices)
        base = self.base_ms + self.ingest_round * self.messages  # each leg's readings are new ones
        broker, port = start_mosquitto(self.work)
        metrics_port = free_port()
        env = {**os.environ, "FARM_DATABASE_URL": self.url, "FARM_MQTT_URL": f"mqtt://127.0.0.1:{port}",
               "FARM_PARK": "bench", "FARM_MQTT_CLIENT_ID": "bench-ingest", "FARM_SECRET_KEY": "bench",
               "FARM_INSTANCE_PATH": str(self.work), "FARM_LOG_LEVEL": "INFO",
               "FARM_INGEST_METRICS_PORT": str(metrics_port)}
        log_path = self.work / f"ingest-{self.ingest_round}.log"
        with log_path.open("wb") as log:
            proc = subprocess.Popen([sys.executable, "-m", "farm", "ingest"], env=env, cwd=ROOT, stdout=log,
                                    stderr=subprocess.STDOUT)
        expected = self.messages * len(metrics)
        try:
            deadline = time.time() + 120
            while b"connected to" not in log_path.read_bytes():
                if proc.poll() is not None or time.time() > deadline:
                    raise SystemExit(f"the ingest did not start:\n{log_path.read_text()}")
                time.sleep(0.05)
            time.sleep(0.5)  # its subscription reaches the broker
            purge_alive_at_start = during is not None and during.poll() is None
            publisher = self.publisher(port, metrics, base)
            peak, stored, last_change, done_at = 0.0, 0, time.time(), None
            while True:
                peak = max(peak, rss_mb(proc.pid))
                count = rows_committed(metrics_port)
                now = time.time()
                if count != stored:
                    stored, last_change = count, now
                if stored >= expected:
                    done_at = now
                    break
                if now - last_change > 120 or proc.poll() is not None:
                    break
                time.sleep(0.02)
            purge_alive_at_end = during is not None and during.poll() is None
            pub = json.loads(publisher.communicate(timeout=600)[0])
        finally:
            stop(proc)
            stop(broker)
        with self.db.engine.connect() as conn:
            rows = conn.execute(select(func.count()).select_from(Reading).where(
                Reading.device_id.in_(self.devices))).scalar_one()
        return {"msgs_per_s": self.messages / (done_at - pub["first"]) if done_at else 0.0,
                "publisher_msgs_per_s": self.messages / (pub["acked"] - pub["first"]),
                "lost": expected - rows, "peak_rss_mb": peak,
                "purge_throughout": purge_alive_at_start and purge_alive_at_end}


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def ratio_run(bench: Bench, rounds: int, metric_counts: list[int]) -> bool:
    legs = {m: {"sink": [], "bare": [], "ingest": []} for m in metric_counts}
    ok = True
    for r in range(rounds):
        for m in metric_counts:
            metrics = METRICS[:m]
            order = ["sink", "bare", "ingest"] if r % 2 == 0 else ["ingest", "bare", "sink"]
            for leg in order:
                result = getattr(bench, leg)(metrics)
                legs[m][leg].append(result)
                shown = {k: round(v, 1) if isinstance(v, float) else v for k, v in result.items()}
                print(f"round {r + 1}, {m} metrics, {leg}: {shown}  load {os.getloadavg()[0]:.1f}", flush=True)
    goals = {2: 0.85, 6: 0.75}
    for m in metric_counts:
        sink = median([x["msgs_per_s"] for x in legs[m]["sink"]])
        bare = median([x["msgs_per_s"] for x in legs[m]["bare"]])
        ingest = median([x["msgs_per_s"] for x in legs[m]["ingest"]])
        ratios = [i["msgs_per_s"] / b["msgs_per_s"] for i, b in zip(legs[m]["ingest"], legs[m]["bare"])]
        lost = sum(x["lost"] for x in legs[m]["ingest"])
        peak = max(x["peak_rss_mb"] for x in legs[m]["ingest"])
        goal = goals.get(m, 0.75)
        met = ingest / bare >= goal and lost == 0 and peak < 150 and sink > bare
        ok = ok and met
        print(json.dumps({
            "database": bench.db.dialect, "metrics": m, "messages": bench.messages, "rounds": rounds,
            "publisher_alone_msgs_per_s": round(sink), "bare_subscriber_msgs_per_s": round(bare),
            "ingest_msgs_per_s": round(ingest), "ingest_rows_per_s": round(ingest * m),
            "ratio_of_medians": round(ingest / bare, 3), "ratio_median_of_rounds": round(median(ratios), 3),
            "ratio_per_round": [round(x, 3) for x in ratios],
            "publisher_outruns_bare": sink > bare, "lost": lost,
            "duplicated": 0,  # (device, metric, ts) is the primary key: a duplicate cannot be stored
            "ingest_peak_rss_mb": round(peak, 1), "goal": goal, "met": met,
            "load_avg": [round(x, 1) for x in os.getloadavg()]}, indent=2), flush=True)
    return ok


def purge_run(bench: Bench, hours: float, metric_count: int) -> bool:
    metrics = METRICS[:metric_count]
    now = datetime.now(timezone.utc)
    started = time.time()
    total = load_dense_day(bench.db, now - PURGE_AGE, hours)
    print(f"loaded {total:,} raw readings ({hours:g} h of the dense park) in {time.time() - started:.0f} s; "
          f"load {os.getloadavg()[0]:.1f}", flush=True)
    if bench.db.dialect == "postgresql":
        with bench.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE readings"))
    before = [bench.ingest(metrics)]
    print(f"ingest alone: {before[0]['msgs_per_s']:.0f} msg/s  load {os.getloadavg()[0]:.1f}", flush=True)
    purge = subprocess.Popen([sys.executable, "-c", PURGE, bench.url, now.isoformat()], cwd=ROOT,
                             stdout=subprocess.PIPE, text=True)
    during, partial = [], []
    while purge.poll() is None:
        result = bench.ingest(metrics, during=purge)
        (during if result["purge_throughout"] else partial).append(result)
        print(f"ingest with the purge running{'' if result['purge_throughout'] else ' (purge ended during it)'}: "
              f"{result['msgs_per_s']:.0f} msg/s  load {os.getloadavg()[0]:.1f}", flush=True)
    report = json.loads(purge.communicate()[0])
    after = [bench.ingest(metrics)]
    print(f"ingest alone: {after[0]['msgs_per_s']:.0f} msg/s  load {os.getloadavg()[0]:.1f}", flush=True)
    alone = median([x["msgs_per_s"] for x in before + after])
    with_purge = median([x["msgs_per_s"] for x in during])
    lost = sum(x["lost"] for x in before + during + partial + after)
    met = bool(during) and with_purge / alone >= 0.8 and lost == 0
    print(json.dumps({
        "database": bench.db.dialect, "metrics": metric_count, "messages": bench.messages,
        "purged_rows": report["removed"], "purge_hours_of_dense_park": hours,
        "purge_seconds": round(report["finished"] - report["started"], 1),
        "purge_rows_per_s": round(report["removed"] / (report["finished"] - report["started"])),
        "ingest_alone_msgs_per_s": round(alone), "ingest_during_purge_msgs_per_s": round(with_purge),
        "legs_during_purge": len(during), "ratio": round(with_purge / alone, 3) if alone else 0.0, "lost": lost,
        "goal": 0.8, "met": met, "load_avg": [round(x, 1) for x in os.getloadavg()]}, indent=2), flush=True)
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=100_000, help="messages a leg")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--metrics", default="2,6", help="metrics a message, comma-separated (1-6)")
    parser.add_argument("--window", type=int, default=2000, help="the publisher's unacknowledged messages")
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server to make a scratch database on")
    parser.add_argument("--purge", action="store_true", help="measure the ingest beside the raw purge instead")
    parser.add_argument("--purge-hours", type=float, default=24.0, help="hours of the dense park to purge")
    args = parser.parse_args()
    metric_counts = [int(m) for m in args.metrics.split(",")]
    if not all(1 <= m <= len(METRICS) for m in metric_counts):
        parser.error(f"metrics a message must be 1-{len(METRICS)}")
    work = Path(tempfile.mkdtemp(prefix="ingest-bench-"))
    (url,), drop = scratch_urls(args.database_url, work, ("ingest",))
    try:
        db = prepare(url)
        bench = Bench(work, url, db, args.messages, args.window)
        print(f"database {db.dialect}, load average {os.getloadavg()}", flush=True)
        if args.purge:
            ok = purge_run(bench, args.purge_hours, metric_counts[-1])
        else:
            ok = ratio_run(bench, args.rounds, metric_counts)
        db.engine.dispose()
    finally:
        drop()
        shutil.rmtree(work, ignore_errors=True)
    print("goal met" if ok else "goal NOT met")


if __name__ == "__main__":
    main()
