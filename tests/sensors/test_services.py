"""The sensors area's services after the split (devices, readings, charts): the clock they read, the vocabularies
they label with, and the CHECK constraints on the small tables."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError

from farm import clock
from farm.models.sensors import Device, IngestHeartbeat, IngestReject, LatestReading, Reading
from farm.services import charts, devices, readings
from farm.vocab import IngestState, Metric
from tests.conftest import login
from tests.factories import PASSWORD, make_park, make_users

T0 = datetime(2026, 11, 28, 4, 0, tzinfo=timezone.utc)


@pytest.fixture
def device(session):
    park = make_park(session, greenhouses=1)
    dev = Device(code="th-001", greenhouse_id=park.greenhouses[0].id, last_seen_at=T0)
    session.add(dev)
    session.commit()
    return dev


WINDOW = timedelta(minutes=10)


def test_is_online_reads_the_park_clock(device):
    with clock.frozen(T0 + WINDOW):
        assert devices.is_online(device, WINDOW) is True
    with clock.frozen(T0 + WINDOW + timedelta(seconds=1)):
        assert devices.is_online(device, WINDOW) is False


def test_is_online_a_device_that_said_offline_is_offline_while_it_still_sends(device):
    device.online, device.status_at = False, T0 - timedelta(minutes=1)
    with clock.frozen(T0 + timedelta(seconds=5)):
        assert devices.is_online(device, WINDOW) is False
    # A status older than the online window before its last message no longer counts.
    device.status_at = T0 - WINDOW - timedelta(seconds=1)
    with clock.frozen(T0 + timedelta(seconds=5)):
        assert devices.is_online(device, WINDOW) is True


def test_is_online_a_device_that_said_online_long_ago_and_went_silent_is_offline(device):
    """A retained "online" is not a promise: silence past the setting is offline (what `all` left behind)."""
    device.online, device.status_at = True, T0 + timedelta(minutes=2)
    with clock.frozen(T0 + timedelta(minutes=11)):
        assert devices.is_online(device, WINDOW) is True  # its status is contact too
    with clock.frozen(T0 + timedelta(minutes=13)):
        assert devices.is_online(device, WINDOW) is False


def test_one_setting_decides_offline_for_the_device_list_and_the_offline_alerts(session, device, database):
    """The device list, the dashboard's count and the offline alert agree, at the default and at a new value."""
    from farm.models.alerts import Alert
    from farm.services import alerts, settings

    def judged(at):
        with clock.frozen(at):
            listed = devices.online_judge(session)(device)
            counted = devices.device_counts(session)["online"] == 1
        alerts.run_alerts(session, at)
        session.flush()
        alerted = session.query(Alert).filter_by(kind="offline", state="open").count() == 1
        return listed, counted, alerted

    assert judged(T0 + timedelta(minutes=10)) == (True, True, False)
    assert judged(T0 + timedelta(minutes=11)) == (False, False, True)
    session.rollback()
    settings.put(session, devices.OFFLINE.key, "30", valid_from=None)
    session.flush()
    assert judged(T0 + timedelta(minutes=29)) == (True, True, False)
    assert judged(T0 + timedelta(minutes=31)) == (False, False, True)
    session.rollback()


def test_ingest_state_reads_the_park_clock_and_answers_vocabulary_values(session, device):
    assert devices.ingest_state(session) == IngestState.NOT_RUNNING
    session.add(IngestHeartbeat(client_id="x", started_at=T0, beat_at=T0))
    session.flush()
    with clock.frozen(T0 + devices.HEARTBEAT_STALE):
        assert devices.ingest_state(session) == "ok"
    with clock.frozen(T0 + devices.HEARTBEAT_STALE + timedelta(seconds=1)):
        assert devices.ingest_state(session) == "stale"
    assert {IngestState.get(s) for s in ("ok", "stale", "not running", "error")} == set(IngestState)


def test_reading_query_refuses_an_unknown_metric_naming_the_vocabulary(session, device):
    from farm.errors import Invalid

    q = readings.ReadingQuery(greenhouse="GH-001", metric="wind", start=T0, end=T0 + timedelta(hours=1))
    with pytest.raises(Invalid) as caught:
        readings.points(session, q)
    assert "metric" in caught.value.fields
    ok = readings.ReadingQuery(greenhouse="GH-001", metric=Metric.CO2, start=T0, end=T0 + timedelta(hours=1))
    assert readings.points(session, ok) == []


def test_chart_data_has_a_series_for_every_metric_of_the_vocabulary(session, device):
    session.add(Reading(device_id=device.id, greenhouse_id=device.greenhouse_id, metric="co2", ts=T0, value=500.0))
    session.flush()
    data = charts.chart_data(session, device.greenhouse, "24h", now=T0 + timedelta(minutes=7))
    assert set(data["series"]) == set(Metric.values())
    assert data["series"]["co2"] == [[int(T0.timestamp()) * 1000, 500.0, 500.0, 500.0]]
    assert charts.metric_labels() == {m.value: m.label for m in Metric}


def test_latest_readings_refuse_a_metric_outside_the_vocabulary(session, device):
    session.add(LatestReading(greenhouse_id=device.greenhouse_id, metric="wind", value=1.0, ts=T0))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_rejects_refuse_a_reason_outside_the_vocabulary(session, device):
    session.add(IngestReject(received_at=T0, topic="t", payload="", reason="bogus", detail=""))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    session.add(IngestReject(received_at=T0, topic="t", payload="", reason="not_storable", detail=""))
    session.flush()


def test_rejects_page_labels_every_reason_from_the_vocabulary(client, session, device):
    from farm.vocab import RejectReason

    make_users(session)
    session.add(IngestReject(received_at=T0, topic="farm/yawei/GH-001/th-001/status", payload="maybe",
                             reason="bad_status", detail="maybe"))
    session.commit()
    login(client, "manager", PASSWORD)
    page = client.get("/devices/rejects").get_data(as_text=True)
    for reason in RejectReason:
        assert f'<option value="{reason.value}"' in page
    assert "状态不是 online 或 offline" in page  # bad_status's label, in the default language
    assert "reject-reason-bad_status" in page


def test_devices_page_and_dashboard_label_the_ingest_state(client, session, device):
    make_users(session)
    session.add(IngestHeartbeat(client_id="x", started_at=clock.now(), beat_at=clock.now()))
    session.commit()
    login(client, "manager", PASSWORD)
    assert "运行中" in client.get("/devices").get_data(as_text=True)
    assert "运行中" in client.get("/dashboard").get_data(as_text=True)


def test_a_raw_tail_longer_than_the_limit_keeps_the_newest_periods_and_drops_the_partial_oldest(session, device,
                                                                                                 monkeypatch):
    # No rollup yet (the job behind): every 5-minute period comes from raw readings, one a minute for 30 minutes.
    for minute in range(30):
        session.add(Reading(device_id=device.id, greenhouse_id=device.greenhouse_id, metric="temperature",
                            ts=T0 + timedelta(minutes=minute), value=float(minute)))
    session.commit()
    q = readings.ReadingQuery(greenhouse="GH-001", metric=Metric.TEMPERATURE, start=T0, end=T0 + timedelta(hours=1),
                              resolution="5m")
    assert [p["count"] for p in readings.points(session, q)] == [5] * 6
    monkeypatch.setattr(readings, "MAX_POINTS", 13)  # the newest 13 readings: two whole periods and 3 of a third
    points = readings.points(session, q)
    assert [p["ts"] for p in points] == [T0 + timedelta(minutes=20), T0 + timedelta(minutes=25)]
    assert [(p["min"], p["max"], p["count"]) for p in points] == [(20.0, 24.0, 5), (25.0, 29.0, 5)]
