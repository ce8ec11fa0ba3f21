"""A device moved to another greenhouse keeps its history with the greenhouse it was in at the time: raw readings,
rollups (also those folded after the move), the charts' rolled-up points, the hourly trend and the device filter."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from farm.inputs.sensors import DeviceChange
from farm.models.rollups import ReadingRollup
from farm.models.sensors import DeviceMove, Reading
from farm.services import devices, readings, rollups
from farm.services.readings import ReadingQuery
from tests.factories import make_device, make_park

T0 = datetime(2026, 11, 28, 0, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)


def _readings(session, device, start, value, n=12):
    for i in range(n):
        session.add(Reading(device_id=device.id, greenhouse_id=device.greenhouse_id, metric="temperature",
                            ts=start + i * timedelta(minutes=5), value=value))
    session.flush()


def _hours(session, code, start=T0, end=T0 + 4 * HOUR, device=None):
    q = ReadingQuery(code, "temperature", start, end, "1h", device)
    return [(p["ts"], p["mean"]) for p in readings.points(session, q)]


def test_a_moved_device_keeps_its_history_in_its_old_greenhouse(session):
    park = make_park(session, greenhouses=2)
    gh1, gh2 = park.greenhouses
    dev = make_device(session, gh1, "th-001", last_seen_at=T0)
    _readings(session, dev, T0, 20.0)  # the first hour in GH-001
    rollups.run_rollups(session, T0 + HOUR + timedelta(minutes=5))
    _readings(session, dev, T0 + HOUR, 21.0)  # the second hour in GH-001, not folded yet when it moves
    devices.update_device(session, "th-001", DeviceChange(greenhouse="GH-002"))
    [move] = session.scalars(select(DeviceMove)).all()
    assert (move.device_id, move.from_greenhouse_id, move.to_greenhouse_id) == (dev.id, gh1.id, gh2.id)
    _readings(session, dev, T0 + 2 * HOUR, 30.0)  # the third hour in GH-002
    rollups.run_rollups(session, T0 + 3 * HOUR + timedelta(minutes=5))  # folds hours 2 and 3, after the move

    # Each rollup keeps the greenhouse of its readings.
    hourly = {(r.period_start, r.greenhouse_id) for r in session.scalars(
        select(ReadingRollup).where(ReadingRollup.resolution == "1h"))}
    assert hourly == {(T0, gh1.id), (T0 + HOUR, gh1.id), (T0 + 2 * HOUR, gh2.id)}
    assert _hours(session, "GH-001") == [(T0, 20.0), (T0 + HOUR, 21.0)]
    assert _hours(session, "GH-002") == [(T0 + 2 * HOUR, 30.0)]
    # The device may still be named in its old greenhouse's query, for its history there.
    assert _hours(session, "GH-001", device="th-001") == [(T0, 20.0), (T0 + HOUR, 21.0)]
    raw = readings.points(session, ReadingQuery("GH-001", "temperature", T0, T0 + 4 * HOUR))
    assert len(raw) == 24 and {p["value"] for p in raw} == {20.0, 21.0}
    # The park overview's hourly trend: the old greenhouse keeps its hours too.
    trend = readings.hourly_trend(session, [gh1.id, gh2.id], now=T0 + 3 * HOUR)
    assert [v for _t, v in trend[gh1.id]] == [20.0, 21.0] and [v for _t, v in trend[gh2.id]] == [30.0]


def test_moving_a_device_to_its_own_greenhouse_records_no_move_and_deleting_it_removes_its_moves(session):
    park = make_park(session, greenhouses=2)
    make_device(session, park.greenhouses[0], "th-001", last_seen_at=T0)
    devices.update_device(session, "th-001", DeviceChange(greenhouse="GH-001"))
    assert session.scalars(select(DeviceMove)).all() == []
    devices.update_device(session, "th-001", DeviceChange(greenhouse="GH-002"))
    session.commit()
    devices.delete_device(session, "th-001")
    session.commit()
    assert session.scalars(select(DeviceMove)).all() == []
