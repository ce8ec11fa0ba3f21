"""A small pure-Python MQTT broker (asyncio, standard library only): the fallback embedded broker of `make run`.

Used by sensors/broker.py only where the Mosquitto binary is missing (a fresh machine), so that the simulator, the
ingest and the web pages work out of the box. It is for one machine's demo and development, not production:

- MQTT 3.1.1 and 5.0 clients; no authentication (it binds to loopback only unless told otherwise);
- PUBLISH at QoS 0 and 1, PUBACK both ways. QoS 2 is downgraded to QoS 1: an incoming QoS 2 message is
  answered with PUBREC/PUBCOMP but delivered at least once (at QoS 1), and subscriptions are granted QoS 1 at most
  (MQTT 5 clients are told Maximum QoS 1 in the CONNACK);
- SUBSCRIBE/UNSUBSCRIBE with `+` and `#` wildcards, shared subscriptions `$share/<group>/<filter>` (each message
  goes to one connected member of the group, round robin), the MQTT 5 No Local and Retain Handling options;
- retained messages (an empty retained payload clears the topic), last will (published immediately on an abnormal
  disconnect or an MQTT 5 DISCONNECT with reason 0x04; the Will Delay Interval is ignored);
- persistent sessions kept in memory (not across a restart of the broker): MQTT 3.1.1 clean_session=0, or MQTT 5
  clean_start=0 with a Session Expiry Interval. QoS 1 messages for a disconnected session are queued (up to
  `max_queued` per session; beyond that new ones are dropped with a warning). Unacknowledged messages are sent
  again with DUP set when the session resumes;
- the client's Receive Maximum: never more unacknowledged QoS 1 messages in flight to a client than it allows
  (MQTT 3.1.1 clients, which cannot say, get DEFAULT_INFLIGHT_V3);
- keep alive (a client silent for 1.5 times its keep-alive is disconnected), session takeover by client id.

Not supported: topic aliases, authentication, enhanced auth, Will Delay, Message Expiry (the property is forwarded
unchanged), persistence to disk. PUBLISH properties forwarded to MQTT 5 subscribers: payload format, message
expiry, content type, response topic, correlation data and user properties.

Run it: `python -m sensors.mqtt_broker --host 127.0.0.1 --port 1883`.
"""
from __future__ import annotations

import argparse
import asyncio
import ipaddress
import itertools
import logging
import signal
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field

log = logging.getLogger("farm.mqtt_broker")

# Packet types (the high nibble of the first byte).
CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP = 1, 2, 3, 4, 5, 6, 7
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT, AUTH = 8, 9, 10, 11, 12, 13, 14, 15

V311, V5 = 4, 5
DEFAULT_INFLIGHT_V3 = 1000
MAX_RECEIVE = 65535
DEFAULT_MAX_QUEUED = 500_000
MAX_PACKET = 16 * 1024 * 1024
NEVER_EXPIRES = 0xFFFFFFFF

# MQTT 5 property identifiers and their value types.
_BYTE, _INT2, _INT4, _VARINT, _STR, _BIN, _PAIR = range(7)
PROPERTY_TYPES = {
    0x01: _BYTE, 0x02: _INT4, 0x03: _STR, 0x08: _STR, 0x09: _BIN, 0x0B: _VARINT, 0x11: _INT4, 0x12: _STR,
    0x13: _INT2, 0x15: _STR, 0x16: _BIN, 0x17: _BYTE, 0x18: _INT4, 0x19: _BYTE, 0x1A: _STR, 0x1C: _STR,
    0x1F: _STR, 0x21: _INT2, 0x22: _INT2, 0x23: _INT2, 0x24: _BYTE, 0x25: _BYTE, 0x26: _PAIR, 0x27: _INT4,
    0x28: _BYTE, 0x29: _BYTE, 0x2A: _BYTE,
}
SESSION_EXPIRY, RECEIVE_MAXIMUM, ASSIGNED_CLIENT_ID, MAXIMUM_QOS, TOPIC_ALIAS = 0x11, 0x21, 0x12, 0x24, 0x23
FORWARDED_PROPERTIES = {0x01, 0x02, 0x03, 0x08, 0x09, 0x26}


class ProtocolError(Exception):
    """The client broke the protocol: its connection is closed (and its will published)."""


# --- encoding and decoding ----------------------------------------------------------------------------

def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        n, digit = divmod(n, 128)
        out.append(digit | (0x80 if n else 0))
        if not n:
            return bytes(out)


def utf8(text: str | bytes) -> bytes:
    raw = text.encode() if isinstance(text, str) else text
    return struct.pack("!H", len(raw)) + raw


def packet(first: int, body: bytes = b"") -> bytes:
    return bytes((first,)) + varint(len(body)) + body


class Reader:
    """Reads the fields of one packet's body."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def left(self) -> int:
        return len(self.data) - self.pos

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise ProtocolError("packet too short")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def byte(self) -> int:
        return self.take(1)[0]

    def int2(self) -> int:
        return struct.unpack("!H", self.take(2))[0]

    def int4(self) -> int:
        return struct.unpack("!I", self.take(4))[0]

    def varint(self) -> int:
        value = 0
        for shift in range(0, 28, 7):
            digit = self.byte()
            value |= (digit & 0x7F) << shift
            if not digit & 0x80:
                return value
        raise ProtocolError("malformed variable byte integer")

    def binary(self) -> bytes:
        return self.take(self.int2())

    def string(self) -> str:
        try:
            return self.binary().decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError("a string is not UTF-8") from None

    def properties(self) -> tuple[dict[int, object], bytes]:
        """MQTT 5 properties: (the values by id, the raw bytes of those worth forwarding)."""
        end = self.varint()
        end += self.pos
        if end > len(self.data):
            raise ProtocolError("properties longer than the packet")
        values: dict[int, object] = {}
        forward = bytearray()
        while self.pos < end:
            start = self.pos
            ident = self.varint()
            kind = PROPERTY_TYPES.get(ident)
            if kind is None:
                raise ProtocolError(f"unknown property 0x{ident:02x}")
            if kind == _BYTE:
                value: object = self.byte()
            elif kind == _INT2:
                value = self.int2()
            elif kind == _INT4:
                value = self.int4()
            elif kind == _VARINT:
                value = self.varint()
            elif kind in (_STR, _BIN):
                value = self.binary()
            else:
                value = (self.binary(), self.binary())
            if self.pos > end:
                raise ProtocolError("a property runs past the properties")
            values[ident] = value
            if ident in FORWARDED_PROPERTIES:
                forward += self.data[start:self.pos]
        return values, bytes(forward)


def valid_filter(topic_filter: str) -> bool:
    if not topic_filter or "\0" in topic_filter:
        return False
    levels = topic_filter.split("/")
    for i, level in enumerate(levels):
        if "#" in level and (level != "#" or i != len(levels) - 1):
            return False
        if "+" in level and level != "+":
            return False
    return True


def matches(topic_filter: str, topic: str) -> bool:
    """Whether a topic matches a filter with `+` (one level) and `#` (this level and all below)."""
    if topic.startswith("$") and topic_filter[:1] in ("+", "#"):
        return False  # wildcards at the first level never match $SYS-like topics
    f_levels = topic_filter.split("/")
    t_levels = topic.split("/")
    for i, level in enumerate(f_levels):
        if level == "#":
            return True
        if i >= len(t_levels):
            return False
        if level != "+" and level != t_levels[i]:
            return False
    return len(f_levels) == len(t_levels)


def split_shared(topic_filter: str) -> tuple[str | None, str]:
    """`$share/<group>/<filter>` -> (group, filter); any other filter -> (None, filter)."""
    if topic_filter.startswith("$share/"):
        parts = topic_filter.split("/", 2)
        if len(parts) == 3 and parts[1] and not set(parts[1]) & {"+", "#"}:
            return parts[1], parts[2]
        raise ValueError("malformed shared subscription")
    return None, topic_filter


# --- the broker's state -------------------------------------------------------------------------------

@dataclass(slots=True)
class Message:
    topic: str
    payload: bytes
    qos: int
    retain: bool
    properties: bytes = b""  # the forwardable MQTT 5 properties, encoded
    topic_raw: bytes = b""

    def __post_init__(self):
        self.topic_raw = utf8(self.topic)


@dataclass(slots=True)
class Subscription:
    qos: int
    no_local: bool = False
    retain_as_published: bool = False


@dataclass
class Session:
    client_id: str
    version: int = V311
    expiry: int = 0  # seconds the session outlives its connection; NEVER_EXPIRES for 3.1.1 clean_session=0
    receive_maximum: int = DEFAULT_INFLIGHT_V3
    conn: Connection | None = None
    subscriptions: dict[str, Subscription] = field(default_factory=dict)  # full filter (with $share/...) -> options
    queue: deque = field(default_factory=deque)  # (Message, qos, retain) waiting for a slot
    inflight: dict[int, tuple[Message, int, bool]] = field(default_factory=dict)  # packet id -> sent, unacked
    next_id: int = 0
    expiry_handle: asyncio.TimerHandle | None = None
    dropped: int = 0

    def packet_id(self) -> int:
        while True:
            self.next_id = self.next_id % 65535 + 1
            if self.next_id not in self.inflight:
                return self.next_id


class Broker:
    """The broker: sessions, subscriptions and retained messages, all in memory, on one asyncio loop."""

    def __init__(self, max_queued: int = DEFAULT_MAX_QUEUED):
        self.max_queued = max_queued
        self.sessions: dict[str, Session] = {}
        self.subscribers: dict[str, dict[str, Subscription]] = {}  # filter -> client id -> options
        self.groups: dict[tuple[str, str], dict[str, Subscription]] = {}  # (group, filter) -> members
        self._turn = itertools.count()
        self.retained: dict[str, Message] = {}
        self._match_cache: dict[str, tuple[list[str], list[tuple[str, str]]]] = {}
        self._server: asyncio.base_events.Server | None = None
        self._connections: set[Connection] = set()
        self._ids = itertools.count(1)

    # -- serving

    async def start(self, host: str, port: int) -> None:
        self._server = await asyncio.start_server(self._accept, host, port, reuse_address=True)
        log.info("pure-Python MQTT broker listening on %s:%s", host, port)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        tasks = [conn.task for conn in self._connections if conn.task is not None]
        for conn in list(self._connections):
            conn.abort()
        if tasks:
            await asyncio.wait(tasks, timeout=5)
        if self._server is not None:
            await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = Connection(self, reader, writer)
        conn.task = asyncio.current_task()
        self._connections.add(conn)
        try:
            await conn.serve()
        finally:
            self._connections.discard(conn)

    # -- sessions

    def attach(self, conn: Connection, client_id: str, clean: bool, expiry: int, receive_maximum: int) -> bool:
        """Bind a connection to its session (new or resumed); True when an existing session was resumed."""
        session = self.sessions.get(client_id)
        if session is not None and session.conn is not None:
            old = session.conn
            session.conn = None
            old.taken_over()
        if session is not None and clean:
            self.discard(session)
            session = None
        present = session is not None
        if session is None:
            session = self.sessions[client_id] = Session(client_id)
        if session.expiry_handle is not None:
            session.expiry_handle.cancel()
            session.expiry_handle = None
        session.version = conn.version
        session.expiry = expiry
        session.receive_maximum = receive_maximum
        session.conn = conn
        conn.session = session
        return present

    def resume(self, session: Session) -> None:
        """After the CONNACK: send the unacknowledged messages again (DUP), then the queue."""
        conn = session.conn
        for packet_id, (message, qos, retain) in session.inflight.items():
            conn.send(conn.publish_packet(message, qos, retain, packet_id, dup=True))
        self.pump(session)

    def detach(self, conn: Connection) -> None:
        session = conn.session
        if session is None or session.conn is not conn:
            return
        session.conn = None
        if session.expiry == 0:
            self.discard(session)
        elif session.expiry != NEVER_EXPIRES:
            loop = asyncio.get_running_loop()
            session.expiry_handle = loop.call_later(session.expiry, self._expire, session)

    def _expire(self, session: Session) -> None:
        if session.conn is None and self.sessions.get(session.client_id) is session:
            log.info("session %s expired with %d messages queued", session.client_id, len(session.queue))
            self.discard(session)

    def discard(self, session: Session) -> None:
        for full in list(session.subscriptions):
            self.unsubscribe(session, full)
        session.queue.clear()
        session.inflight.clear()
        if session.expiry_handle is not None:
            session.expiry_handle.cancel()
        if self.sessions.get(session.client_id) is session:
            del self.sessions[session.client_id]

    # -- subscriptions

    def subscribe(self, session: Session, full: str, options: Subscription) -> bool:
        """Add or replace a subscription; True when it is new."""
        group, topic_filter = split_shared(full)
        new = full not in session.subscriptions
        session.subscriptions[full] = options
        if group is None:
            self.subscribers.setdefault(topic_filter, {})[session.client_id] = options
        else:
            self.groups.setdefault((group, topic_filter), {})[session.client_id] = options
        self._match_cache.clear()
        return new

    def unsubscribe(self, session: Session, full: str) -> bool:
        if session.subscriptions.pop(full, None) is None:
            return False
        group, topic_filter = split_shared(full)
        table = self.subscribers if group is None else self.groups
        key = topic_filter if group is None else (group, topic_filter)
        members = table.get(key)
        if members is not None:
            members.pop(session.client_id, None)
            if not members:
                del table[key]
        self._match_cache.clear()
        return True

    def _matching(self, topic: str) -> tuple[list[str], list[tuple[str, str]]]:
        found = self._match_cache.get(topic)
        if found is None:
            found = ([f for f in self.subscribers if matches(f, topic)],
                     [key for key in self.groups if matches(key[1], topic)])
            if len(self._match_cache) > 10_000:
                self._match_cache.clear()
            self._match_cache[topic] = found
        return found

    def send_retained(self, session: Session, topic_filter: str, options: Subscription) -> None:
        for message in list(self.retained.values()):
            if matches(topic_filter, message.topic):
                self.deliver(session, message, min(message.qos, options.qos), True)

    # -- routing

    def publish(self, message: Message, sender: str | None = None) -> None:
        """Route a message to every matching subscription (once per client) and each matching group."""
        if message.retain:
            if message.payload:
                self.retained[message.topic] = message
            else:
                self.retained.pop(message.topic, None)
        filters, groups = self._matching(message.topic)
        targets: dict[str, tuple[int, bool]] = {}
        for topic_filter in filters:
            for client_id, options in self.subscribers.get(topic_filter, {}).items():
                if options.no_local and client_id == sender:
                    continue
                qos = min(message.qos, options.qos)
                retain = message.retain and options.retain_as_published
                was = targets.get(client_id)
                if was is None or qos > was[0]:
                    targets[client_id] = (qos, retain)
        for client_id, (qos, retain) in targets.items():
            session = self.sessions.get(client_id)
            if session is not None:
                self.deliver(session, message, qos, retain)
        for key in groups:
            members = self.groups.get(key)
            if not members:
                continue
            ids = list(members)
            online = [c for c in ids if self.sessions.get(c) and self.sessions[c].conn is not None]
            pool = online or ids
            client_id = pool[next(self._turn) % len(pool)]
            self.deliver(self.sessions[client_id], message, min(message.qos, members[client_id].qos), False)

    def deliver(self, session: Session, message: Message, qos: int, retain: bool) -> None:
        if qos == 0:
            if session.conn is not None:
                session.conn.send(session.conn.publish_packet(message, 0, retain, 0))
            return
        if len(session.queue) >= self.max_queued:
            session.dropped += 1
            if session.dropped in (1, 10, 100) or session.dropped % 10_000 == 0:
                log.warning("queue of %s full (%d): %d messages dropped", session.client_id, self.max_queued,
                            session.dropped)
            return
        session.queue.append((message, qos, retain))
        if session.conn is not None:
            self.pump(session)

    def pump(self, session: Session) -> None:
        """Send queued messages while the client's Receive Maximum leaves room."""
        conn = session.conn
        if conn is None:
            return
        queue, inflight, limit = session.queue, session.inflight, session.receive_maximum
        while queue and len(inflight) < limit:
            message, qos, retain = queue.popleft()
            packet_id = session.packet_id()
            inflight[packet_id] = (message, qos, retain)
            conn.send(conn.publish_packet(message, qos, retain, packet_id))

    def acknowledged(self, session: Session, packet_id: int) -> None:
        if session.inflight.pop(packet_id, None) is not None:
            self.pump(session)


# --- one client connection ------------------------------------------------------------------------------

class Connection:
    """One client's network connection: reads packets and answers them."""

    def __init__(self, broker: Broker, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.broker, self.reader, self.writer = broker, reader, writer
        self.version = V311
        self.session: Session | None = None
        self.will: Message | None = None
        self.keepalive = 0
        self.seen = time.monotonic()
        self.closing = False
        self.task: asyncio.Task | None = None

    def _watch(self) -> None:
        """Keep alive: close a client silent for 1.5 times its keep-alive interval."""
        if self.closing:
            return
        silent = time.monotonic() - self.seen
        if silent > self.keepalive * 1.5:
            log.info("closing %s: silent for %.0fs", self.session.client_id if self.session else "a client", silent)
            self.abort()
            return
        asyncio.get_running_loop().call_later(max(self.keepalive / 2, 0.5), self._watch)

    def send(self, data: bytes) -> None:
        if not self.closing:
            self.writer.write(data)

    def abort(self) -> None:
        self.closing = True
        self.writer.transport.abort()

    def taken_over(self) -> None:
        """Another connection took this client id: close this one (no will)."""
        self.will = None
        if self.version == V5:
            self.send(packet(DISCONNECT << 4, b"\x8e\x00"))
        self.closing = True
        self.writer.close()

    def publish_packet(self, message: Message, qos: int, retain: bool, packet_id: int, dup: bool = False) -> bytes:
        first = (PUBLISH << 4) | (8 if dup else 0) | (qos << 1) | (1 if retain else 0)
        body = message.topic_raw
        if qos:
            body += struct.pack("!H", packet_id)
        if self.version == V5:
            body += varint(len(message.properties)) + message.properties
        return packet(first, body + message.payload)

    async def read_packet(self) -> tuple[int, int, bytes]:
        first = (await self.reader.readexactly(1))[0]
        length, shift = 0, 0
        while True:
            digit = (await self.reader.readexactly(1))[0]
            length |= (digit & 0x7F) << shift
            if not digit & 0x80:
                break
            shift += 7
            if shift > 21:
                raise ProtocolError("malformed remaining length")
        if length > MAX_PACKET:
            raise ProtocolError("packet too large")
        body = await self.reader.readexactly(length) if length else b""
        return first >> 4, first & 0x0F, body

    async def serve(self) -> None:
        clean_exit = False
        try:
            kind, flags, body = await asyncio.wait_for(self.read_packet(), 10)
            if kind != CONNECT:
                raise ProtocolError("the first packet is not CONNECT")
            if not self.connect(body):
                return
            if self.keepalive:
                self._watch()
            handled = 0
            while not self.closing:
                kind, flags, body = await self.read_packet()
                self.seen = time.monotonic()
                if kind == DISCONNECT:
                    clean_exit = self.disconnect(body)
                    break
                self.handle(kind, flags, body)
                handled += 1
                if self.writer.transport.get_write_buffer_size() > 1 << 20:
                    await self.writer.drain()
                elif handled % 64 == 0:
                    await asyncio.sleep(0)  # a fast publisher must not starve the other connections
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.TimeoutError, OSError):
            pass
        except ProtocolError as exc:
            log.warning("closing %s: %s", self.session.client_id if self.session else "a client", exc)
        finally:
            self.closing = True
            if self.will is not None and not clean_exit:
                self.broker.publish(self.will)
            self.broker.detach(self)
            try:
                self.writer.close()
            except Exception:  # noqa: BLE001 - the socket may already be gone
                pass

    def connect(self, body: bytes) -> bool:
        r = Reader(body)
        name, level = r.string(), r.byte()
        if name not in ("MQTT", "MQIsdp") or level not in (3, V311, V5):
            self.writer.write(packet(CONNACK << 4, b"\x00\x01"))  # unacceptable protocol version
            return False
        self.version = V5 if level == V5 else V311
        flags = r.byte()
        self.keepalive = r.int2()
        props: dict[int, object] = {}
        if self.version == V5:
            props, _ = r.properties()
        client_id = r.string()
        if flags & 0x04:
            will_props = b""
            if self.version == V5:
                _, will_props = r.properties()
            topic, payload = r.string(), r.binary()
            self.will = Message(topic, payload, min((flags >> 3) & 3, 1), bool(flags & 0x20), will_props)
        if flags & 0x80:
            r.binary()  # user name: not checked (loopback only)
        if flags & 0x40:
            r.binary()  # password
        clean = bool(flags & 0x02)
        assigned = None
        if not client_id:
            if self.version == V311 and not clean:
                self.writer.write(packet(CONNACK << 4, b"\x00\x02"))  # identifier rejected
                return False
            client_id = assigned = f"auto-{next(self.broker._ids)}-{time.monotonic_ns()}"
        if self.version == V5:
            expiry = int(props.get(SESSION_EXPIRY, 0))
            receive_maximum = int(props.get(RECEIVE_MAXIMUM, MAX_RECEIVE)) or MAX_RECEIVE
        else:
            expiry = 0 if clean else NEVER_EXPIRES
            receive_maximum = DEFAULT_INFLIGHT_V3
        present = self.broker.attach(self, client_id, clean, expiry, receive_maximum)
        if self.version == V5:
            out = bytes((MAXIMUM_QOS, 1))
            if assigned:
                out += bytes((ASSIGNED_CLIENT_ID,)) + utf8(assigned)
            self.send(packet(CONNACK << 4, bytes((1 if present else 0, 0)) + varint(len(out)) + out))
        else:
            self.send(packet(CONNACK << 4, bytes((1 if present else 0, 0))))
        self.broker.resume(self.session)
        return True

    def disconnect(self, body: bytes) -> bool:
        """A DISCONNECT: True when the will is to be dropped (not for MQTT 5 reason 0x04)."""
        if self.version == V5 and body:
            r = Reader(body)
            reason = r.byte()
            if r.left():
                props, _ = r.properties()
                if SESSION_EXPIRY in props and self.session is not None:
                    self.session.expiry = int(props[SESSION_EXPIRY])
            if reason == 0x04:
                return False
        self.will = None
        return True

    def handle(self, kind: int, flags: int, body: bytes) -> None:
        broker, session = self.broker, self.session
        if kind == PUBLISH:
            self.on_publish(flags, body)
        elif kind == PUBACK:
            if len(body) < 2:
                raise ProtocolError("short PUBACK")
            broker.acknowledged(session, struct.unpack_from("!H", body)[0])
        elif kind == PUBREL:
            self.send(packet(PUBCOMP << 4, body[:2]))
        elif kind in (PUBREC, PUBCOMP):
            pass  # we never send QoS 2
        elif kind == SUBSCRIBE:
            self.on_subscribe(body)
        elif kind == UNSUBSCRIBE:
            self.on_unsubscribe(body)
        elif kind == PINGREQ:
            self.send(packet(PINGRESP << 4))
        elif kind == CONNECT:
            raise ProtocolError("a second CONNECT")
        else:
            raise ProtocolError(f"unexpected packet type {kind}")

    def on_publish(self, flags: int, body: bytes) -> None:
        qos = (flags >> 1) & 3
        if qos == 3:
            raise ProtocolError("QoS 3")
        r = Reader(body)
        topic = r.string()
        packet_id = r.int2() if qos else 0
        properties = b""
        if self.version == V5:
            values, properties = r.properties()
            if TOPIC_ALIAS in values:
                raise ProtocolError("topic aliases are not supported")
        if not topic or "+" in topic or "#" in topic:
            raise ProtocolError("invalid topic name")
        message = Message(topic, body[r.pos:], min(qos, 1), bool(flags & 1), properties)
        self.broker.publish(message, self.session.client_id)
        if qos == 1:
            self.send(packet(PUBACK << 4, struct.pack("!H", packet_id)))
        elif qos == 2:  # downgraded: delivered at least once, the handshake only completed for the sender
            self.send(packet(PUBREC << 4, struct.pack("!H", packet_id)))

    def on_subscribe(self, body: bytes) -> None:
        r = Reader(body)
        packet_id = r.int2()
        if self.version == V5:
            r.properties()
        codes, retained = bytearray(), []
        while r.left():
            full, opts = r.string(), r.byte()
            try:
                group, topic_filter = split_shared(full)
            except ValueError:
                codes.append(0x80 if self.version == V311 else 0x8F)
                continue
            if not valid_filter(topic_filter):
                codes.append(0x80 if self.version == V311 else 0x8F)
                continue
            options = Subscription(min(opts & 3, 1), bool(opts & 4) and group is None, bool(opts & 8))
            new = self.broker.subscribe(self.session, full, options)
            handling = (opts >> 4) & 3 if self.version == V5 else 0
            if group is None and (handling == 0 or (handling == 1 and new)):
                retained.append((topic_filter, options))
            codes.append(options.qos)
        if not codes:
            raise ProtocolError("SUBSCRIBE without a topic filter")
        head = struct.pack("!H", packet_id) + (b"\x00" if self.version == V5 else b"")
        self.send(packet(SUBACK << 4, head + bytes(codes)))
        for topic_filter, options in retained:
            self.broker.send_retained(self.session, topic_filter, options)

    def on_unsubscribe(self, body: bytes) -> None:
        r = Reader(body)
        packet_id = r.int2()
        if self.version == V5:
            r.properties()
        codes = bytearray()
        while r.left():
            full = r.string()
            try:
                codes.append(0x00 if self.broker.unsubscribe(self.session, full) else 0x11)
            except ValueError:
                codes.append(0x11)
        if self.version == V5:
            self.send(packet(UNSUBACK << 4, struct.pack("!H", packet_id) + b"\x00" + bytes(codes)))
        else:
            self.send(packet(UNSUBACK << 4, struct.pack("!H", packet_id)))


# --- running it ---------------------------------------------------------------------------------------

def check_host(host: str, allow_remote: bool = False) -> None:
    """Refuse to listen beyond this machine unless told: the broker has no authentication."""
    if allow_remote or host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"the pure-Python MQTT broker has no authentication and listens on loopback only, "
                         f"not {host} (pass allow_remote=True / --allow-remote to override)")


async def serve(host: str, port: int, stop: asyncio.Event, ready: threading.Event | None = None,
                max_queued: int = DEFAULT_MAX_QUEUED) -> None:
    broker = Broker(max_queued=max_queued)
    await broker.start(host, port)
    if ready is not None:
        ready.set()
    try:
        await stop.wait()
    finally:
        await broker.close()


def run(host: str = "127.0.0.1", port: int = 1883, allow_remote: bool = False,
        max_queued: int = DEFAULT_MAX_QUEUED) -> None:
    """Run the broker in the foreground until SIGTERM or Ctrl-C."""
    check_host(host, allow_remote)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await serve(host, port, stop, max_queued=max_queued)

    asyncio.run(main())


class BrokerThread:
    """The broker on its own event loop in a daemon thread (tests, or embedding in a process)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 1883, allow_remote: bool = False,
                 max_queued: int = DEFAULT_MAX_QUEUED):
        check_host(host, allow_remote)
        self.host, self.port, self.max_queued = host, port, max_queued
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="mqtt-broker", daemon=True)

    def _run(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            await serve(self.host, self.port, self._stop, self._ready, self.max_queued)

        try:
            asyncio.run(main())
        except BaseException as exc:  # noqa: BLE001 - reported by start()
            self._error = exc
            self._ready.set()

    def start(self) -> BrokerThread:
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None:
            raise self._error
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A small MQTT 3.1.1/5 broker for development (no authentication).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1883)
    parser.add_argument("--allow-remote", action="store_true", help="listen on a non-loopback address")
    parser.add_argument("--max-queued", type=int, default=DEFAULT_MAX_QUEUED,
                        help="QoS 1 messages kept per session while its client is away or slow")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        run(args.host, args.port, args.allow_remote, args.max_queued)
    except (ValueError, OSError) as exc:
        raise SystemExit(f"error: {exc}") from None


if __name__ == "__main__":
    main()
