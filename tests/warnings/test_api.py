"""The warnings API: listing with filters, follow-up and close with bad input, and who may see and do what."""
from __future__ import annotations

import pytest

from farm.models.warnings import FollowUp, Warning
from tests.factories import bearer, token_for
from tests.land.factories import make_household
from tests.warnings.factories import make_warning

pytestmark = pytest.mark.usefixtures("frozen_clock")


@pytest.fixture
def heads(session, users) -> dict:
    return {role: bearer(token_for(session, user)) for role, user in users.items()}


@pytest.fixture
def two(session):
    first = make_warning(session, make_household(session, name="王建国"))
    second = make_warning(session, make_household(session, name="李桂兰", group="曙光村二组"), kind="stopped_working",
                          figures={"days": 30, "since": "2026-10-29", "regular_days": 10,
                                   "workers": [{"worker_id": 1, "name": "李小兰", "last_present": "2026-10-28",
                                                "days_present": [15, 15]}]})
    session.commit()
    return first, second


def _counts(session):
    session.expire_all()
    return session.query(FollowUp).count(), [w.state for w in session.query(Warning).order_by(Warning.id)]


def test_api_warnings_list_and_filters(client, session, heads, two):
    first, second = two
    answer = client.get("/api/v1/warnings", headers=heads["official"])
    assert answer.status_code == 200
    items = answer.get_json()["items"]
    assert {i["id"] for i in items} == {first.id, second.id}
    one = next(i for i in items if i["id"] == first.id)
    assert one["household_id"] == first.household_id and one["kind"] == "rent_overdue" and one["state"] == "open"
    assert one["reason"] == "拖欠租金" and one["figures"]["owed"] == "8000.00" and one["follow_ups"] == []
    assert one["opened_at"].endswith("+00:00") and one["condition_holds"] is True

    by_household = client.get(f"/api/v1/warnings?household={second.household_id}", headers=heads["official"])
    assert [i["id"] for i in by_household.get_json()["items"]] == [second.id]
    by_state = client.get("/api/v1/warnings?state=closed", headers=heads["manager"])
    assert by_state.get_json()["items"] == []
    by_kind = client.get("/api/v1/warnings?kind=stopped_working&group=曙光村二组", headers=heads["admin"])
    assert [i["id"] for i in by_kind.get_json()["items"]] == [second.id]


@pytest.mark.parametrize("query, field", [("state=shut", "state"), ("household=abc", "household"),
                                          ("household=99999", "household"), ("kind=poor", "kind")])
def test_api_warnings_bad_filters(client, heads, two, query, field):
    answer = client.get(f"/api/v1/warnings?{query}", headers=heads["official"])
    assert answer.status_code == 422
    assert field in answer.get_json()["error"]["fields"]


def test_api_follow_up_then_close(client, session, heads, users, two):
    first, _second = two
    answer = client.post(f"/api/v1/warnings/{first.id}/follow-ups", headers=heads["official"],
                         json={"measure": "rent_paid", "note": "已催园区补发租金"})
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["id"] and body["warning_id"] == first.id and body["measure"] == "rent_paid"
    assert body["by"] == "official" and body["note"] == "已催园区补发租金"
    assert _counts(session) == (1, ["following", "open"])

    closed = client.post(f"/api/v1/warnings/{first.id}/close", headers=heads["official"],
                         json={"reason": "租金已付清，风险消除"})
    assert closed.status_code == 200
    data = closed.get_json()
    assert data["state"] == "closed" and data["close_reason"] == "租金已付清，风险消除"
    assert data["closed_by"] == "official" and data["closed_at"] and len(data["follow_ups"]) == 1

    again = client.post(f"/api/v1/warnings/{first.id}/close", headers=heads["official"], json={"reason": "再关"})
    assert again.status_code == 409
    late = client.post(f"/api/v1/warnings/{first.id}/follow-ups", headers=heads["manager"],
                       json={"measure": "other", "note": "太晚了"})
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "conflict"
    assert _counts(session) == (1, ["closed", "open"])


@pytest.mark.parametrize("path, body, field", [
    ("close", {}, "reason"),
    ("close", {"reason": "   "}, "reason"),
    ("close", {"reason": 5}, "reason"),
    ("close", {"reason": "x" * 1001}, "reason"),
    ("follow-ups", {"note": "找工作"}, "measure"),
    ("follow-ups", {"measure": "pray", "note": "找工作"}, "measure"),
    ("follow-ups", {"measure": "employment"}, "note"),
    ("follow-ups", {"measure": "employment", "note": ""}, "note"),
    ("follow-ups", {"measure": 1, "note": "找工作"}, "measure"),
    ("follow-ups", {"measure": "employment", "note": ["找工作"]}, "note"),
])
def test_api_bad_input_stores_nothing(client, session, heads, two, path, body, field):
    first, _second = two
    answer = client.post(f"/api/v1/warnings/{first.id}/{path}", headers=heads["official"], json=body)
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["error"]["fields"]
    assert _counts(session) == (0, ["open", "open"])


def test_api_unknown_warning_and_malformed_body(client, session, heads, two):
    for path in ("close", "follow-ups"):
        answer = client.post(f"/api/v1/warnings/99999/{path}", headers=heads["official"],
                             json={"reason": "x", "measure": "other", "note": "x"})
        assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/warnings/99999", headers=heads["official"]).status_code == 404
    first, _ = two
    raw = client.post(f"/api/v1/warnings/{first.id}/close", headers={**heads["official"], "Content-Type": "text/plain"},
                      data="close it")
    assert raw.status_code == 400
    assert _counts(session) == (0, ["open", "open"])


@pytest.mark.parametrize("role, reads, records", [("admin", 200, 201), ("manager", 200, 201), ("official", 200, 201),
                                                   ("viewer", 403, 403), ("worker", 403, 403)])
def test_api_who_sees_and_records_warnings(client, session, heads, two, role, reads, records):
    first, _ = two
    assert client.get("/api/v1/warnings", headers=heads[role]).status_code == reads
    assert client.get(f"/api/v1/warnings/{first.id}", headers=heads[role]).status_code == reads
    answer = client.post(f"/api/v1/warnings/{first.id}/follow-ups", headers=heads[role],
                         json={"measure": "training", "note": "报名参加育苗培训"})
    assert answer.status_code == records
    assert client.get("/api/v1/warnings").status_code == 401
