"""The ingest's paho client (sensors.ingest._Client): its buffered reads and its decode of the usual PUBLISH give the
messages paho's own client gives, whatever way the bytes arrive, and never leave bytes behind select's back."""
from __future__ import annotations

import random
import socket
import struct

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.client import _ConnectionState
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from sensors.ingest import _Client
from sensors.mqtt_broker import utf8, varint


def publish(topic: bytes, payload: bytes, mid: int, qos: int = 1, properties: bytes = b"", dup: bool = False,
            retain: bool = False) -> bytes:
    """A PUBLISH packet as a broker sends it (MQTT 5: a properties length, then the properties)."""
    body = utf8(topic) + (struct.pack("!H", mid) if qos else b"") + varint(len(properties)) + properties + payload
    return bytes([0x30 | dup << 3 | qos << 1 | retain]) + varint(len(body)) + body


def _connected(cls):
    client = cls(CallbackAPIVersion.VERSION2, client_id="t", protocol=MQTTProtocolVersion.MQTTv5, manual_ack=True)
    got = []
    client.on_message = lambda _c, _u, m: got.append(
        (m.mid, m.topic, bytes(m.payload), m.qos, m.dup, m.retain,
         m.properties.json() if m.properties is not None and m.properties.json() else None))
    ours, theirs = socket.socketpair()
    ours.setblocking(False)
    client._sock = ours
    client._state = _ConnectionState.MQTT_CS_CONNECTED
    return client, theirs, got


def _deliver(cls, stream: bytes, cuts: list[int]) -> list:
    """Send the stream in pieces, reading after each as paho's network loop does: while select says readable."""
    client, peer, got = _connected(cls)
    try:
        start = 0
        for end in cuts + [len(stream)]:
            peer.sendall(stream[start:end])
            start = end
            while _readable(client._sock):
                assert client.loop_read() == mqtt.MQTTErrorCode.MQTT_ERR_SUCCESS
                if isinstance(client, _Client):
                    # Nothing may wait in the buffer once loop_read returns: select would not wake for it.
                    assert client._rpos >= len(client._rbuf)
        return got
    finally:
        peer.close()
        client._sock_close()


STREAM = b"".join([
    publish(b"farm/p/GH-001/d-1/telemetry", b'{"ts": 1, "values": {"co2": 400}}', 1),
    publish(b"farm/p/GH-002/d-2/telemetry", b"x" * 300, 65535, dup=True),  # a two-byte length
    publish(b"farm/p/GH-001/d-1/status", b"online", 0, qos=0, retain=True),  # QoS 0: paho's decode
    # Properties (message expiry, a user property): paho's decode keeps them.
    publish(b"farm/p/GH-003/d-3/telemetry", b"{}", 7, properties=b"\x02\x00\x00\x00\x3c&\x00\x01k\x00\x01v"),
    publish(b"farm/p/GH-001/d-1/telemetry", b"", 9),  # an empty payload
    publish(b"farm/p/GH-001/d-1/telemetry", b"\xff\xfe not json", 10, retain=True),
] * 50)


@pytest.mark.parametrize("pieces", ["whole", "bytes", "random"])
def test_buffered_client_reads_what_paho_reads(pieces):
    cuts = {"whole": [], "bytes": list(range(1, 400)) + list(range(400, len(STREAM), 997)),
            "random": sorted(random.Random(7).sample(range(1, len(STREAM)), 300))}[pieces]
    expected = _deliver(mqtt.Client, STREAM, cuts)
    assert len(expected) == 300
    assert _deliver(_Client, STREAM, cuts) == expected


def test_buffered_client_returns_after_a_bound_with_its_buffer_empty(monkeypatch):
    monkeypatch.setattr(_Client, "READ_PACKETS", 5)
    monkeypatch.setattr(_Client, "READ_SIZE", 64)  # each recv ends inside a packet
    client, peer, got = _connected(_Client)
    try:
        peer.sendall(STREAM[:20_000])
        rounds = 0
        while client.loop_read() == mqtt.MQTTErrorCode.MQTT_ERR_SUCCESS and rounds < 10_000:
            rounds += 1
            assert client._rpos >= len(client._rbuf)
            if len(got) == 300 or not _readable(client._sock):
                break
        assert rounds > 1  # it returned before reading everything, so writes (acks) could go out in between
        assert got == _deliver(mqtt.Client, STREAM[:20_000], [])
    finally:
        peer.close()
        client._sock_close()


def test_buffered_client_drops_its_buffer_with_the_socket():
    client, peer, _got = _connected(_Client)
    packet = publish(b"farm/p/GH-001/d-1/telemetry", b"{}", 3)
    peer.sendall(packet)
    assert client._sock_recv(1) == packet[:1]  # the rest of what recv took stays buffered
    client._sock_close()
    peer.close()
    assert (client._rbuf, client._rpos) == (b"", 0)  # a reconnect does not read the old connection's bytes


def _readable(sock) -> bool:
    import select

    return bool(select.select([sock], [], [], 0)[0])
