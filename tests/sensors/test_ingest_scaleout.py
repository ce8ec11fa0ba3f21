"""Scale-out of the ingest on PostgreSQL: three `python -m farm ingest` processes in one MQTT shared subscription,
one killed with SIGKILL in the middle of a 30,000-reading stream, every reading stored exactly once.

Mosquitto (2.0) keeps handing a stopped member its turn of the group's messages, in that member's persistent
session, and redelivers what the member had not acknowledged only to that session: so the killed ingest is
started again under its own client id, as systemd's Restart= does, and it then writes what the broker held for it.
Some of those it may have committed before the kill without acknowledging them; the readings' unique key (insert
... on conflict do nothing) keeps them once.
"""
from __future__ import annotations

import re
import threading
from datetime import timezone

import pytest
from sqlalchemy import select

from farm.models.sensors import Device, Reading
from tests.factories import make_park
from tests.sensors.helpers import BASE_MS, IngestProcess, Publisher, count_readings, telemetry, wait_for

pytestmark = pytest.mark.broker
N = 30_000
GREENHOUSES = 12  # each with a device the ingests register on its first message, racing one another


@pytest.fixture
def pg_park(backend, database, session):
    if backend != "postgresql":
        pytest.skip("several ingests on one database is shown on PostgreSQL, the database for more than one server")
    park = make_park(session, greenhouses=GREENHOUSES)
    session.commit()
    return park


def _stored(database) -> list[tuple[str, str, int]]:
    with database.engine.connect() as conn:
        rows = conn.execute(select(Device.code, Reading.metric, Reading.ts).join(Device, Device.id == Reading.device_id))
        return [(code, metric, round(ts.astimezone(timezone.utc).timestamp() * 1000)) for code, metric, ts in rows]


def test_ingest_three_in_a_shared_group_one_killed_stores_every_reading_once(pg_park, database, database_url,
                                                                            broker, tmp_path):
    members = [IngestProcess(database_url, broker.url, tmp_path, client_id=f"ingest-{n}", group="farm")
               for n in ("a", "b", "c")]
    try:
        for member in members:
            member.start()
        messages = telemetry(N, greenhouses=GREENHOUSES, metrics=("temperature",))
        published = {(f"th-{i % GREENHOUSES + 1:03d}", "temperature", BASE_MS + i * 1000) for i in range(N)}
        assert len(published) == N
        publisher = Publisher(broker.port)
        sender = threading.Thread(target=publisher.send, args=(messages,), daemon=True)
        sender.start()

        wait_for(lambda: count_readings(database) >= N // 3, 120, what="a third of the stream stored")
        killed = members[1]
        killed.kill()
        at_kill = count_readings(database)
        assert at_kill < N, "the stream ended before the kill"
        # The other two go on storing their turns while it is down.
        wait_for(lambda: count_readings(database) >= at_kill + N // 6, 120,
                 what=lambda: f"the others storing after the kill ({count_readings(database)})")
        killed.start()  # under its own client id: its session, and what the broker held there, come back

        sender.join(180)
        publisher.wait_acked(N, timeout=180)
        wait_for(lambda: count_readings(database) >= N, 180,
                 what=lambda: f"every reading stored ({count_readings(database)})\n{killed.output()}")
        stored = _stored(database)
        assert len(stored) == N
        assert set(stored) == published
        publisher.close()
    finally:
        codes = [member.stop() for member in members if member.proc is not None]
    assert codes == [0, 0, 0], [member.output() for member in members]
    # Each took a share; the restarted one's last run wrote what the broker had held for it.
    shares = [int(re.findall(r"ingest stopped: (\d+) readings", member.output())[-1]) for member in members]
    assert all(share > 0 for share in shares), shares
