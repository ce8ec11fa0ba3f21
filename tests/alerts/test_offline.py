"""Offline alerts: a device silent too long opens one alert (per device), closed when it speaks again; disabled and
deleted devices never keep one open."""
from __future__ import annotations

from datetime import timedelta

from farm.models.sensors import Device
from farm.services import alerts, devices, settings
from tests.alerts.conftest import MINUTE, NIGHT, all_alerts, run
from tests.factories import make_device, make_park


def _device(session, last_seen, **kw):
    park = make_park(session, greenhouses=1)
    device = make_device(session, park.greenhouses[0], "th-001", last_seen_at=last_seen, **kw)
    session.commit()
    return device


def test_offline_opens_after_the_silence_and_closes_when_the_device_speaks(database, session):
    device = _device(session, NIGHT)
    run(database, NIGHT + 10 * MINUTE)
    assert all_alerts(session) == []  # ten minutes: not yet longer than the setting
    run(database, NIGHT + 11 * MINUTE)
    run(database, NIGHT + 12 * MINUTE)
    [alert] = all_alerts(session)
    assert (alert.kind, alert.state, alert.device_id, alert.metric) == ("offline", "open", device.id, None)
    assert alert.started_at == NIGHT and alert.opened_at == NIGHT + 11 * MINUTE
    assert alert.refreshed_at == NIGHT + 12 * MINUTE
    assert "th-001" in alerts.describe(alert) and "GH-001" in alerts.describe(alert)
    # It speaks again.
    device = session.get(Device, device.id)
    device.last_seen_at = NIGHT + 15 * MINUTE
    session.commit()
    run(database, NIGHT + 16 * MINUTE)
    [alert] = all_alerts(session)
    assert alert.state == "cleared" and alert.cleared_at == NIGHT + 15 * MINUTE
    # Silent again later: a new alert.
    run(database, NIGHT + 40 * MINUTE)
    first, second = all_alerts(session)
    assert first.state == "cleared" and second.state == "open" and second.started_at == NIGHT + 15 * MINUTE


def test_offline_minutes_is_a_setting(database, session):
    _device(session, NIGHT)
    settings.put(session, "alerts.offline_minutes", "30")
    session.commit()
    run(database, NIGHT + 29 * MINUTE)
    assert all_alerts(session) == []
    run(database, NIGHT + 31 * MINUTE)
    assert [a.kind for a in all_alerts(session)] == ["offline"]


def test_disabled_device_never_alerts_and_disabling_clears(database, session):
    device = _device(session, NIGHT)
    run(database, NIGHT + 20 * MINUTE)
    assert all_alerts(session)[0].state == "open"
    session.get(Device, device.id).enabled = False
    session.commit()
    run(database, NIGHT + 21 * MINUTE)
    run(database, NIGHT + 60 * MINUTE)
    [alert] = all_alerts(session)
    assert alert.state == "cleared" and alert.cleared_at == NIGHT + 21 * MINUTE


def test_deleted_device_clears_its_alert(database, session):
    device = _device(session, NIGHT)
    run(database, NIGHT + 20 * MINUTE)
    devices.delete_device(session, device.code)
    session.commit()
    run(database, NIGHT + 21 * MINUTE)
    [alert] = all_alerts(session)
    assert alert.state == "cleared" and alert.device_id is None and alert.open_key is None
    assert "?" in alerts.describe(alert)


def test_device_never_heard_counts_from_its_registration(database, session):
    _device(session, None, created_at=NIGHT)
    run(database, NIGHT + 5 * MINUTE)
    assert all_alerts(session) == []
    run(database, NIGHT + timedelta(hours=1))
    [alert] = all_alerts(session)
    assert alert.kind == "offline" and alert.started_at == NIGHT


def test_one_offline_alert_per_device(database, session):
    park = make_park(session, greenhouses=1)
    for code in ("th-a", "th-b"):
        make_device(session, park.greenhouses[0], code, last_seen_at=NIGHT)
    session.commit()
    for minutes in (20, 21, 22):
        run(database, NIGHT + minutes * MINUTE)
    got = all_alerts(session)
    assert sorted(a.device.code for a in got) == ["th-a", "th-b"]
    assert all(a.state == "open" for a in got)
