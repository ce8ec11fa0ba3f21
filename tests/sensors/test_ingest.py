"""The ingest against a real Mosquitto: nothing lost on kill -9, broker restart or a locked database; bad messages
become rejects; a shared group splits the load; statuses, latest values and the heartbeat are kept."""
from __future__ import annotations

import json
import re
import threading
import time

import pytest
from sqlalchemy import select, text

from farm.models.sensors import Device, IngestHeartbeat, IngestReject, LatestReading, Reading
from farm.services import devices as service
from tests.factories import make_park
from tests.sensors.helpers import BASE_MS, IngestProcess, Publisher, count_readings, telemetry, wait_for

pytestmark = pytest.mark.broker
N = 20_000


@pytest.fixture
def park(database, session):
    park = make_park(session, greenhouses=3)
    session.commit()
    return park


@pytest.fixture
def ingests(database_url, broker, tmp_path):
    """Start ingest subprocesses; every one still running is stopped (and must stop cleanly) at the end."""
    started: list[IngestProcess] = []

    def start(client_id: str = "test-ingest", group: str = "") -> IngestProcess:
        proc = IngestProcess(database_url, broker.url, tmp_path, client_id=client_id, group=group).start()
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.proc.poll() is None:
            assert proc.stop() == 0, proc.output()


def background(fn, *args):
    thread = threading.Thread(target=fn, args=args, daemon=True)
    thread.start()
    return thread


def test_ingest_kill9_during_stream_stores_every_reading_once(park, database, broker, ingests):
    ingest = ingests()
    publisher = Publisher(broker.port)
    sender = background(publisher.send, telemetry(N))
    wait_for(lambda: count_readings(database) >= 6_000, 60, what="part of the stream stored")
    ingest.kill()
    stored_at_kill = count_readings(database)
    assert stored_at_kill < 2 * N  # killed mid-stream
    ingests()  # resumes the persistent session
    sender.join(60)
    publisher.wait_acked(N)
    wait_for(lambda: count_readings(database) >= 2 * N, 90, what="every reading stored")
    time.sleep(0.5)
    assert count_readings(database) == 2 * N
    publisher.close()


def test_ingest_sigterm_flushes_and_resumes(park, database, broker, ingests):
    ingest = ingests()
    publisher = Publisher(broker.port)
    sender = background(publisher.send, telemetry(N))
    wait_for(lambda: count_readings(database) >= 4_000, 60, what="part of the stream stored")
    assert ingest.stop() == 0, ingest.output()
    ingests()
    sender.join(60)
    publisher.wait_acked(N)
    wait_for(lambda: count_readings(database) >= 2 * N, 90, what="every reading stored")
    assert count_readings(database) == 2 * N
    publisher.close()


def test_ingest_broker_restart_mid_stream_loses_nothing(park, database, broker, ingests):
    ingest = ingests()
    publisher = Publisher(broker.port)
    sender = background(publisher.send, telemetry(N), 500, 0.02)
    wait_for(lambda: count_readings(database) >= 4_000, 60, what="part of the stream stored")
    broker.stop()
    time.sleep(0.5)
    broker.start()
    sender.join(90)
    publisher.wait_acked(N, timeout=90)
    wait_for(lambda: count_readings(database) >= 2 * N, 60,
             what=lambda: f"every reading stored ({count_readings(database)})\n{ingest.output()}")
    assert count_readings(database) == 2 * N
    assert ingest.proc.poll() is None
    publisher.close()


def _hold_lock(database, seconds: float, locked: threading.Event):
    with database.engine.connect() as conn:
        if database.dialect == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            conn.exec_driver_sql("UPDATE parks SET location = location")
        else:
            conn.execute(text("LOCK TABLE readings IN ACCESS EXCLUSIVE MODE"))
        locked.set()
        time.sleep(seconds)
        conn.rollback()


def test_ingest_locked_database_loses_nothing_and_memory_stays_bounded(park, database, broker, ingests):
    ingest = ingests()
    publisher = Publisher(broker.port)
    publisher.send(telemetry(100))
    wait_for(lambda: count_readings(database) >= 200, 30, what="the first readings")
    locked = threading.Event()
    holder = background(_hold_lock, database, 6.0, locked)
    locked.wait(10)
    sender = background(publisher.send, telemetry(N, start=100))
    peak = 0.0
    while holder.is_alive():
        peak = max(peak, ingest.rss_mb())
        time.sleep(0.2)
    sender.join(60)
    publisher.wait_acked(N + 100)
    wait_for(lambda: count_readings(database) >= 2 * (N + 100), 90, what="every reading stored")
    assert count_readings(database) == 2 * (N + 100)
    assert peak < 150, f"resident memory reached {peak:.0f} MB"
    assert ingest.proc.poll() is None
    publisher.close()


BAD = [
    ("GH-001/th-001", b"{not json", "malformed_json"),
    ("GH-001/th-001", b'{"temperature": "warm"}', "not_a_number"),
    ("GH-001/th-001", b'{"temperature": NaN}', "not_finite"),
    ("GH-001/th-001", b"x" * 100_000, "too_large"),
    ("GH-999/th-999", b'{"temperature": 20}', "unknown_greenhouse"),
    ("GH-001/th-001", b'{"wind": 3}', "unknown_metric"),
    ("GH-001/th-001", b'{"co2": 99999}', "out_of_range"),
    ("GH-001/th-001", json.dumps({"ts": BASE_MS * 2, "values": {"co2": 400}}).encode(), "future_timestamp"),
    ("GH-001/th-001", b"", "empty"),
    ("GH-001/th-001", b"\x00\xff\xfe\x80 binary", "not_utf8"),
    ("GH-002/off-1", b'{"temperature": 20}', "device_disabled"),
    ("GH-003/th-001", b'{"temperature": 20}', "wrong_greenhouse"),
]


def test_ingest_bad_messages_become_rejects_and_good_ones_around_them_are_stored(park, database, session, broker,
                                                                             ingests):
    session.add(Device(code="off-1", greenhouse_id=park.greenhouses[1].id, enabled=False))
    session.add(Device(code="th-001", greenhouse_id=park.greenhouses[0].id))
    session.commit()
    ingests()
    publisher = Publisher(broker.port)
    good = telemetry(30)
    messages = []
    for i, (where, payload, _reason) in enumerate(BAD):
        messages.append(good[i])
        messages.append((f"farm/yawei/{where}/telemetry", payload))
    messages += good[len(BAD):]
    publisher.send(messages)
    publisher.client.publish("farm/yawei/GH-001/th-001/status", b"online", qos=1, retain=True)
    publisher.wait_acked(len(messages) + 1)
    wait_for(lambda: count_readings(database) >= 60, 30, what="the good readings")
    with database.session() as s:
        wait_for(lambda: s.scalar(select(Device.online).where(Device.code == "th-001")) is not None, 30,
                 what="the status")
        rejects = {r.reason: r for r in s.scalars(select(IngestReject))}
        assert set(rejects) == {reason for _w, _p, reason in BAD}
        assert rejects["malformed_json"].payload == "{not json"
        assert rejects["malformed_json"].topic == "farm/yawei/GH-001/th-001/telemetry"
        assert rejects["not_utf8"].payload.startswith("\\x00\\xff")
        assert count_readings(database) == 60
        th1 = s.scalar(select(Device).where(Device.code == "th-001"))
        assert th1.online is True and th1.last_seen_at is not None and th1.message_count >= 10
        assert th1.reject_count >= 5
        # The latest-value table holds the newest reading of each metric per greenhouse.
        latest = s.scalar(select(LatestReading).where(LatestReading.greenhouse_id == park.greenhouses[0].id,
                                                      LatestReading.metric == "temperature"))
        newest = s.scalar(select(Reading).where(Reading.greenhouse_id == park.greenhouses[0].id,
                                                Reading.metric == "temperature").order_by(Reading.ts.desc()).limit(1))
        assert (latest.ts, latest.value) == (newest.ts, newest.value)
        # A new device under a known greenhouse was registered on its first message.
        assert s.scalar(select(Device).where(Device.code == "th-002")).greenhouse.code == "GH-002"
        assert service.ingest_state(s) == "ok"
        assert s.scalar(select(IngestHeartbeat.client_id)) == "test-ingest"
    publisher.close()


def test_ingest_shared_group_splits_the_load_and_stores_each_reading_once(park, database, broker, ingests):
    first = ingests("ingest-a", group="farm")
    second = ingests("ingest-b", group="farm")
    publisher = Publisher(broker.port)
    publisher.send(telemetry(N))
    publisher.wait_acked(N)
    wait_for(lambda: count_readings(database) >= 2 * N, 90, what="every reading stored")
    assert count_readings(database) == 2 * N
    shares = []
    for proc in (first, second):
        assert proc.stop() == 0
        shares.append(int(re.search(r"ingest stopped: (\d+) readings", proc.output()).group(1)))
    assert all(share > 0 for share in shares), shares
    publisher.close()


def test_ingest_a_message_the_database_refuses_becomes_a_reject_and_the_rest_is_written(park, database, config,
                                                                                        monkeypatch):
    from datetime import datetime, timezone

    from sensors import payloads
    from sensors.ingest import Ingest, Item

    ingest = Ingest(config, database, client_id="unit")
    monkeypatch.setattr("time.sleep", lambda _s: None)
    now = datetime.now(timezone.utc)
    items = [Item(i, 1, 0, topic, payload, payloads.parse(topic, payload, "yawei", now), now)
             for i, (topic, payload) in enumerate(telemetry(3))]
    real_write = ingest._write

    def refuse_the_second(batch):
        if any(item.mid == 1 and not isinstance(item.result, payloads.Reject) for item in batch):
            raise ValueError("refused")
        real_write(batch)

    monkeypatch.setattr(ingest, "_write", refuse_the_second)
    assert ingest._commit(items) is True
    assert count_readings(database) == 4
    with database.session() as s:
        assert [r.reason for r in s.scalars(select(IngestReject))] == ["not_storable"]


def test_ingest_a_schema_error_is_waited_out_not_turned_into_rejects(park, database, config, monkeypatch):
    """A database not as the ingest expects (a migration a deploy left out) keeps the batch, retried, not rejected."""
    from datetime import datetime, timezone

    from sqlalchemy.exc import ProgrammingError

    from sensors import payloads
    from sensors.ingest import Ingest, Item

    ingest = Ingest(config, database, client_id="unit")
    monkeypatch.setattr("time.sleep", lambda _s: None)
    now = datetime.now(timezone.utc)
    items = [Item(i, 1, 0, topic, payload, payloads.parse(topic, payload, "yawei", now), now)
             for i, (topic, payload) in enumerate(telemetry(3))]
    real_write, failures = ingest._write, {"left": 6}

    def schema_missing(batch):
        if failures["left"]:
            failures["left"] -= 1
            raise ProgrammingError("INSERT INTO readings ...", {}, Exception("no such column: readings.value"))
        real_write(batch)

    monkeypatch.setattr(ingest, "_write", schema_missing)
    assert ingest._commit(items) is True  # written once the database is as expected again
    assert count_readings(database) == 6
    with database.session() as s:
        assert s.scalars(select(IngestReject)).all() == []


def test_ingest_notes_a_late_buffer_and_the_rollup_job_folds_it(park, database, session, broker, ingests):
    from datetime import datetime, timedelta, timezone

    from farm.models.rollups import ReadingRollup, RollupBacklog
    from farm.services import rollups

    now = rollups.floor5(datetime.now(timezone.utc))
    session.execute(text("DELETE FROM rollup_backlog"))
    session.commit()
    # The rollups are done up to now; then a device sends what it buffered ten hours ago (beyond the look-back window).
    rollups.run_rollups(session, now)
    session.commit()
    ingests()
    publisher = Publisher(broker.port)
    old = now - timedelta(hours=10)
    buffer = [{"ts": (old + timedelta(minutes=i)).isoformat(), "values": {"temperature": 4.0 + i}} for i in range(3)]
    fresh = {"ts": now.isoformat(), "values": {"temperature": 20.0}}
    publisher.send([("farm/yawei/GH-001/th-001/telemetry", json.dumps(buffer + [fresh]).encode())])
    publisher.wait_acked(1)
    wait_for(lambda: count_readings(database) >= 4, 30, what="the buffer stored")
    session.expire_all()
    device = session.scalar(select(Device).where(Device.code == "th-001"))
    note = session.get(RollupBacklog, device.id)
    assert note is not None and note.since == old
    result = rollups.run_rollups(session, now + timedelta(minutes=5))
    session.commit()
    assert result["backlog"] == 1
    five = session.scalars(select(ReadingRollup).where(ReadingRollup.device_id == device.id,
                                                       ReadingRollup.resolution == "5m",
                                                       ReadingRollup.period_start < now - timedelta(hours=6))).all()
    assert [(r.min, r.max, r.count) for r in five] == [(4.0, 6.0, 3)]
    assert session.get(RollupBacklog, device.id) is None
    publisher.close()


def test_ingest_usual_path_judges_each_message_as_the_full_parse_does(park, database, session, config):
    """The writer's fast path (Ingest._add_usual) must give the same rows, latest values, counters, late notes and
    rejects as the full parse (sensors.payloads) for good messages and for each edge it has to hand over."""
    from datetime import datetime, timedelta, timezone

    from sensors import payloads
    from sensors.ingest import LATE_AFTER, Ingest, Item, _Batch, _ms

    greenhouses = {gh.code: gh.id for gh in park.greenhouses}
    session.add_all([Device(code="th-001", greenhouse_id=greenhouses["GH-001"], name="", enabled=True,
                            message_count=0, reject_count=0, created_at=datetime.now(timezone.utc)),
                     Device(code="off-1", greenhouse_id=greenhouses["GH-001"], name="", enabled=False,
                            message_count=0, reject_count=0, created_at=datetime.now(timezone.utc))])
    session.commit()
    now = datetime.now(timezone.utc).replace(microsecond=123456)
    now_ms = _ms(now.replace(microsecond=123000))
    day = 86_400_000
    good = {"temperature": 21.5, "humidity": 50}
    corpus = [
        {"ts": now_ms, "values": good}, {"ts": now_ms - 1, "values": {"co2": 400, "light": 0.0}, "note": "x"},
        {"ts": now_ms - 3_600_000, "values": good},  # late
        {"ts": now_ms + day - 5, "values": good}, {"ts": now_ms + day + 5, "values": good},  # the future's edge
        {"ts": 946_684_799_999, "values": good}, {"ts": 10**30, "values": good}, {"ts": float(now_ms), "values": good},
        {"ts": (now - timedelta(minutes=1)).astimezone(timezone(timedelta(hours=8))).isoformat(), "values": good}, {"ts": True, "values": good}, {"values": good},
        {"ts": now_ms, "values": {"temperature": True}}, {"ts": now_ms, "values": {"temperature": "21"}},
        {"ts": now_ms, "values": {"temperature": 99, "humidity": 50}}, {"ts": now_ms, "values": {"wind": 3}},
        {"ts": now_ms, "values": {}}, {"ts": now_ms, "values": [1]}, {"ts": now_ms, "values": {"co2": 10**400}},
        [{"ts": now_ms, "values": good}], {"temperature": 20.0}, [], "text", 5,
    ]
    raw = [json.dumps(body).encode() for body in corpus] + [
        f'{{"ts": {now_ms}, "values": {{"temperature": NaN}}}}'.encode(),
        f'{{"ts": {now_ms}, "values": {{"temperature": Infinity}}}}'.encode(),
        f'{{"ts": {now_ms}, "values": {{"temperature": 1, "temperature": 2}}}}'.encode(),
        b"", b"  ", b"\xff\xfe", b"{", b"null", b"x" * (payloads.MAX_PAYLOAD_BYTES + 1)]
    good_body = json.dumps({"ts": now_ms, "values": good}).encode()
    messages = [("farm/yawei/GH-001/th-001/telemetry", body) for body in raw] + [
        ("farm/yawei/GH-002/th-001/telemetry", good_body),  # registered elsewhere
        ("farm/yawei/GH-001/off-1/telemetry", good_body),  # disabled
        ("farm/yawei/GH-999/th-001/telemetry", good_body), ("farm/other/GH-001/th-001/telemetry", good_body),
        ("farm/yawei/GH-001/th-001/status", b"online"), ("farm/yawei/GH-001/th-001/status", good_body),
    ]
    ingest = Ingest(config, database, client_id="unit")
    with database.engine.connect() as conn:
        ingest._load_registry(conn)

    def sorted_batch(parse_first: bool) -> _Batch:
        items = [Item(i, 1, 0, topic, body, payloads.parse(topic, body, "yawei", now) if parse_first else None, now)
                 for i, (topic, body) in enumerate(messages)]
        work = _Batch(now, now - LATE_AFTER, _ms(now - LATE_AFTER), _ms(now + payloads.MAX_FUTURE) - 1)
        with database.engine.connect() as conn:
            ingest._sort(conn, items, work)
            conn.rollback()
        return work

    usual, full = sorted_batch(parse_first=False), sorted_batch(parse_first=True)
    assert len(usual.rows) > 8 and usual.late and usual.rejects  # the corpus reaches every branch
    assert sorted(usual.rows) == sorted(full.rows)
    for part in ("latest", "seen", "late", "statuses", "new_devices"):
        assert getattr(usual, part) == getattr(full, part), part
    shown = [(r["topic"], r["payload"], r["reason"], r["detail"]) for r in usual.rejects]
    assert sorted(shown) == sorted((r["topic"], r["payload"], r["reason"], r["detail"]) for r in full.rejects)


def test_ingest_a_batch_holding_readings_already_stored_stores_the_rest_once(park, database, config):
    """A redelivered message (after a reconnect) in a batch beside new ones: the new readings are stored, the old
    ones not twice, and nothing is rejected; on PostgreSQL the fast COPY gives way to the idempotent insert."""
    from datetime import datetime, timezone

    from sensors import payloads
    from sensors.ingest import Ingest, Item

    ingest = Ingest(config, database, client_id="unit")
    now = datetime.now(timezone.utc)
    messages = telemetry(4)
    items = [Item(i, 1, 0, topic, payload, payloads.parse(topic, payload, "yawei", now), now)
             for i, (topic, payload) in enumerate(messages)]
    assert ingest._commit(items[:2]) is True
    assert count_readings(database) == 4
    assert ingest.pg_redelivered == 0
    again = [Item(10 + i, 1, 0, topic, payload, payloads.parse(topic, payload, "yawei", now), now)
             for i, (topic, payload) in enumerate(messages)]
    assert ingest._commit(again[1:] + again[1:2]) is True  # one stored before, one twice in this batch
    assert count_readings(database) == 8
    assert ingest.pg_redelivered == (1 if database.dialect == "postgresql" else 0)
    with database.session() as s:
        assert s.scalars(select(IngestReject)).all() == []
