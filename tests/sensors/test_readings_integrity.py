"""The readings' device, as the foreign key kept it on both databases (on PostgreSQL statement triggers do it since
migration 1702): a reading of a device that does not exist is refused, deleting a device deletes its readings and
only its readings, and an insert holds its devices against deletion until it commits."""
from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from farm.models.sensors import Device, Reading
from tests.factories import make_park

T = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)


def _devices(session, n=2):
    park = make_park(session, greenhouses=1)
    devices = [Device(code=f"d-{i}", greenhouse_id=park.greenhouses[0].id) for i in range(n)]
    session.add_all(devices)
    session.flush()
    return devices


def _rows(device, n=3):
    return [{"device_id": device.id, "metric": "co2", "ts": T.replace(minute=i), "greenhouse_id": device.greenhouse_id,
             "value": 400.0 + i} for i in range(n)]


def test_a_reading_of_a_device_that_does_not_exist_is_refused(session):
    device, = _devices(session, 1)
    session.commit()
    rows = _rows(device) + [{**_rows(device)[0], "device_id": device.id + 1000}]
    with pytest.raises(IntegrityError):
        session.execute(insert(Reading), rows)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Reading)) == 0


def test_deleting_a_device_deletes_its_readings_and_no_others(session):
    gone, kept = _devices(session)
    session.execute(insert(Reading), _rows(gone) + _rows(kept, 5))
    session.commit()
    session.execute(delete(Device).where(Device.id == gone.id))
    session.commit()
    assert session.execute(select(Reading.device_id, func.count()).group_by(Reading.device_id)).all() == [(kept.id, 5)]


def test_an_insert_holds_its_device_until_it_commits(database, session):
    if database.dialect != "postgresql":
        pytest.skip("SQLite has one writer at a time: the delete cannot start while the insert is open")
    device, = _devices(session, 1)
    session.commit()
    deleted = threading.Event()

    def delete_device():
        with database.engine.begin() as conn:
            conn.execute(delete(Device).where(Device.id == device.id))
        deleted.set()

    with database.engine.connect() as conn:
        tx = conn.begin()
        conn.execute(insert(Reading), _rows(device))
        thread = threading.Thread(target=delete_device)
        thread.start()
        assert not deleted.wait(1.0)  # the delete waits for the insert's transaction
        tx.commit()
    thread.join(10)
    assert deleted.is_set()
    # The delete went ahead after the commit and took the committed readings with the device.
    assert session.scalar(select(func.count()).select_from(Reading)) == 0
