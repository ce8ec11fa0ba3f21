"""Helpers for the sensor tests: a park with greenhouses, an ingest subprocess, and a QoS 1 publisher."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from sqlalchemy import func, select

from farm.config import PROJECT_ROOT
from farm.models.sensors import Reading

PARK = "yawei"
BASE_MS = 1_764_300_000_000


def telemetry(n: int, greenhouses: int = 3, metrics=("temperature", "humidity"), start: int = 0):
    """`n` form-1 messages spread over the greenhouses, each with distinct timestamps."""
    out = []
    for i in range(start, start + n):
        gh = i % greenhouses + 1
        values = {m: round(10 + (i % 50) * 0.5, 1) if m != "humidity" else 50 + i % 40 for m in metrics}
        out.append((f"farm/{PARK}/GH-{gh:03d}/th-{gh:03d}/telemetry",
                    json.dumps({"ts": BASE_MS + i * 1000, "values": values}).encode()))
    return out


def count_readings(database) -> int:
    with database.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Reading)).scalar_one()


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what() if callable(what) else what}")


class IngestProcess:
    """`python -m farm ingest` as a subprocess with its own environment."""

    def __init__(self, database_url: str, broker_url: str, tmp_path: Path, client_id: str = "test-ingest",
                 group: str = ""):
        self.env = {**os.environ, "FARM_DATABASE_URL": database_url, "FARM_MQTT_URL": broker_url,
                    "FARM_MQTT_CLIENT_ID": client_id, "FARM_MQTT_SHARED_GROUP": group, "FARM_PARK": PARK,
                    "FARM_SECRET_KEY": "test", "FARM_INSTANCE_PATH": str(tmp_path), "FARM_LOG_LEVEL": "INFO"}
        self.log = tmp_path / f"ingest-{client_id}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> IngestProcess:
        self.proc = subprocess.Popen([sys.executable, "-m", "farm", "ingest"], env=self.env, cwd=PROJECT_ROOT,
                                     stdout=self.log.open("ab"), stderr=subprocess.STDOUT)
        # Ready when it logs its subscription; generous, since a loaded machine takes long to start Python.
        wait_for(lambda: b"connected to" in self.log.read_bytes() or self.proc.poll() is not None, 120,
                 what="the ingest to connect")
        assert self.proc.poll() is None, self.output()
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self, timeout: float = 30) -> int:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
                raise AssertionError("the ingest did not stop on SIGTERM:\n" + self.output()) from None
        return self.proc.returncode


class Publisher:
    """A QoS 1 publisher with a persistent session that resends unacknowledged messages after a reconnect."""

    def __init__(self, port: int, client_id: str = "test-publisher", username=None, password=None):
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False,
                                  protocol=MQTTProtocolVersion.MQTTv311)
        if username:
            self.client.username_pw_set(username, password)
        self.client.max_inflight_messages_set(0)  # no limit, so no queue scan per PUBACK; send() keeps a window
        self.client.max_queued_messages_set(0)
        self.client.reconnect_delay_set(0.2, 2)
        self.acked = 0
        self._base = 0
        self._lock = threading.Lock()
        self.client.on_publish = self._on_publish
        self.client.connect("127.0.0.1", port, keepalive=30)
        self.client.loop_start()

    def _on_publish(self, *_args):
        with self._lock:
            self.acked += 1

    def send(self, messages, pause_every: int = 0, pause: float = 0.0) -> None:
        self._base = self.acked
        for i, (topic, payload) in enumerate(messages):
            while i + self._base - self.acked >= 1000 and self.client.is_connected():
                time.sleep(0.001)
            self.client.publish(topic, payload, qos=1)
            if pause_every and i % pause_every == pause_every - 1:
                time.sleep(pause)

    def wait_acked(self, total: int, timeout: float = 60) -> None:
        wait_for(lambda: self.acked >= total, timeout, what=f"{total} PUBACKs (got {self.acked})")

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
