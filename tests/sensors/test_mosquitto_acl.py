"""deploy/mosquitto: the production configuration starts with its TLS listener, refuses anonymous logins, gives
each device its own password and an ACL tied to its own topics, makes the simulator's login only on request, and
lets the ingest read everything."""
from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import time

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from farm.config import PROJECT_ROOT
from tests.conftest import MOSQUITTO, free_port

pytestmark = pytest.mark.broker
DEPLOY = PROJECT_ROOT / "deploy" / "mosquitto"
DEVICES = "# greenhouse device\nGH-001 th-001\nGH-002 th-002\nGH-003 th-003\nGH-004 bad/+\n"


def _certificate(folder):
    """A self-signed certificate for 127.0.0.1 (the operator brings a real one)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: the TLS listener cannot be given a certificate here")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", str(folder / "farm.key"), "-out", str(folder / "farm.crt"),
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return folder / "farm.crt"


def _start(tmp_path, *extra):
    if MOSQUITTO is None:
        pytest.skip("mosquitto is not installed: broker tests skipped")
    out = subprocess.run(["sh", str(DEPLOY / "make-passwords.sh"), str(tmp_path / "farm"), "-", *extra], check=True,
                         capture_output=True, text=True, input=DEVICES)
    logins = dict(line.split(" ", 1) for line in out.stdout.strip().splitlines())
    cert = _certificate(tmp_path)
    plain, tls = free_port(), free_port()
    conf = (DEPLOY / "mosquitto.conf").read_text()
    assert "listener 8883\n" in conf and "listener 1883 127.0.0.1\n" in conf
    conf = conf.replace("listener 1883 127.0.0.1", f"listener {plain} 127.0.0.1")
    conf = conf.replace("listener 8883", f"listener {tls} 127.0.0.1")
    conf = conf.replace("/etc/mosquitto/certs/", f"{tmp_path}/").replace("/etc/mosquitto/farm/", f"{tmp_path}/farm/")
    conf = conf.replace("/var/lib/mosquitto/", f"{tmp_path}/")
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
            client.connect("127.0.0.1", plain)
            client.disconnect()
            break
        except OSError:
            time.sleep(0.1)
    assert proc.poll() is None, "mosquitto refused the deploy configuration"
    return proc, plain, tls, cert, logins, out.stderr


@pytest.fixture
def secured(tmp_path):
    proc, plain, tls, cert, logins, _ = _start(tmp_path)
    yield plain, tls, cert, logins
    proc.terminate()
    proc.wait(10)


def connect(port, client_id, username=None, password=None, cert=None):
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
    if cert is not None:
        client.tls_set(ca_certs=str(cert), cert_reqs=ssl.CERT_REQUIRED)
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


def test_mosquitto_each_device_publishes_only_its_own_topics_over_tls(secured):
    plain, tls, cert, logins = secured
    assert set(logins) == {"ingest", "th-001", "th-002", "th-003"}  # no simulator, no login for a bad code
    assert len(set(logins.values())) == 4  # a password each
    received = []
    ingest, rc = connect(plain, "farm-ingest", "ingest", logins["ingest"])
    assert not rc.is_failure
    ingest.on_message = lambda c, u, m: received.append(m.topic)
    ingest.subscribe("farm/yawei/#", qos=1)
    time.sleep(0.3)
    device, rc = connect(tls, "th-001", "th-001", logins["th-001"], cert=cert)
    assert not rc.is_failure
    for topic in ("farm/yawei/GH-001/th-001/telemetry", "farm/yawei/GH-001/th-001/status",
                  "farm/yawei/GH-002/th-001/telemetry",  # another greenhouse
                  "farm/yawei/GH-001/th-002/telemetry",  # another device of the park
                  "farm/yawei/GH-002/th-002/telemetry",
                  "farm/other/GH-001/th-001/telemetry"):
        device.publish(topic, b'{"temperature": 20}', qos=1).wait_for_publish(5)
    time.sleep(0.5)
    assert sorted(received) == ["farm/yawei/GH-001/th-001/status", "farm/yawei/GH-001/th-001/telemetry"]
    for client in (device, ingest):
        client.disconnect()
        client.loop_stop()


def test_mosquitto_refuses_anonymous_wrong_and_borrowed_passwords(secured):
    plain, tls, cert, logins = secured
    for username, password in ((None, None), ("th-001", "wrong"), ("th-001", logins["th-002"]),
                               ("ingest", logins["th-001"]), ("simulator", logins["th-001"])):
        client, rc = connect(tls, "intruder", username, password, cert=cert)
        assert rc is None or rc.is_failure, username
        client.loop_stop()


def test_mosquitto_simulator_login_only_on_request(tmp_path):
    proc, plain, tls, cert, logins, stderr = _start(tmp_path, "--simulator")
    try:
        assert "simulator" in logins and "bad/+" in stderr
        acl = (tmp_path / "farm" / "acl").read_text()
        assert "user simulator\ntopic write farm/yawei/#" in acl and "bad/+" not in acl
        client, rc = connect(plain, "farm-simulator-yawei", "simulator", logins["simulator"])
        assert not rc.is_failure
        client.disconnect()
        client.loop_stop()
    finally:
        proc.terminate()
        proc.wait(10)
