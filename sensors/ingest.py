"""The MQTT ingest (`python -m farm ingest`): readings in, committed, and only then acknowledged.

Built like Home Assistant's recorder: the paho callback only queues the raw message (topic, bytes, mid) and goes
back to the socket; one writer thread owns the database, parses each batch, writes it in one transaction (insert ...
on conflict do nothing, so a redelivered reading is stored once), and after the commit acknowledges the batch's
messages (manual ack). The usual message (epoch-ms ts, values in range, a known device) goes straight into insert
rows (Ingest._add_usual); anything else takes the full parse (sensors.payloads), which names the reject. The latest
values, the devices' counters and the late-reading notes are one statement each per batch.

Flow control: the ingest connects with MQTT 5, a persistent session and a Receive Maximum, so the broker never
has more unacknowledged messages out to us than the queue holds. When the database falls behind, acks stop, the
broker stops sending and keeps the rest in the session's queue: memory stays bounded and nothing is lost.
"""
from __future__ import annotations

import logging
import signal
import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import orjson
import paho.mqtt.client as mqtt
import psycopg
from paho.mqtt.client import PUBACK
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, SQLAlchemyError

from farm import clock
from farm.config import Config
from farm.db import Database
from farm.models.park import Greenhouse
from farm.models.sensors import Device, IngestHeartbeat, IngestReject, LatestReading, Reading
from farm.services import metrics, rollups
from sensors import payloads
from sensors.payloads import Message, Reject

log = logging.getLogger("farm.ingest")

HEARTBEAT_SECONDS = 10.0
REGISTRY_REFRESH_SECONDS = 5.0
PRUNE_SECONDS = 60.0
# Readings older than this are noted for the rollup job's backlog (a device sending what it buffered offline).
LATE_AFTER = timedelta(minutes=10)
SESSION_EXPIRY_SECONDS = 7 * 24 * 3600  # the broker keeps our queue for a week of downtime


@dataclass(slots=True)
class Item:
    """One received message waiting for the writer."""

    mid: int
    qos: int
    generation: int
    topic: str
    payload: bytes
    result: Message | Reject | None  # None until the writer parses it (see Ingest._sort)
    received: datetime


@dataclass(slots=True)
class _Dev:
    id: int
    greenhouse_id: int
    enabled: bool


@dataclass(slots=True)
class _Batch:
    """What one batch writes, sorted by table (Ingest._sort fills it, Ingest._store writes it)."""

    now: datetime
    late_before: datetime  # readings older than this are late (LATE_AFTER)
    late_before_ms: int
    until_ms: int  # a ts (epoch ms) up to this is not in the future for any message of the batch (MAX_FUTURE)
    rows: list[tuple] = field(default_factory=list)  # readings, as the insert binds them (READING_COLUMNS)
    # (greenhouse, metric) -> the newest reading as (epoch ms, device id, value)
    latest: dict[tuple[int, str], tuple[int, int, float]] = field(default_factory=dict)
    seen: dict[int, list] = field(default_factory=dict)  # device id -> [messages, rejects]
    statuses: dict[int, tuple[bool, datetime]] = field(default_factory=dict)  # device id -> (online, received)
    rejects: list[dict] = field(default_factory=list)
    late: dict[int, datetime] = field(default_factory=dict)  # device id -> its oldest late reading
    new_devices: dict[str, _Dev] = field(default_factory=dict)  # registered in this batch, by code


def _ms(ts: datetime) -> int:
    """An aware datetime as epoch milliseconds (exact: the ingest's timestamps have millisecond precision)."""
    return (ts - payloads.EPOCH) // _MILLISECOND


_MILLISECOND = timedelta(milliseconds=1)


def topics(park: str, group: str = "") -> list[str]:
    """The topics the ingest subscribes to, through `$share/<group>/` when a shared group is set."""
    base = [f"farm/{park}/+/+/telemetry", f"farm/{park}/+/+/status"]
    return [f"$share/{group}/{t}" for t in base] if group else base


def default_client_id(config: Config) -> str:
    """A fixed client id, so a restarted ingest resumes its persistent session.

    Several ingests in one shared group need distinct ids: set FARM_MQTT_CLIENT_ID (or --client-id) per process.
    """
    explicit = config.mqtt_client_id
    if explicit:
        return explicit
    if config.mqtt_shared_group:
        return f"farm-ingest-{config.park}-{config.mqtt_shared_group}-{socket.gethostname()}"[:100]
    return f"farm-ingest-{config.park}"



class _Client(mqtt.Client):
    """paho's client, reading the socket in large pieces.

    paho reads a packet with three or four recv calls (its first byte, each byte of its length, then the rest) and
    handles one packet per select: with a subscriber's thousands of small messages a second, those system calls and
    the loop around them were the network thread's largest cost. Here recv takes what the socket holds (up to
    READ_SIZE bytes) and paho's reads are served from it; loop_read handles every packet it holds. The buffer is
    always emptied before loop_read returns, since select cannot see bytes already taken from the socket, and it is
    dropped with the socket (a reconnect starts clean). Overridden: paho's private _sock_recv, _sock_close and
    _handle_publish (see there) and loop_read (paho-mqtt 2.2, pinned), keeping paho's behaviour for everything they
    return or raise; tests/sensors/test_ingest_client.py checks the messages against paho's own client.
    """

    READ_SIZE = 65536
    READ_PACKETS = 2000  # loop_read returns after this many packets once the buffer is empty (writes go out)

    def __init__(self, *args, **kwargs):
        self._rbuf, self._rpos = b"", 0
        super().__init__(*args, **kwargs)

    def _sock_recv(self, bufsize: int) -> bytes:
        buf, pos = self._rbuf, self._rpos
        if pos >= len(buf):
            buf = super()._sock_recv(self.READ_SIZE)  # BlockingIOError and the rest as paho's
            if not buf:
                return buf  # the connection closed
            self._rbuf, pos = buf, 0
        chunk = buf[pos:pos + bufsize]
        self._rpos = pos + len(chunk)
        return chunk

    def _sock_close(self) -> None:
        self._rbuf, self._rpos = b"", 0
        super()._sock_close()

    def _handle_publish(self) -> mqtt.MQTTErrorCode:
        """The usual PUBLISH (QoS 1, manual ack, MQTT 5 without properties) decoded in a few slices.

        paho's decode builds a Properties object for every message (a dict of 27 names made by string replaces, then
        cleared), which was 60 % of the receive path's time per message; with a properties length of 0 there is
        nothing to decode, so the message gets properties None as an MQTT 3 one does (the ingest never reads them).
        Anything else (QoS 0 or 2, properties such as a topic alias, a short packet) takes paho's own decode.
        """
        packet = self._in_packet["packet"]
        header = self._in_packet["command"]
        at = 2 + ((packet[0] << 8) | packet[1]) if len(packet) >= 2 else 0
        if (header & 0x06) != 0x02 or not self._manual_ack or self._protocol != MQTTProtocolVersion.MQTTv5 \
                or at == 2 or len(packet) < at + 3 or packet[at + 2] != 0:
            return super()._handle_publish()
        message = mqtt.MQTTMessage((packet[at] << 8) | packet[at + 1], bytes(packet[2:at]))
        message.dup = bool(header & 0x08)
        message.qos = 1
        message.retain = bool(header & 0x01)
        message.payload = bytes(packet[at + 3:])
        message.timestamp = time.monotonic()
        self._handle_on_message(message)
        return mqtt.MQTTErrorCode.MQTT_ERR_SUCCESS  # acknowledged by the writer, after its commit

    def loop_read(self, max_packets: int = 1) -> mqtt.MQTTErrorCode:
        read = 0
        while True:
            if self._sock is None:
                return mqtt.MQTTErrorCode.MQTT_ERR_NO_CONN
            rc = self._packet_read()
            if rc > 0:
                return self._loop_rc_handle(rc)
            if rc == mqtt.MQTTErrorCode.MQTT_ERR_AGAIN:
                return mqtt.MQTTErrorCode.MQTT_ERR_SUCCESS
            read += 1
            if read >= self.READ_PACKETS and self._rpos >= len(self._rbuf):
                return mqtt.MQTTErrorCode.MQTT_ERR_SUCCESS


def _refused_contents(exc: Exception) -> bool:
    """Whether a failed write refused what the batch holds (a message's fault), not the database's state."""
    return isinstance(exc, (IntegrityError, DataError)) or not isinstance(exc, DBAPIError)

class Ingest:
    """The ingest: one paho client (network thread) feeding one writer thread through a bounded queue."""

    def __init__(self, config: Config, database: Database, client_id: str | None = None,
                 batch_size: int = 5000, max_delay: float = 0.2, receive_maximum: int = 10000):
        self.config = config
        self.db = database
        self.park = config.park
        self.client_id = client_id or default_client_id(config)
        self.batch_size = batch_size
        self.max_delay = max_delay
        self.receive_maximum = receive_maximum
        # Receive Maximum bounds what is in flight; the queue is a backstop for redeliveries after a reconnect.
        # A deque: append and popleft are atomic and far cheaper than queue.Queue's locks, message by message.
        self.queue: deque[Item] = deque()
        self.queue_limit = 2 * receive_maximum
        self._insert = pg_insert if database.dialect == "postgresql" else sqlite_insert
        self._readings_sql: tuple | None = None
        self._batch_table_on: dict | None = None  # the pool entry's info, when this batch created the temp table
        self.pg_redelivered = 0  # PostgreSQL batches that held a reading already stored (the idempotent way)
        self._sqlite = database.dialect == "sqlite"
        self._topic_codes: dict[str, tuple[str, str] | None] = {}  # topic -> (greenhouse, device), see _learn_topic
        self._second_text: dict[int, str] = {}  # epoch second -> its SQLite text, see _ts_param_ms
        self._accepting = threading.Event()
        self._stopping = threading.Event()
        self._writer_done = threading.Event()
        self._wake = threading.Event()  # set by the callback when the writer has something to take (see _collect)
        self._disconnected = threading.Event()
        self._ack_lock = threading.Lock()
        self._generation = 0
        self._connected = False
        self._greenhouses: dict[str, int] = {}
        self._devices: dict[str, _Dev] = {}
        self._registry_at = 0.0
        self._heartbeat_at = 0.0
        self._prune_at = 0.0
        self.started_at = clock.now()
        self.stored = 0
        self.rejected = 0
        self.client = self._make_client()
        self._writer = threading.Thread(target=self._write_loop, name="ingest-writer", daemon=True)

    # --- MQTT side: parse and queue, nothing else ------------------------------------------------------

    def _make_client(self) -> mqtt.Client:
        client = _Client(CallbackAPIVersion.VERSION2, client_id=self.client_id,
                         protocol=MQTTProtocolVersion.MQTTv5, manual_ack=True)
        url = self.config.mqtt
        if url.username:
            client.username_pw_set(url.username, url.password)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.max_queued_messages_set(0)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        return client

    def _on_connect(self, client, _userdata, _flags, reason_code, _properties):
        if reason_code.is_failure:
            log.warning("broker refused the connection: %s", reason_code)
            return
        with self._ack_lock:
            self._generation += 1
            self._connected = True
        options = SubscribeOptions(qos=1, retainHandling=SubscribeOptions.RETAIN_SEND_ON_SUBSCRIBE)
        client.subscribe([(t, options) for t in topics(self.park, self.config.mqtt_shared_group)])
        log.info("connected to %s:%s as %s", self.config.mqtt.host, self.config.mqtt.port, self.client_id)

    def _on_disconnect(self, _client, _userdata, _flags, reason_code, _properties):
        with self._ack_lock:
            # Acks for messages of the old connection must not reach the new one: their mids may be reused.
            self._generation += 1
            self._connected = False
        self._disconnected.set()
        if not self._stopping.is_set():
            log.warning("disconnected from the broker (%s); reconnecting", reason_code)

    def _on_message(self, _client, _userdata, message):
        if not self._accepting.is_set():
            return  # not acknowledged: the broker delivers it again to the next session
        queue_ = self.queue
        if len(queue_) >= self.queue_limit:
            # Only after a reconnect can redeliveries push past the limit; block the network thread (and so
            # the socket) until the writer catches up, rather than grow without end.
            log.warning("ingest queue full (%d): waiting for the database", len(queue_))
            while len(queue_) >= self.queue_limit and self._accepting.is_set():
                time.sleep(0.05)
            if not self._accepting.is_set():
                return
        # Raw bytes only: the writer parses the whole batch (see _sort), so this thread goes back to the socket.
        queue_.append(Item(message.mid, message.qos, self._generation,
                           message._topic.decode("utf-8", errors="replace"), message.payload, None, clock.now()))
        held = len(queue_)
        if held == 1 or held == self.batch_size:
            self._wake.set()  # the writer waits for the first message of a batch, then for a full one

    # --- the writer: batch, commit, then acknowledge -------------------------------------------------

    def _collect(self) -> list[Item]:
        """Up to batch_size items, waiting at most max_delay after the first one (by count and by time).

        The writer sleeps on an event the callback sets twice a batch (its first message and a full batch), rather
        than polling the queue; it returns empty-handed after half a second idle, for the housekeeping.
        """
        queue_, wake = self.queue, self._wake
        wake.clear()
        if not queue_ and not self._stopping.is_set():
            wake.wait(0.5)
        if not queue_:
            return []
        deadline = time.monotonic() + self.max_delay
        while len(queue_) < self.batch_size and not self._stopping.is_set():
            wake.clear()
            if len(queue_) >= self.batch_size:
                break
            left = deadline - time.monotonic()
            if left <= 0:
                break
            wake.wait(left)
        popleft = queue_.popleft  # the writer is the only consumer
        return [popleft() for _ in range(min(len(queue_), self.batch_size))]

    def _write_loop(self) -> None:
        try:
            while True:
                batch = self._collect()
                if batch:
                    if self._commit(batch):
                        self._ack(batch)
                    else:
                        break  # stopping and the database will not take it: leave it unacknowledged
                elif self._stopping.is_set() and not self.queue:
                    break
                self._housekeeping()
        finally:
            self._writer_done.set()

    def _commit(self, batch: list[Item], singly_after: int = 3) -> bool:
        """Write the batch in one transaction, retrying with back-off; False if it gave up while stopping.

        Errors of the database itself (an outage, a schema a deploy left behind: OperationalError,
        ProgrammingError and the like) are retried for as long as they last, the messages left with the broker.
        Only a refusal of what the batch holds (IntegrityError, DataError, or an error of this code on a message)
        that repeats is the batch's: then the messages are written one by one, and one the database will not take
        is kept as a reject instead, so a single bad message cannot stall the stream.
        """
        delay, attempts = 0.1, 0
        give_up_at = None
        while True:
            attempts += 1
            try:
                self._write(batch)
                if attempts > 1:
                    log.info("database write succeeded after %d attempts", attempts)
                return True
            except Exception as exc:  # noqa: BLE001 - retried; a database outage must not stop the ingest
                self._registry_at = 0.0
                refused = _refused_contents(exc)
                kind = "write refused" if refused else "database busy, unreachable or not as expected"
                log.warning("%s (attempt %d, retrying in %.1fs): %s", kind, attempts, delay,
                            str(exc).splitlines()[0][:300])
                if refused and attempts >= singly_after:
                    if len(batch) > 1:
                        return self._commit_singly(batch)
                    batch[0].result = Reject("not_storable", str(exc).splitlines()[0][:200])
                    singly_after = 10**9  # a reject that still fails is retried like an outage
            if self._stopping.is_set():
                give_up_at = give_up_at or time.monotonic() + 10
                if time.monotonic() > give_up_at:
                    log.error("stopping with %d messages unwritten; the broker will deliver them again", len(batch))
                    return False
            time.sleep(delay)
            delay = min(delay * 2, 5.0)

    def _commit_singly(self, batch: list[Item]) -> bool:
        """Write each message in its own transaction (see _commit); acknowledging stays with the caller."""
        for item in batch:
            if not self._commit([item], singly_after=1):
                return False
        return True

    def _ack(self, batch: list[Item]) -> None:
        with self._ack_lock:
            if not self._connected:
                return
            generation = self._generation
            # Subscriptions are QoS 1, so nothing arrives at QoS 2; QoS 0 (a device's status) needs no ack.
            mids = [item.mid for item in batch if item.qos == 1 and item.generation == generation]
            if hasattr(self.client, "_packet_queue"):
                # One write for the whole batch: PUBACKs queued one by one wake paho's network thread and cost
                # a syscall each, which at thousands a second was the ingest's largest overhead. The bytes are
                # exactly what client.ack(mid, 1) sends (paho-mqtt 2.2, pinned), only concatenated.
                packet = b"".join(struct.pack("!BBH", PUBACK, 2, mid) for mid in mids)
                if packet:
                    self.client._packet_queue(PUBACK, packet, 0, 0)
            else:
                for mid in mids:
                    self.client.ack(mid, 1)

    def _load_registry(self, conn) -> None:
        self._greenhouses = dict(conn.execute(select(Greenhouse.code, Greenhouse.id)).all())
        self._devices = {code: _Dev(id_, gh, enabled) for code, id_, gh, enabled in conn.execute(
            select(Device.code, Device.id, Device.greenhouse_id, Device.enabled))}
        self._registry_at = time.monotonic()

    def _write(self, batch: list[Item]) -> None:
        """Write one batch in one transaction: sort its messages into what each table receives, then write each
        table once (executemany); the registry and the counters learn of it only after the commit."""
        now = clock.now()
        late_before = now - LATE_AFTER
        earliest = min((item.received for item in batch), default=now)
        work = _Batch(now, late_before, _ms(late_before), min(_ms(earliest + payloads.MAX_FUTURE) - 1, payloads.LATEST_MS))
        self._batch_table_on = None
        started = time.perf_counter()
        with self.db.engine.begin() as conn:
            self._refresh_registry(conn)
            self._sort(conn, batch, work)
            self._store(conn, work)
        self._after_commit(work)
        metrics.ingest_batch(len(batch), len(work.rows), len(work.rejects), time.perf_counter() - started)

    def _refresh_registry(self, conn) -> None:
        """Reload the greenhouses and devices when the copy is older than REGISTRY_REFRESH_SECONDS (or was dropped
        after a failed write), so a device a manager disabled or moved is judged by its new state."""
        if time.monotonic() - self._registry_at > REGISTRY_REFRESH_SECONDS:
            self._load_registry(conn)

    def _sort(self, conn, batch: list[Item], work: _Batch) -> None:
        """Judge each message against the registry: a reject, a status, or readings of a known (or newly
        registered) device in its own greenhouse."""
        greenhouses, devices, new_devices, seen = self._greenhouses, self._devices, work.new_devices, work.seen
        fast = self._add_usual
        for item in batch:
            result = item.result
            if result is None:
                if fast(work, item):
                    continue
                result = item.result = self._parse(item)
            if isinstance(result, Reject):
                dev = devices.get(result.device or "")
                self._reject(work, item, result, dev.id if dev else None)
                continue
            gh_id = greenhouses.get(result.greenhouse)
            if gh_id is None:
                self._reject(work, item, Reject("unknown_greenhouse", result.greenhouse, result.greenhouse,
                                                result.device))
                continue
            dev = devices.get(result.device) or new_devices.get(result.device)
            if dev is None:
                dev = self._register(conn, result, gh_id, work)
            if dev.greenhouse_id != gh_id:
                self._reject(work, item, Reject("wrong_greenhouse", f"{result.device} is registered elsewhere",
                                                result.greenhouse, result.device), dev.id)
                continue
            if not dev.enabled:
                self._reject(work, item, Reject("device_disabled", result.device, result.greenhouse, result.device),
                             dev.id)
                continue
            if result.kind == "status":
                work.statuses[dev.id] = (bool(result.online), item.received)
                seen.setdefault(dev.id, [0, 0])
                continue
            seen.setdefault(dev.id, [0, 0])[0] += 1
            self._add_readings(work, dev.id, gh_id, result.readings)
            if result.reject is not None:
                self._reject(work, item, result.reject, dev.id)

    def _parse(self, item: Item) -> Message | Reject:
        """The full parse (sensors.payloads), for every message the usual path left: it names each reject."""
        try:
            return payloads.parse(item.topic, item.payload, self.park, item.received)
        except Exception as exc:  # noqa: BLE001 - a bad message may never take the ingest down
            log.exception("could not parse a message on %s", item.topic)
            return Reject("bad_shape", f"unexpected: {exc!r}"[:200])

    def _add_usual(self, work: _Batch, item: Item) -> bool:
        """The hot path: the usual message (`{"ts": epoch ms, "values": {...}}` of a known, enabled device in its
        own greenhouse, every value in range) straight into the batch's rows, without a Message or Reading object.

        False, having added nothing, for anything else: the full parse then judges it (and names the reject), so
        this path only has to recognise what is certainly good. orjson parses here (ten times json's speed); what it
        refuses (NaN literals, huge integers) goes to the full parse, which uses json like the rest of the park.
        """
        where = self._topic_codes.get(item.topic, False)
        if where is False:
            where = self._learn_topic(item.topic)
        if where is None or len(item.payload) > payloads.MAX_PAYLOAD_BYTES:
            return False
        gh_id = self._greenhouses.get(where[0])
        dev = self._devices.get(where[1])
        if gh_id is None or dev is None or not dev.enabled or dev.greenhouse_id != gh_id:
            return False
        try:
            data = orjson.loads(item.payload)
        except orjson.JSONDecodeError:
            return False
        if type(data) is not dict:
            return False
        ts, values = data.get("ts"), data.get("values")
        if type(ts) is not int or not payloads.EARLIEST_MS <= ts <= work.until_ms or type(values) is not dict \
                or not values:
            return False
        limits = payloads.METRICS
        for metric, value in values.items():
            span = limits.get(metric)
            kind = type(value)
            # NaN fails the comparison, a bool is neither float nor int: both go to the full parse.
            if span is None or (kind is not float and kind is not int) or not span[0] <= value <= span[1]:
                return False
        dev_id = dev.id
        tsp = self._ts_param_ms(ts)
        rows, latest = work.rows, work.latest
        for metric, value in values.items():
            value = float(value)
            rows.append((dev_id, metric, tsp, gh_id, value))
            key = (gh_id, metric)
            held = latest.get(key)
            if held is None or ts > held[0]:
                latest[key] = (ts, dev_id, value)
        if ts <= work.late_before_ms:  # late_before_ms is rounded down: the datetimes decide
            at = payloads.EPOCH + timedelta(milliseconds=ts)
            if at < work.late.get(dev_id, work.late_before):
                work.late[dev_id] = at
        counts = work.seen.get(dev_id)
        if counts is None:
            work.seen[dev_id] = [1, 0]
        else:
            counts[0] += 1
        return True

    def _learn_topic(self, topic: str) -> tuple[str, str] | None:
        """A telemetry topic's (greenhouse, device) codes, remembered (topics repeat: one per device)."""
        try:
            greenhouse, device, kind = payloads.split_topic(topic, self.park)
        except Exception:  # noqa: BLE001 - a bad topic is the full parse's to reject
            greenhouse, device, kind = "", "", ""
        where = (greenhouse, device) if kind == "telemetry" else None
        if len(self._topic_codes) >= 100_000:
            self._topic_codes.clear()  # bounded, whatever a misbehaving client publishes
        self._topic_codes[topic] = where
        return where

    def _register(self, conn, result: Message, gh_id: int, work: _Batch) -> _Dev:
        """Register a device on its first message, in the message's greenhouse (the registry learns of it only
        once the batch committed: see _after_commit)."""
        dev_id = conn.execute(self._insert(Device).values(
            code=result.device, greenhouse_id=gh_id, name="", enabled=True, message_count=0,
            reject_count=0, created_at=work.now).returning(Device.id)).scalar_one()
        dev = work.new_devices[result.device] = _Dev(dev_id, gh_id, True)
        log.info("registered device %s in %s", result.device, result.greenhouse)
        return dev

    def _add_readings(self, work: _Batch, dev_id: int, gh_id: int, readings: list[payloads.Reading]) -> None:
        """Queue a message's readings as insert rows, note the oldest late one, keep the newest per metric.

        The hot path: a few comparisons per reading, no call per reading but _ts_param's.
        """
        rows, latest, late, late_before, ts_param = work.rows, work.latest, work.late, work.late_before, self._ts_param
        for reading in readings:
            rows.append((dev_id, reading.metric, ts_param(reading.ts), gh_id, reading.value))
            if reading.ts < late_before and reading.ts < late.get(dev_id, late_before):
                late[dev_id] = reading.ts
            key = (gh_id, reading.metric)
            held = latest.get(key)
            ts = _ms(reading.ts)
            if held is None or ts > held[0]:
                latest[key] = (ts, dev_id, reading.value)

    @staticmethod
    def _reject(work: _Batch, item: Item, why: Reject, device_id: int | None = None) -> None:
        """Keep a message (or the refused part of one) as a reject, counted on its device when it has one."""
        work.rejects.append({"received_at": item.received, "topic": item.topic[:300],
                             "payload": payloads.shown_payload(item.payload), "reason": why.reason,
                             "detail": why.detail[:300], "device_code": (why.device or None) and why.device[:40]})
        if device_id is not None:
            work.seen.setdefault(device_id, [0, 0])[1] += 1

    def _store(self, conn, work: _Batch) -> None:
        """Write what the batch sorted, one statement per table, in the caller's transaction.

        The rows a statement updates (devices, latest values, late notes) go in key order: ingests sharing the load
        then lock them in the same order and do not deadlock one another over them."""
        if work.rows:
            self._insert_readings(conn, work.rows)
        if work.late:
            self._note_late(conn, work)
        if work.latest:
            self._update_latest(conn, work)
        if work.seen:
            self._count_on_devices(conn, work)
        if work.statuses:
            self._set_statuses(conn, work)
        if work.rejects:
            conn.execute(IngestReject.__table__.insert(), work.rejects)

    def _note_late(self, conn, work: _Batch) -> None:
        """Note each device's oldest late reading for the rollup job's backlog (see farm.services.rollups)."""
        conn.execute(rollups.note_late_statement(self.db.dialect),
                     [{"device_id": d, "since": ts, "noted_at": work.now} for d, ts in sorted(work.late.items())])

    def _update_latest(self, conn, work: _Batch) -> None:
        """Move each greenhouse's latest value per metric forward (never back: a late reading leaves it alone)."""
        stmt = self._insert(LatestReading)
        stmt = stmt.on_conflict_do_update(
            index_elements=[LatestReading.greenhouse_id, LatestReading.metric],
            set_={"value": stmt.excluded.value, "ts": stmt.excluded.ts, "device_id": stmt.excluded.device_id},
            where=stmt.excluded.ts >= LatestReading.ts,
        )
        conn.execute(stmt, [  # in key order, so several ingests in one group lock rows in the same order
            {"greenhouse_id": gh_id, "metric": metric, "device_id": dev_id, "value": value,
             "ts": payloads.EPOCH + timedelta(milliseconds=ts)}
            for (gh_id, metric), (ts, dev_id, value) in sorted(work.latest.items())])

    def _count_on_devices(self, conn, work: _Batch) -> None:
        """Add the batch's messages and rejects to each device's counters and mark it seen now."""
        conn.execute(
            update(Device.__table__).where(Device.id == bindparam("b_id")).values(
                message_count=Device.__table__.c.message_count + bindparam("b_n"),
                reject_count=Device.__table__.c.reject_count + bindparam("b_r"),
                last_seen_at=bindparam("b_at", type_=Device.last_seen_at.type)),
            [{"b_id": i, "b_n": n, "b_r": r, "b_at": work.now} for i, (n, r) in sorted(work.seen.items())],
        )

    def _set_statuses(self, conn, work: _Batch) -> None:
        """Record the online or offline state each device last announced, with when it was received."""
        conn.execute(
            update(Device.__table__).where(Device.id == bindparam("b_id")).values(
                online=bindparam("b_online"), status_at=bindparam("b_at", type_=Device.status_at.type)),
            [{"b_id": i, "b_online": on, "b_at": at} for i, (on, at) in sorted(work.statuses.items())],
        )

    def _after_commit(self, work: _Batch) -> None:
        """Only after the commit: the connection keeps its batch table, the registry learns the new devices and the
        counters move (a rolled-back batch is written again, so none of this may happen before)."""
        if self._batch_table_on is not None:
            self._batch_table_on[self._BATCH_TABLE] = True
        self._devices.update(work.new_devices)
        self.stored += len(work.rows)
        self.rejected += len(work.rejects)

    READING_COLUMNS = ("device_id", "metric", "ts", "greenhouse_id", "value")

    def _ts_param(self, ts: datetime):
        # What UTCDateTime would bind: SQLite stores naive UTC as SQLAlchemy's DATETIME text; PostgreSQL takes it aware.
        if self._sqlite:
            return f"{ts:%Y-%m-%d %H:%M:%S}.{ts.microsecond:06d}"
        return ts

    def _ts_param_ms(self, ms: int):
        """_ts_param for epoch milliseconds (the usual path's timestamps)."""
        if self._sqlite:
            seconds, millis = divmod(ms, 1000)
            whole = self._second_text.get(seconds)
            if whole is None:
                if len(self._second_text) >= 4096:
                    self._second_text.clear()
                whole = self._second_text[seconds] = f"{payloads.EPOCH + timedelta(seconds=seconds):%Y-%m-%d %H:%M:%S}"
            return f"{whole}.{millis:03d}000"
        return payloads.EPOCH + timedelta(milliseconds=ms)

    def _insert_readings(self, conn, rows: list[tuple]) -> None:
        """insert ... on conflict do nothing, compiled once and run as the driver's executemany.

        The hot path: SQLAlchemy's per-row parameter processing cost more than the database itself, so the
        rows come prepared as the column types would bind them (see _ts_param).
        """
        if not self._sqlite:
            self._insert_readings_pg(conn, rows)
            return
        if self._readings_sql is None:
            stmt = self._insert(Reading.__table__).on_conflict_do_nothing()
            compiled = stmt.compile(dialect=self.db.engine.dialect, column_keys=list(self.READING_COLUMNS))
            # SQLite's paramstyle is qmark: the compiled insert is always positional.
            self._readings_sql = (str(compiled), [self.READING_COLUMNS.index(k) for k in compiled.positiontup])
        sql, positions = self._readings_sql
        if positions == list(range(len(self.READING_COLUMNS))):
            params = rows
        else:
            params = [tuple(row[i] for i in positions) for row in rows]
        # In the key's order: a batch touches each device and metric's end of the table once, page after page,
        # instead of hopping between a few hundred pages for every message (measured: up to twice the speed once
        # the table outgrows SQLite's page cache).
        params.sort()
        conn.exec_driver_sql(sql, params)

    # The batch's readings go into readings by binary COPY (dumped in C, parsed without text, and written by the
    # server's bulk path), inside a savepoint. A reading already stored (a message the broker delivered again after
    # a reconnect, or twice in one batch) makes the COPY fail on the key: the savepoint is undone and the batch goes
    # the idempotent way, by COPY into a temporary table, then one insert ... select on conflict do nothing. The
    # direct COPY took 96 ms for a batch of 31,800 six-metric rows where the idempotent way took 173 ms.
    _BATCH_TABLE = "ingest_readings_batch"
    _BATCH_TYPES = ("int4", "text", "timestamptz", "int4", "float8")

    def _insert_readings_pg(self, conn, rows: list[tuple]) -> None:
        columns = ", ".join(self.READING_COLUMNS)
        with conn.connection.dbapi_connection.cursor() as cursor:
            cursor.execute("SAVEPOINT ingest_readings")
            try:
                self._copy_rows(cursor, Reading.__tablename__, columns, rows)
            except psycopg.errors.UniqueViolation:
                cursor.execute("ROLLBACK TO SAVEPOINT ingest_readings")
                self.pg_redelivered += 1
                self._insert_idempotent_pg(conn, cursor, columns, rows)
            cursor.execute("RELEASE SAVEPOINT ingest_readings")

    def _copy_rows(self, cursor, table: str, columns: str, rows: list[tuple]) -> None:
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(self._BATCH_TYPES)
            write_row = copy.write_row
            for row in rows:
                write_row(row)

    def _insert_idempotent_pg(self, conn, cursor, columns: str, rows: list[tuple]) -> None:
        info = conn.connection.info
        if not info.get(self._BATCH_TABLE):
            # Once per connection (ON COMMIT DELETE ROWS empties it at each commit); the connection is marked only
            # once the batch committed (see _write), since a rollback also undoes the create.
            cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {self._BATCH_TABLE} ("
                           "device_id int4, metric text, ts timestamptz, greenhouse_id int4, value float8) "
                           "ON COMMIT DELETE ROWS")
            self._batch_table_on = info
        self._copy_rows(cursor, self._BATCH_TABLE, columns, rows)
        cursor.execute(f"INSERT INTO {Reading.__tablename__} ({columns}) SELECT {columns} "
                       f"FROM {self._BATCH_TABLE} ON CONFLICT DO NOTHING")

    # --- housekeeping: heartbeat, registry, bounded rejects ---------------------------------------------

    def _housekeeping(self) -> None:
        now = time.monotonic()
        try:
            if now - self._heartbeat_at >= HEARTBEAT_SECONDS:
                self._heartbeat_at = now
                self._beat()
            if now - self._prune_at >= PRUNE_SECONDS:
                self._prune_at = now
                self._prune_rejects()
        except SQLAlchemyError as exc:
            log.warning("housekeeping failed: %s", str(exc).splitlines()[0][:200])

    def _beat(self, note: str = "") -> None:
        row = {"client_id": self.client_id, "started_at": self.started_at, "beat_at": clock.now(),
               "stored": self.stored, "rejected": self.rejected, "queued": len(self.queue), "note": note}
        stmt = self._insert(IngestHeartbeat).values(row)
        stmt = stmt.on_conflict_do_update(index_elements=[IngestHeartbeat.client_id],
                                          set_={k: v for k, v in row.items() if k != "client_id"})
        with self.db.engine.begin() as conn:
            conn.execute(stmt)

    def _prune_rejects(self) -> None:
        from farm.services.devices import prune_rejects

        with self.db.session_scope() as session:
            prune_rejects(session)

    # --- running and stopping ---------------------------------------------------------------------------

    def start(self) -> None:
        """Connect (retrying in the background until the broker answers) and start the writer."""
        with self.db.engine.begin() as conn:
            self._load_registry(conn)
        self._accepting.set()
        self._writer.start()
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = SESSION_EXPIRY_SECONDS
        props.ReceiveMaximum = self.receive_maximum
        url = self.config.mqtt
        self.client.connect_async(url.host, url.port, keepalive=30, clean_start=False, properties=props)
        self.client.loop_start()

    def stop(self, timeout: float = 20.0) -> None:
        """Stop taking messages, write and acknowledge what was taken, then disconnect."""
        self._accepting.clear()
        self._stopping.set()
        self._wake.set()
        self._writer_done.wait(timeout)
        with self._ack_lock:
            connected = self._connected
        if connected:
            self._disconnected.clear()
            self.client.disconnect()  # queued after the last acks, so they go out first
            self._disconnected.wait(5)
        self.client.loop_stop()
        try:
            with self.db.engine.begin() as conn:
                conn.execute(delete(IngestHeartbeat).where(IngestHeartbeat.client_id == self.client_id))
        except SQLAlchemyError:
            pass
        log.info("ingest stopped: %d readings stored, %d rejects", self.stored, self.rejected)

    def run(self) -> bool:
        """Run until SIGTERM or Ctrl-C, then stop cleanly; False when it stopped because the writer did."""
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        self.start()
        log.info("ingest running (client %s, topics %s)", self.client_id,
                 ", ".join(topics(self.park, self.config.mqtt_shared_group)))
        writer_failed = False
        while not stop.wait(1.0):
            if self._writer_done.is_set():
                log.error("the writer stopped unexpectedly")
                writer_failed = True
                break
        self.stop()
        return not writer_failed

