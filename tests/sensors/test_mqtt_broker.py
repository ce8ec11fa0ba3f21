"""The pure-Python fallback broker (sensors/mqtt_broker.py) with real paho clients, and the real ingest through it."""
from __future__ import annotations

import socket
import threading
import time

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from sensors import mqtt_broker
from tests.conftest import free_port
from tests.factories import make_park
from tests.sensors.helpers import IngestProcess, Publisher, count_readings, telemetry, wait_for

V5, V311 = MQTTProtocolVersion.MQTTv5, MQTTProtocolVersion.MQTTv311


@pytest.fixture
def pybroker():
    port = free_port()
    broker = mqtt_broker.BrokerThread("127.0.0.1", port).start()
    broker.url = f"mqtt://127.0.0.1:{port}"
    yield broker
    broker.stop()


class Client:
    """A paho client that records what it receives."""

    def __init__(self, port: int, client_id: str = "", protocol=V5, clean: bool = True, expiry: int = 0,
                 receive_maximum: int | None = None, manual_ack: bool = False, will=None):
        kwargs = {} if protocol == V5 else {"clean_session": clean}
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=protocol,
                                  manual_ack=manual_ack, **kwargs)
        self.port, self.protocol, self.clean, self.expiry, self.receive_maximum = (
            port, protocol, clean, expiry, receive_maximum)
        self.messages: list[mqtt.MQTTMessage] = []
        self.lock = threading.Lock()
        self.connected = threading.Event()
        self.session_present = None
        self.client.on_message = self._on_message
        self.client.on_connect = self._on_connect
        if will:
            self.client.will_set(*will)

    def _on_connect(self, _c, _u, flags, reason_code, _p):
        self.session_present = flags.session_present
        self.connected.set()

    def _on_message(self, _c, _u, message):
        with self.lock:
            self.messages.append(message)

    def connect(self) -> Client:
        self.connected.clear()
        if self.protocol == V5:
            props = Properties(PacketTypes.CONNECT)
            if self.expiry:
                props.SessionExpiryInterval = self.expiry
            if self.receive_maximum:
                props.ReceiveMaximum = self.receive_maximum
            self.client.connect("127.0.0.1", self.port, keepalive=30, clean_start=self.clean, properties=props)
        else:
            self.client.connect("127.0.0.1", self.port, keepalive=30)
        self.client.loop_start()
        assert self.connected.wait(5)
        return self

    def subscribe(self, *filters: str, qos: int = 1) -> None:
        done = threading.Event()
        self.client.on_subscribe = lambda *_: done.set()
        self.client.subscribe([(f, qos) for f in filters])
        assert done.wait(5)

    def publish(self, topic: str, payload, qos: int = 1, retain: bool = False) -> None:
        self.client.publish(topic, payload, qos=qos, retain=retain).wait_for_publish(5)

    def payloads(self) -> list[bytes]:
        with self.lock:
            return [m.payload for m in self.messages]

    def wait_count(self, n: int, timeout: float = 5.0) -> list[bytes]:
        wait_for(lambda: len(self.messages) >= n, timeout, 0.02, what=lambda: f"{n} messages (got {self.payloads()})")
        return self.payloads()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def drop(self) -> None:
        """Lose the connection abruptly (no DISCONNECT)."""
        self.client.loop_stop()
        self.client.socket().close()


def test_mqtt_broker_qos1_round_trip_on_both_protocols(pybroker):
    for protocol in (V5, V311):
        sub = Client(pybroker.port, protocol=protocol).connect()
        sub.subscribe("a/b")
        pub = Client(pybroker.port, protocol=protocol).connect()
        for i in range(20):
            pub.publish("a/b", f"m{i}")
        assert sub.wait_count(20) == [f"m{i}".encode() for i in range(20)]
        assert {m.qos for m in sub.messages} == {1}
        pub.publish("a/b", b"zero", qos=0)
        assert sub.wait_count(21)[-1] == b"zero"
        sub.close()
        pub.close()


def test_mqtt_broker_wildcards_match_levels(pybroker):
    plus = Client(pybroker.port).connect()
    plus.subscribe("farm/+/GH-001/+/telemetry")
    hash_ = Client(pybroker.port).connect()
    hash_.subscribe("farm/yawei/#")
    pub = Client(pybroker.port).connect()
    for topic in ("farm/yawei/GH-001/th-01/telemetry", "farm/yawei/GH-002/th-02/telemetry",
                  "farm/yawei/GH-001/th-01/status", "farm/other/GH-001/x/telemetry", "farm/yawei", "else/x"):
        pub.publish(topic, topic)
    hash_.wait_count(4)
    time.sleep(0.2)
    assert sorted(plus.payloads()) == [b"farm/other/GH-001/x/telemetry", b"farm/yawei/GH-001/th-01/telemetry"]
    assert len(hash_.payloads()) == 4 and b"else/x" not in hash_.payloads()
    assert mqtt_broker.matches("a/#", "a") and not mqtt_broker.matches("+/x", "$SYS/x")
    assert not mqtt_broker.valid_filter("a/#/b") and not mqtt_broker.valid_filter("a/b+")
    for c in (plus, hash_, pub):
        c.close()


def raw_session(port: int) -> socket.socket:
    """A bare MQTT 3.1.1 connection (paho refuses to send a bad filter)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    body = b"\x00\x04MQTT\x04\x02\x00\x1e\x00\x03raw"
    sock.sendall(bytes((0x10, len(body))) + body)
    assert sock.recv(4) == b"\x20\x02\x00\x00"
    return sock


def test_mqtt_broker_bad_filter_is_refused_and_unsubscribe_stops_delivery(pybroker):
    sock = raw_session(pybroker.port)
    body = b"\x00\x07" + b"\x00\x05a/#/b\x01" + b"\x00\x04ok/#\x02"
    sock.sendall(bytes((0x82, len(body))) + body)
    assert sock.recv(6) == b"\x90\x04\x00\x07\x80\x01"  # refused; QoS 2 granted as 1
    sock.close()
    sub = Client(pybroker.port).connect()
    sub.subscribe("ok/#")
    pub = Client(pybroker.port).connect()
    pub.publish("ok/1", "one")
    sub.wait_count(1)
    done = threading.Event()
    sub.client.on_unsubscribe = lambda *_: done.set()
    sub.client.unsubscribe("ok/#")
    assert done.wait(5)
    pub.publish("ok/2", "two", qos=2)  # downgraded to QoS 1, still completes for the sender
    time.sleep(0.2)
    assert sub.payloads() == [b"one"]
    sub.close()
    pub.close()


def test_mqtt_broker_survives_garbage_and_silent_clients(pybroker):
    sock = socket.create_connection(("127.0.0.1", pybroker.port), timeout=5)
    sock.sendall(b"\xff\xff\xff\xff\xff garbage")
    assert sock.recv(10) == b""  # closed
    sock.close()
    sock = raw_session(pybroker.port)
    sock.sendall(b"\x30\x05\x00\x01")  # a PUBLISH cut short, then silence: the connection stays until it ends
    sock.close()
    c = Client(pybroker.port).connect()
    c.subscribe("still/here")
    c.publish("still/here", "yes")
    assert c.wait_count(1) == [b"yes"]
    c.close()


def test_mqtt_broker_retained_status_is_sent_to_later_subscribers_and_cleared(pybroker):
    pub = Client(pybroker.port, protocol=V311).connect()
    pub.publish("farm/yawei/GH-001/th-01/status", "online", retain=True)
    pub.publish("farm/yawei/GH-002/th-02/status", "online", retain=True)
    pub.publish("farm/yawei/GH-002/th-02/status", "offline", retain=True)
    sub = Client(pybroker.port).connect()
    sub.subscribe("farm/yawei/+/+/status")
    got = sub.wait_count(2)
    assert sorted(got) == [b"offline", b"online"] and all(m.retain for m in sub.messages)
    pub.publish("farm/yawei/GH-001/th-01/status", b"", retain=True)  # clears it
    sub.wait_count(3)
    later = Client(pybroker.port).connect()
    later.subscribe("farm/yawei/+/+/status")
    assert later.wait_count(1) == [b"offline"]
    time.sleep(0.2)
    assert len(later.payloads()) == 1
    for c in (pub, sub, later):
        c.close()


def test_mqtt_broker_last_will_on_abrupt_disconnect_only(pybroker):
    watcher = Client(pybroker.port).connect()
    watcher.subscribe("dev/+/status")
    clean = Client(pybroker.port, "clean-dev", protocol=V311, will=("dev/clean/status", "offline", 1, True)).connect()
    clean.close()
    lost = Client(pybroker.port, "lost-dev", protocol=V311, will=("dev/lost/status", "offline", 1, True)).connect()
    lost.drop()
    assert watcher.wait_count(1) == [b"offline"]
    assert watcher.messages[0].topic == "dev/lost/status"
    time.sleep(0.2)
    assert len(watcher.payloads()) == 1
    late = Client(pybroker.port).connect()
    late.subscribe("dev/lost/status")
    assert late.wait_count(1) == [b"offline"]  # the will was retained
    watcher.close()
    late.close()


@pytest.mark.parametrize("protocol", [V5, V311], ids=["mqtt5", "mqtt311"])
def test_mqtt_broker_persistent_session_gets_what_was_published_while_offline(pybroker, protocol):
    sub = Client(pybroker.port, "keeper", protocol=protocol, clean=False, expiry=300).connect()
    sub.subscribe("q/#")
    sub.close()
    pub = Client(pybroker.port).connect()
    for i in range(50):
        pub.publish(f"q/{i}", str(i))
    again = Client(pybroker.port, "keeper", protocol=protocol, clean=False, expiry=300).connect()
    assert again.session_present
    assert again.wait_count(50) == [str(i).encode() for i in range(50)]
    again.close()
    pub.close()


def test_mqtt_broker_session_without_expiry_is_discarded(pybroker):
    sub = Client(pybroker.port, "brief", clean=False, expiry=0).connect()
    sub.subscribe("q/#")
    sub.close()
    pub = Client(pybroker.port).connect()
    pub.publish("q/1", "lost")
    again = Client(pybroker.port, "brief", clean=False, expiry=0).connect()
    assert not again.session_present
    time.sleep(0.2)
    assert again.payloads() == []
    again.close()
    pub.close()


def test_mqtt_broker_respects_receive_maximum_and_redelivers_unacked_with_dup(pybroker):
    sub = Client(pybroker.port, "slow", clean=False, expiry=300, receive_maximum=3, manual_ack=True).connect()
    sub.subscribe("r/x")
    pub = Client(pybroker.port).connect()
    for i in range(10):
        pub.publish("r/x", str(i))
    sub.wait_count(3)
    time.sleep(0.3)
    assert sub.payloads() == [b"0", b"1", b"2"]  # no more than 3 unacknowledged in flight
    sub.client.ack(sub.messages[0].mid, 1)
    sub.wait_count(4)
    time.sleep(0.2)
    assert len(sub.payloads()) == 4
    sub.drop()  # 1, 2 and 3 unacknowledged
    again = Client(pybroker.port, "slow", clean=False, expiry=300, receive_maximum=3, manual_ack=True).connect()
    got = again.wait_count(3)
    assert got == [b"1", b"2", b"3"] and all(m.dup for m in again.messages)
    received = 3
    while received < 9:
        for m in again.messages[received - 3:received]:
            again.client.ack(m.mid, 1)
        received = min(received + 3, 9)
        again.wait_count(received)
    for m in again.messages:
        again.client.ack(m.mid, 1)
    assert again.payloads() == [str(i).encode() for i in range(1, 10)]
    again.close()
    pub.close()


def test_mqtt_broker_shared_group_gives_each_message_to_one_member(pybroker):
    members = [Client(pybroker.port, f"member-{i}").connect() for i in range(2)]
    for m in members:
        m.subscribe("$share/ingest/farm/+/+/+/telemetry")
    plain = Client(pybroker.port).connect()
    plain.subscribe("farm/#")
    pub = Client(pybroker.port).connect()
    for i in range(100):
        pub.publish(f"farm/yawei/GH-{i % 3:03d}/d/telemetry", str(i))
    plain.wait_count(100)
    wait_for(lambda: sum(len(m.payloads()) for m in members) >= 100, 5)
    time.sleep(0.2)
    got = members[0].payloads() + members[1].payloads()
    assert sorted(got) == sorted(str(i).encode() for i in range(100))  # each exactly once
    assert all(len(m.payloads()) >= 20 for m in members)  # both took a share
    for c in (*members, plain, pub):
        c.close()


def test_mqtt_broker_refuses_non_loopback_unless_told():
    with pytest.raises(ValueError, match="loopback"):
        mqtt_broker.check_host("0.0.0.0")
    mqtt_broker.check_host("0.0.0.0", allow_remote=True)
    mqtt_broker.check_host("::1")
    mqtt_broker.check_host("localhost")


def test_mqtt_broker_is_the_embedded_fallback_where_mosquitto_is_missing(tmp_path, monkeypatch):
    from farm.config import Config
    from sensors import broker as embedded

    monkeypatch.setattr(embedded, "mosquitto_binary", lambda: None)
    port = free_port()
    config = Config.from_env(env={}, database_url=f"sqlite:///{tmp_path}/x.db", mqtt_url=f"mqtt://127.0.0.1:{port}",
                             secret_key="x", instance_path=tmp_path)
    proc = embedded.start(config)
    try:
        assert proc is not None and embedded.answers("127.0.0.1", port)
        sub = Client(port).connect()
        sub.subscribe("x/y")
        sub.publish("x/y", "through the fallback")
        assert sub.wait_count(1) == [b"through the fallback"]
        sub.close()
    finally:
        embedded.stop(proc)
    assert proc.returncode == 0 and not embedded.answers("127.0.0.1", port)


def test_mqtt_broker_carries_the_real_ingest_exactly_once(database, database_url, session, pybroker, tmp_path):
    make_park(session, greenhouses=3)
    session.commit()
    ingest = IngestProcess(database_url, pybroker.url, tmp_path).start()
    publisher = Publisher(pybroker.port)
    try:
        publisher.send(telemetry(600))
        publisher.wait_acked(600, 20)
        wait_for(lambda: count_readings(database) >= 1200, 20, what="the first 1,200 readings")
        assert ingest.stop() == 0, ingest.output()
        publisher.send(telemetry(400, start=600))  # queued in the ingest's persistent session meanwhile
        publisher.wait_acked(1000, 20)
        ingest = IngestProcess(database_url, pybroker.url, tmp_path).start()
        wait_for(lambda: count_readings(database) >= 2000, 20, what="all 2,000 readings")
        time.sleep(0.5)
        assert count_readings(database) == 2000
    finally:
        publisher.close()
        ingest.stop()
