"""The readings, devices and rejects API, the greenhouse API's `latest`, the pages, and the ingest health."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from farm.models.sensors import Device, IngestHeartbeat, IngestReject, LatestReading, Reading
from farm.services import devices as service
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, bearer, make_park, make_users, token_for

T0 = datetime(2026, 11, 28, 0, 0, tzinfo=timezone.utc)


@pytest.fixture
def arranged(session):
    park = make_park(session, greenhouses=2)
    gh1, gh2 = park.greenhouses
    users = make_users(session)
    d1 = Device(code="th-001", greenhouse_id=gh1.id, name="北端", last_seen_at=T0, message_count=3)
    d2 = Device(code="th-002", greenhouse_id=gh1.id)
    session.add_all([d1, d2])
    session.flush()
    for i in range(12):  # one reading a minute from each device
        session.add(Reading(device_id=d1.id, greenhouse_id=gh1.id, metric="temperature",
                            ts=T0 + timedelta(minutes=i), value=10.0 + i))
        session.add(Reading(device_id=d2.id, greenhouse_id=gh1.id, metric="temperature",
                            ts=T0 + timedelta(minutes=i, seconds=30), value=20.0))
    session.add(LatestReading(greenhouse_id=gh1.id, metric="temperature", device_id=d1.id, value=21.0,
                              ts=T0 + timedelta(minutes=11)))
    session.add(IngestReject(received_at=T0, topic="farm/yawei/GH-001/th-001/telemetry", payload="{bad",
                             reason="malformed_json", detail="Expecting value"))
    session.commit()
    tokens = {role: token_for(session, user) for role, user in users.items()}
    return {"park": park, "tokens": tokens, "d1": d1, "d2": d2}


def get(client, tokens, url, role="manager"):
    return client.get(url, headers=bearer(tokens[role]))


def test_readings_raw_over_all_devices_from_inclusive_to_exclusive(client, arranged):
    r = get(client, arranged["tokens"], "/api/v1/readings?greenhouse=GH-001&metric=temperature"
            "&from=2026-11-28T08:00:00%2B08:00&to=2026-11-28T00:05:00Z")
    assert r.status_code == 200, r.get_json()
    points = r.get_json()["points"]
    assert len(points) == 10  # minutes 0-4 from both devices; minute 5 is excluded
    assert points[0] == {"ts": "2026-11-28T00:00:00+00:00", "value": 10.0}


def test_readings_one_device_and_rolled_up(client, arranged):
    tokens = arranged["tokens"]
    base = "/api/v1/readings?greenhouse=gh-001&metric=temperature&from=2026-11-28T00:00:00Z&to=2026-11-28T01:00:00Z"
    assert len(get(client, tokens, base + "&device=th-001").get_json()["points"]) == 12
    rolled = get(client, tokens, base + "&device=th-001&resolution=5m").get_json()["points"]
    assert rolled[0] == {"ts": "2026-11-28T00:00:00+00:00", "min": 10.0, "mean": 12.0, "max": 14.0, "count": 5}
    assert [p["count"] for p in rolled] == [5, 5, 2]


@pytest.mark.parametrize("query, status, field", [
    ("metric=temperature", 422, "greenhouse"),
    ("greenhouse=GH-001", 422, "metric"),
    ("greenhouse=GH-001&metric=wind", 422, "metric"),
    ("greenhouse=GH-001&metric=co2&resolution=2m", 422, "resolution"),
    ("greenhouse=GH-001&metric=co2&from=yesterday", 422, "from"),
    ("greenhouse=GH-001&metric=co2&from=2026-11-28T08:00:00", 422, "from"),
    ("greenhouse=GH-001&metric=co2&from=2026-11-29T00:00:00Z&to=2026-11-28T00:00:00Z", 422, "to"),
    ("greenhouse=GH-404&metric=co2", 404, "greenhouse"),
    ("greenhouse=GH-002&metric=co2&device=th-001", 404, "device"),
])
def test_readings_bad_queries_answer_clear_errors(client, arranged, query, status, field):
    r = get(client, arranged["tokens"], "/api/v1/readings?" + query)
    assert r.status_code == status
    assert field in r.get_json()["error"]["fields"]


def test_readings_worker_is_refused(client, arranged):
    assert get(client, arranged["tokens"], "/api/v1/readings?greenhouse=GH-001&metric=co2", "worker").status_code == 403


def test_greenhouses_api_latest_filled_from_latest_table(client, arranged):
    body = get(client, arranged["tokens"], "/api/v1/greenhouses/GH-001", "viewer").get_json()
    assert body["latest"] == {"temperature": {"value": 21.0, "ts": "2026-11-28T00:11:00+00:00"}}
    items = get(client, arranged["tokens"], "/api/v1/greenhouses").get_json()["items"]
    assert items[1]["latest"] == {}


def test_rejects_api_for_managers_only(client, arranged):
    items = get(client, arranged["tokens"], "/api/v1/ingest/rejects").get_json()["items"]
    assert items[0]["reason"] == "malformed_json" and items[0]["payload"] == "{bad"
    assert set(items[0]) >= {"received_at", "topic", "payload", "reason"}
    assert get(client, arranged["tokens"], "/api/v1/ingest/rejects", "viewer").status_code == 403


def test_devices_api_rename_move_disable_and_delete(client, session, arranged):
    tokens, d1_id = arranged["tokens"], arranged["d1"].id
    devices = get(client, tokens, "/api/v1/devices", "viewer").get_json()["items"]
    assert [d["code"] for d in devices] == ["th-001", "th-002"]
    assert devices[0]["message_count"] == 3 and devices[0]["greenhouse"] == "GH-001"
    r = client.patch("/api/v1/devices/th-002", json={"name": "南端", "greenhouse": "GH-002", "enabled": False},
                     headers=bearer(tokens["manager"]))
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["greenhouse"] == "GH-002" and r.get_json()["enabled"] is False
    assert client.patch("/api/v1/devices/th-002", json={"name": "x"},
                        headers=bearer(tokens["viewer"])).status_code == 403
    assert client.delete("/api/v1/devices/th-001", headers=bearer(tokens["manager"])).status_code == 204
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Reading).where(
        Reading.device_id == d1_id)) == 0
    assert client.delete("/api/v1/devices/th-001", headers=bearer(tokens["manager"])).status_code == 404


@pytest.mark.parametrize("body, field", [({"greenhouse": "GH-404"}, "greenhouse"), ({"enabled": "perhaps"}, "enabled"),
                                         ({"name": "x" * 300}, "name")])
def test_devices_api_bad_change_changes_nothing(client, session, arranged, body, field):
    r = client.patch("/api/v1/devices/th-001", json=body, headers=bearer(arranged["tokens"]["manager"]))
    assert r.status_code == 422 and field in r.get_json()["error"]["fields"]
    session.expire_all()
    device = session.scalar(select(Device).where(Device.code == "th-001"))
    assert (device.name, device.greenhouse.code, device.enabled) == ("北端", "GH-001", True)


def test_devices_pages_list_edit_and_rejects(client, session, arranged):
    login(client, "manager", PASSWORD)
    page = client.get("/devices").get_data(as_text=True)
    assert "th-001" in page and "北端" in page
    token = csrf_token(client, "/devices/th-001/edit")
    bad = client.post("/devices/th-001/edit", data={"csrf_token": token, "name": "a", "greenhouse": "GH-404",
                                                    "enabled": "1"})
    assert bad.status_code == 422
    ok = client.post("/devices/th-001/edit", data={"csrf_token": token, "name": "新名字", "greenhouse": "GH-002"})
    assert ok.status_code == 302
    session.expire_all()
    device = session.scalar(select(Device).where(Device.code == "th-001"))
    assert (device.name, device.greenhouse.code, device.enabled) == ("新名字", "GH-002", False)
    rejects = client.get("/devices/rejects").get_data(as_text=True)
    assert "{bad" in rejects and "farm/yawei/GH-001/th-001/telemetry" in rejects
    assert client.post("/devices/th-002/delete", data={"csrf_token": token}).status_code == 302
    session.expire_all()
    assert session.scalar(select(Device).where(Device.code == "th-002")) is None
    assert client.get("/dashboard").status_code == 200


def test_devices_page_viewer_sees_no_edit(client, arranged):
    login(client, "viewer", PASSWORD)
    page = client.get("/devices").get_data(as_text=True)
    assert "th-001" in page and "/devices/th-001/edit" not in page
    assert client.get("/devices/rejects").status_code == 403


def test_health_reports_ingest_from_heartbeat(client, session, arranged):
    assert client.get("/healthz").get_json()["ingest"] == "not running"
    now = datetime.now(timezone.utc)
    session.add(IngestHeartbeat(client_id="x", started_at=now, beat_at=now))
    session.commit()
    assert client.get("/healthz").get_json()["ingest"] == "ok"
    assert service.ingest_state(session, now + timedelta(minutes=5)) == "stale"


def test_prune_rejects_keeps_the_newest(session, arranged):
    for i in range(20):
        session.add(IngestReject(received_at=T0, topic="t", payload=str(i), reason="empty", detail=""))
    session.commit()
    from farm.services import settings

    settings.put(session, "sensors.rejects_kept", "10")
    assert service.prune_rejects(session) == 11
    session.commit()
    assert [r.payload for r in service.recent_rejects(session, 3)] == ["19", "18", "17"]
