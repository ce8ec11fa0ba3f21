"""deploy/mosquitto: the production configuration starts, refuses anonymous logins, and its ACL keeps each
device's publications inside its own greenhouse while the ingest reads everything."""
from __future__ import annotations

import os
import subprocess
import time

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from farm.config import PROJECT_ROOT
from tests.conftest import MOSQUITTO, free_port

pytestmark = pytest.mark.broker
DEPLOY = PROJECT_ROOT / "deploy" / "mosquitto"


@pytest.fixture
def secured(tmp_path):
    if MOSQUITTO is None:
        pytest.skip("mosquitto is not installed: broker tests skipped")
    passwords = tmp_path / "passwords"
    out = subprocess.run(["sh", str(DEPLOY / "make-passwords.sh"), str(passwords), "3"], check=True,
                         capture_output=True, text=True).stdout
    logins = dict(line.split(" ", 1) for line in out.strip().splitlines())
    port = free_port()
    conf = (DEPLOY / "mosquitto.conf").read_text()
    conf = conf.replace("listener 1883", f"listener {port} 127.0.0.1")
    conf = conf.replace("/etc/mosquitto/farm/", f"{tmp_path}/").replace("/var/lib/mosquitto/", f"{tmp_path}/")
    (tmp_path / "acl").write_text((DEPLOY / "acl").read_text())
    if os.geteuid() == 0:
        conf += "user root\n"
    (tmp_path / "m.conf").write_text(conf)
    proc = subprocess.Popen([MOSQUITTO, "-c", str(tmp_path / "m.conf")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="probe")
        client.username_pw_set("ingest", logins["ingest"])
        try:
            client.connect("127.0.0.1", port)
            client.disconnect()
            break
        except OSError:
            time.sleep(0.1)
    assert proc.poll() is None, "mosquitto refused the deploy configuration"
    yield port, logins
    proc.terminate()
    proc.wait(10)


def connect(port, client_id, username=None, password=None):
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
    if username:
        client.username_pw_set(username, password)
    result = {}
    client.on_connect = lambda c, u, f, rc, p: result.setdefault("rc", rc)
    client.connect("127.0.0.1", port)
    client.loop_start()
    deadline = time.monotonic() + 5
    while "rc" not in result and time.monotonic() < deadline:
        time.sleep(0.02)
    return client, result.get("rc")


def test_mosquitto_acl_device_publishes_only_in_its_own_greenhouse(secured):
    port, logins = secured
    received = []
    ingest, rc = connect(port, "farm-ingest", "ingest", logins["ingest"])
    assert not rc.is_failure
    ingest.on_message = lambda c, u, m: received.append(m.topic)
    ingest.subscribe("farm/yawei/#", qos=1)
    time.sleep(0.3)
    device, rc = connect(port, "th-001", "GH-001", logins["GH-001"])
    assert not rc.is_failure
    device.publish("farm/yawei/GH-001/th-001/telemetry", b'{"temperature": 20}', qos=1).wait_for_publish(5)
    device.publish("farm/yawei/GH-001/th-001/status", b"online", qos=1).wait_for_publish(5)
    device.publish("farm/yawei/GH-002/th-001/telemetry", b'{"temperature": 20}', qos=1).wait_for_publish(5)
    device.publish("farm/yawei/GH-001/th-002/telemetry", b'{"temperature": 20}', qos=1).wait_for_publish(5)
    device.publish("farm/other/GH-001/th-001/telemetry", b'{"temperature": 20}', qos=1).wait_for_publish(5)
    time.sleep(0.5)
    assert sorted(received) == ["farm/yawei/GH-001/th-001/status", "farm/yawei/GH-001/th-001/telemetry"]
    for client in (device, ingest):
        client.disconnect()
        client.loop_stop()


def test_mosquitto_acl_refuses_anonymous_and_wrong_passwords(secured):
    port, logins = secured
    for username, password in ((None, None), ("GH-001", "wrong"), ("ingest", logins["GH-001"])):
        client, rc = connect(port, "intruder", username, password)
        assert rc is None or rc.is_failure, username
        client.loop_stop()
