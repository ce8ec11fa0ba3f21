"""The embedded broker for `make run`: where nothing answers at FARM_MQTT_URL, a private Mosquitto is started there.

Its configuration and persistence live in instance/mosquitto/, so queued readings survive a restart. It listens
on loopback only and lets anonymous clients in: it is for one machine's demo and development, not production
(deploy/mosquitto/ holds the production configuration with passwords and an ACL).

Where the mosquitto binary is missing (a fresh machine), sensors/mqtt_broker.py, a small pure-Python broker, is
started instead; its sessions live in memory only, so readings queued for a stopped ingest do not survive it.
"""
from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from farm.config import PROJECT_ROOT, Config

log = logging.getLogger("farm.broker")

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


class BrokerError(Exception):
    """The embedded broker cannot be started; the message says why in one line."""


def answers(host: str, port: int, timeout: float = 1.0) -> bool:
    """True when something accepts TCP connections at host:port."""
    try:
        socket.create_connection((host, port), timeout=timeout).close()
        return True
    except OSError:
        return False


def mosquitto_binary() -> str | None:
    found = shutil.which("mosquitto")
    if found:
        return found
    for candidate in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto", "/opt/homebrew/sbin/mosquitto"):
        if Path(candidate).exists():
            return candidate
    return None


def mosquitto_config(port: int, host: str, folder: Path) -> str:
    """A private Mosquitto: loopback only, persistent, with a queue deep enough for a day of the park's readings."""
    lines = [
        f"listener {port} {host}",
        "allow_anonymous true",
        "persistence true",
        f"persistence_location {folder}/",
        "autosave_interval 60",
        "max_queued_messages 5000000",
        "max_inflight_messages 0",
        "log_type error",
        "log_type warning",
        f"log_dest file {folder}/mosquitto.log",
    ]
    if os.geteuid() == 0:
        lines.append("user root")  # as root, Mosquitto would switch to a user that cannot write instance/
    return "\n".join(lines) + "\n"


def start(config: Config) -> subprocess.Popen | None:
    """Start the embedded broker when nothing answers at FARM_MQTT_URL; None when a broker is already there."""
    url = config.mqtt
    if answers(url.host, url.port):
        return None
    if url.host not in LOCAL_HOSTS:
        raise BrokerError(f"no MQTT broker answers at {url.host}:{url.port}, and an embedded one can only run on "
                          "this machine (127.0.0.1)")
    binary = mosquitto_binary()
    if binary is None:
        return start_python_broker(config)
    folder = Path(config.instance_path) / "mosquitto"
    folder.mkdir(parents=True, exist_ok=True)
    conf = folder / "mosquitto.conf"
    conf.write_text(mosquitto_config(url.port, "127.0.0.1" if url.host == "localhost" else url.host, folder))
    # Its own session: Ctrl-C in the terminal must not stop it before the ingest has flushed.
    proc = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if answers(url.host, url.port, 0.2):
            log.info("embedded Mosquitto listening on %s:%s (data in %s)", url.host, url.port, folder)
            return proc
        if proc.poll() is not None:
            err = (proc.stderr.read() or b"").decode(errors="replace").strip().splitlines()
            raise BrokerError(f"mosquitto exited: {err[-1] if err else proc.returncode}")
        time.sleep(0.1)
    proc.kill()
    raise BrokerError(f"mosquitto did not start listening on {url.host}:{url.port}")


def start_python_broker(config: Config) -> subprocess.Popen:
    """The fallback where Mosquitto is not installed: sensors/mqtt_broker.py (pure Python, sessions in memory)."""
    url = config.mqtt
    folder = Path(config.instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    log_file = folder / "mqtt_broker.log"
    host = "127.0.0.1" if url.host == "localhost" else url.host
    with log_file.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "sensors.mqtt_broker", "--host", host, "--port", str(url.port)],
                                cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if answers(url.host, url.port, 0.2):
            log.info("mosquitto is not installed: embedded pure-Python MQTT broker listening on %s:%s "
                     "(sessions kept in memory only; log in %s)", url.host, url.port, log_file)
            return proc
        if proc.poll() is not None:
            lines = log_file.read_text(errors="replace").strip().splitlines()
            raise BrokerError(f"the embedded MQTT broker exited: {lines[-1] if lines else proc.returncode}")
        time.sleep(0.1)
    proc.kill()
    raise BrokerError(f"the embedded MQTT broker did not start listening on {url.host}:{url.port}")


def stop(proc: subprocess.Popen | None) -> None:
    """Stop the embedded broker (it saves its persistence file on the way out)."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
