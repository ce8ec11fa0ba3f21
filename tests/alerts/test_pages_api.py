"""The alerts API and pages: listing with filters, acknowledging (managers only, with CSRF and a note), the menu
badge, the dashboard panel, the greenhouse page's link, and the notifications page."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from farm.models.alerts import Alert, Notification
from farm.services import notify
from tests.alerts.conftest import MINUTE, NIGHT, add_series, all_alerts, run
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, bearer, make_users, token_for


@pytest.fixture
def arranged(database, session, park):
    """On GH-001 a cold spell that cleared, then a frost still open (one alert, not also a cold one); GH-002's
    sensor silent.

    Ids in the order they opened: 1 offline (at the run), 2 cold (cleared), 3 frost.
    """
    users = make_users(session)
    session.commit()
    add_series(session, park["tomato"].device, NIGHT, [11.0] * 11 + [14.0] + [-3.0] * 11)
    run(database, NIGHT + 25 * MINUTE)
    tokens = {role: token_for(session, user) for role, user in users.items()}
    got = all_alerts(session)
    assert [(a.kind, a.state) for a in got] == [("offline", "open"), ("cold", "cleared"), ("frost", "open")]
    return {"tokens": tokens, "alerts": {"frost": got[2], "cleared": got[1], "offline": got[0]}}


def _get(client, tokens, url, role="viewer"):
    return client.get(url, headers=bearer(tokens[role]))


def test_api_lists_alerts_open_first_with_messages(client, arranged):
    r = _get(client, arranged["tokens"], "/api/v1/alerts")
    assert r.status_code == 200
    items = r.get_json()["items"]
    # Open first, newest first, then the history.
    assert [(i["greenhouse"], i["kind"], i["state"]) for i in items] == [
        ("GH-002", "offline", "open"), ("GH-001", "frost", "open"), ("GH-001", "cold", "cleared")]
    frost = items[1]
    assert {"id", "greenhouse", "kind", "metric", "severity", "state", "opened_at", "cleared_at", "message"} <= set(frost)
    assert frost["severity"] == "critical" and frost["metric"] == "temperature" and frost["cleared_at"] is None
    assert frost["opened_at"].endswith("+00:00") and frost["worst_value"] == -3.0
    assert "冻害" in frost["message"]  # the park's language by default
    english = _get(client, arranged["tokens"], "/api/v1/alerts?state=open&lang=en").get_json()["items"]
    assert english[1]["message"].startswith("Frost in GH-001: -3.0 °C")


def test_api_filters_by_state_and_greenhouse(client, arranged):
    tokens = arranged["tokens"]
    cleared = _get(client, tokens, "/api/v1/alerts?state=cleared").get_json()["items"]
    assert [i["kind"] for i in cleared] == ["cold"] and cleared[0]["cleared_at"]
    gh2 = _get(client, tokens, "/api/v1/alerts?state=open&greenhouse=gh-002").get_json()["items"]
    assert [i["kind"] for i in gh2] == ["offline"] and gh2[0]["device"] == "th-002"


@pytest.mark.parametrize("query, field", [("state=closed", "state"), ("greenhouse=GH-999", "greenhouse")])
def test_api_bad_filter_is_422_translated(client, arranged, query, field):
    r = _get(client, arranged["tokens"], f"/api/v1/alerts?{query}")
    assert r.status_code == 422
    error = r.get_json()["error"]
    assert error["code"] == "invalid" and field in error["fields"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["fields"][field])  # Chinese


def test_api_worker_is_forbidden_and_viewer_cannot_acknowledge(client, arranged):
    tokens = arranged["tokens"]
    assert _get(client, tokens, "/api/v1/alerts", "worker").status_code == 403
    frost = arranged["alerts"]["frost"]
    r = client.post(f"/api/v1/alerts/{frost.id}/acknowledge", json={"note": "看过了"}, headers=bearer(tokens["viewer"]))
    assert r.status_code == 403


def test_api_acknowledge_once_with_a_note(client, session, arranged):
    tokens = arranged["tokens"]
    frost = arranged["alerts"]["frost"]
    url = f"/api/v1/alerts/{frost.id}/acknowledge"
    for body, status in (({}, 422), ({"note": "   "}, 422), ({"note": "x" * 501}, 422)):
        r = client.post(url, json=body, headers=bearer(tokens["manager"]))
        assert r.status_code == status and "note" in r.get_json()["error"]["fields"]
    assert session.get(Alert, frost.id).acknowledged_at is None  # nothing stored
    assert client.post(url, data="note", headers=bearer(tokens["manager"])).status_code == 400
    r = client.post(url, json={"note": "盖好了保温被，开了热风炉"}, headers=bearer(tokens["manager"]))
    assert r.status_code == 200
    body = r.get_json()
    assert body["acknowledged_by"] == "manager" and body["note"] == "盖好了保温被，开了热风炉"
    again = client.post(url, json={"note": "again"}, headers=bearer(tokens["admin"]))
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"
    session.expire_all()
    assert session.get(Alert, frost.id).ack_note == "盖好了保温被，开了热风炉"
    assert client.post("/api/v1/alerts/9999/acknowledge", json={"note": "x"},
                       headers=bearer(tokens["manager"])).status_code == 404


def test_page_lists_open_first_and_filters(client, arranged):
    login(client, "viewer", PASSWORD)
    page = client.get("/alerts/").get_data(as_text=True)
    assert page.index("GH-002 · 传感器离线") < page.index("GH-001 · 冻害") < page.rindex("GH-001 · 温度过低")
    assert page.rindex("已解除") > page.index("GH-001 · 冻害")  # the cleared cold alert comes last
    assert "有冻害危险" in page
    only = client.get("/alerts/?greenhouse=GH-002").get_data(as_text=True)
    assert "传感器离线" in only and "冻害" not in only
    bad = client.get("/alerts/?state=closed")
    assert bad.status_code == 422 and "请选择" in bad.get_data(as_text=True)


def test_page_is_forbidden_to_workers(client, arranged):
    login(client, "worker", PASSWORD)
    assert client.get("/alerts/").status_code == 403
    assert client.get(f"/alerts/{arranged['alerts']['frost'].id}").status_code == 403


def test_menu_badge_counts_open_unacknowledged_alerts(client, session, arranged):
    login(client, "viewer", PASSWORD)
    assert 'class="nav-badge"' in client.get("/park").get_data(as_text=True)
    page = client.get("/park").get_data(as_text=True)
    assert '告警 <span class="nav-badge" title="未确认的告警">2</span>' in page  # the frost (one alert) and the silent sensor
    for alert in session.scalars(select(Alert).where(Alert.state == "open")):
        alert.acknowledged_at = alert.opened_at
    session.commit()
    assert 'class="nav-badge"' not in client.get("/park").get_data(as_text=True)


def test_dashboard_panel_and_greenhouse_link(client, arranged):
    login(client, "viewer", PASSWORD)
    dash = client.get("/dashboard").get_data(as_text=True)
    assert "未解除的告警" in dash and "有冻害危险" in dash
    gh = client.get("/greenhouses/GH-001").get_data(as_text=True)
    assert '/alerts/?greenhouse=GH-001">告警记录</a>' in gh


def test_acknowledge_form_needs_csrf_and_a_note(client, session, arranged):
    frost = arranged["alerts"]["frost"]
    login(client, "manager", PASSWORD)
    detail = client.get(f"/alerts/{frost.id}")
    assert detail.status_code == 200 and "看到的情况或采取的措施" in detail.get_data(as_text=True)
    url = f"/alerts/{frost.id}/acknowledge"
    assert client.post(url, data={"note": "no token"}).status_code == 400
    token = csrf_token(client, f"/alerts/{frost.id}")
    empty = client.post(url, data={"note": "", "csrf_token": token})
    assert empty.status_code == 422 and "此项必填。" in empty.get_data(as_text=True)
    session.expire_all()
    assert session.get(Alert, frost.id).acknowledged_at is None
    ok = client.post(url, data={"note": "已处理", "csrf_token": token})
    assert ok.status_code == 302
    page = client.get(ok.location).get_data(as_text=True)
    assert "已处理" in page and "告警已确认" in page
    twice = client.post(url, data={"note": "again", "csrf_token": token})
    assert twice.status_code == 409


def test_viewer_sees_no_acknowledge_form_and_may_not_post(client, arranged):
    frost = arranged["alerts"]["frost"]
    login(client, "viewer", PASSWORD)
    page = client.get(f"/alerts/{frost.id}").get_data(as_text=True)
    assert "尚未确认" in page and 'name="note"' not in page
    token = csrf_token(client, f"/alerts/{frost.id}")
    assert client.post(f"/alerts/{frost.id}/acknowledge", data={"note": "x", "csrf_token": token}).status_code == 403


def test_notifications_page_shows_failures_for_managers(client, session, arranged):
    notify.enqueue(session, "alert-x", "【严重】GH-001：冻害", "body")  # no channel on: nothing queued
    assert session.scalars(select(Notification)).all() == []
    session.add(Notification(key="alert-1", channel="webhook", subject="【严重】GH-001：冻害", body="b", state="failed",
                             attempts=5, next_attempt_at=NIGHT, created_at=NIGHT, last_error="HTTP 500 Internal",
                             log="x #5: HTTP 500 Internal"))
    session.commit()
    login(client, "viewer", PASSWORD)
    assert client.get("/alerts/notifications").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/alerts/")})
    login(client, "manager", PASSWORD)
    page = client.get("/alerts/notifications").get_data(as_text=True)
    assert "HTTP 500 Internal" in page and "失败" in page and "重新发送" in page
    token = csrf_token(client, "/alerts/notifications")
    test = client.post("/alerts/notifications/test", data={"csrf_token": token}, follow_redirects=True)
    assert "没有开启任何通知渠道" in test.get_data(as_text=True)
    row = session.scalar(select(Notification))
    client.post(f"/alerts/notifications/{row.id}/retry", data={"csrf_token": token})
    session.expire_all()
    assert session.get(Notification, row.id).state == "pending"
