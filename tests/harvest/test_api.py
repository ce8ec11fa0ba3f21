"""The harvest API: POST/GET/PATCH /api/v1/harvests (the correction rule holds for tokens too), GET /reports/yield."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from farm import clock
from farm.models.crops import Planting
from farm.models.harvest import Harvest
from farm.models.people import PayrollMonth, Worker
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD

# "Today" and "now" stand still through each test (and cannot roll over midnight under it).
pytestmark = pytest.mark.usefixtures("frozen_clock")

BODY = {"greenhouse": "GH-001", "weight_kg": 12.5, "grade": "grade1", "crates": 1}


def stored(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Harvest))


def test_post_harvest_answers_201_with_crop_and_planting(client, session, farm, auth):
    r = client.post("/api/v1/harvests", json=BODY, headers=auth["manager"])
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["id"] and body["crop"] == "cucumber" and body["planting_id"] == farm.planting.id
    assert body["weight_kg"] == 12.5 and body["weight_jin"] == 25 and body["grade"] == "grade1"
    assert body["harvested_at"].endswith("+00:00")


def test_post_harvest_with_idempotency_key_stores_once(client, session, farm, auth):
    headers = {**auth["worker"], "Idempotency-Key": "7f1c3f0e-0000-4000-8000-000000000001"}
    first = client.post("/api/v1/harvests", json=BODY, headers=headers)
    second = client.post("/api/v1/harvests", json=BODY, headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.get_json()["id"] == second.get_json()["id"]
    assert stored(session) == 1


def test_post_harvest_refuses_an_overlong_idempotency_key(client, session, farm, auth):
    r = client.post("/api/v1/harvests", json=BODY, headers={**auth["manager"], "Idempotency-Key": "x" * 101})
    assert r.status_code == 400
    assert stored(session) == 0


@pytest.mark.parametrize("change, field", [
    ({"weight_kg": 0}, "weight_kg"), ({"weight_kg": -1}, "weight_kg"), ({"weight_kg": "abc"}, "weight_kg"),
    ({"weight_kg": 501}, "weight_kg"), ({"grade": "super"}, "grade"), ({"greenhouse": "GH-002"}, "greenhouse"),
    ({"greenhouse": "GH-404"}, "greenhouse"), ({"harvested_at": "2099-01-01T08:00:00+08:00"}, "harvested_at"),
    ({"harvested_at": "2026-08-01T08:00:00+08:00"}, "harvested_at"), ({"harvested_at": "yesterday"}, "harvested_at"),
    ({"crates": -1}, "crates"), ({"weight_kg": None}, "weight_kg"),
])
def test_post_harvest_bad_input_is_422_in_chinese_and_stores_nothing(client, session, farm, auth, change, field):
    r = client.post("/api/v1/harvests", json={**BODY, **change}, headers=auth["manager"])
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == "invalid" and field in error["fields"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["fields"][field]), error
    assert stored(session) == 0


def test_post_harvest_without_active_planting_says_so(client, session, farm, auth):
    r = client.post("/api/v1/harvests?lang=en", json={**BODY, "greenhouse": "GH-002"}, headers=auth["manager"])
    assert r.status_code == 422
    assert "no active planting" in r.get_json()["error"]["message"]


def test_post_harvest_statuses(client, session, farm, auth):
    assert client.post("/api/v1/harvests", json=BODY).status_code == 401
    assert client.post("/api/v1/harvests", json=BODY, headers=auth["viewer"]).status_code == 403
    r = client.post("/api/v1/harvests", data="not json", headers={**auth["manager"], "Content-Type": "text/plain"})
    assert r.status_code == 400
    assert client.post("/api/v1/harvests", json=[1, 2], headers=auth["manager"]).status_code == 400
    assert stored(session) == 0


def test_worker_token_logs_for_itself_only(client, session, farm, auth):
    other = Worker(name="张建国")
    session.add(other)
    session.commit()
    r = client.post("/api/v1/harvests", json={**BODY, "worker": other.id}, headers=auth["worker"])
    assert r.status_code == 403 and "worker" in r.get_json()["error"]["fields"]
    r = client.post("/api/v1/harvests", json=BODY, headers=auth["worker"])
    assert r.status_code == 201 and r.get_json()["worker"] == farm.worker.worker_id
    r = client.post("/api/v1/harvests", json={**BODY, "worker": farm.worker.worker_id}, headers=auth["worker"])
    assert r.status_code == 201
    assert stored(session) == 2


def test_get_harvests_filters_and_worker_sees_own(client, session, farm, auth):
    client.post("/api/v1/harvests", json=BODY, headers=auth["worker"])
    client.post("/api/v1/harvests", json={**BODY, "weight_kg": 30}, headers=auth["manager"])
    today = clock.today().isoformat()
    everything = client.get(f"/api/v1/harvests?date={today}", headers=auth["manager"]).get_json()
    assert len(everything["items"]) == 2 and everything["next"] is None
    mine = client.get("/api/v1/harvests", headers=auth["worker"]).get_json()["items"]
    assert [h["weight_kg"] for h in mine] == [12.5]
    by_worker = client.get(f"/api/v1/harvests?worker={farm.worker.worker_id}", headers=auth["viewer"]).get_json()
    assert [h["weight_kg"] for h in by_worker["items"]] == [12.5]
    assert client.get("/api/v1/harvests?greenhouse=GH-002", headers=auth["manager"]).get_json()["items"] == []
    yesterday = (clock.today() - timedelta(days=1)).isoformat()
    assert client.get(f"/api/v1/harvests?date={yesterday}", headers=auth["manager"]).get_json()["items"] == []
    assert client.get("/api/v1/harvests?date=nope", headers=auth["manager"]).status_code == 422
    assert client.get("/api/v1/harvests?grade=super", headers=auth["manager"]).status_code == 422
    assert client.get("/api/v1/harvests").status_code == 401


def test_get_harvests_pages_with_next(client, session, farm, auth):
    for _ in range(3):
        client.post("/api/v1/harvests", json=BODY, headers=auth["manager"])
    page = client.get("/api/v1/harvests?limit=2", headers=auth["manager"]).get_json()
    assert len(page["items"]) == 2 and page["next"]
    rest = client.get(page["next"], headers=auth["manager"]).get_json()
    assert len(rest["items"]) == 1 and rest["next"] is None


def test_patch_harvest_keeps_history(client, session, farm, auth):
    hid = client.post("/api/v1/harvests", json=BODY, headers=auth["worker"]).get_json()["id"]
    r = client.patch(f"/api/v1/harvests/{hid}", json={"weight_kg": "13.1", "reason": "复秤"}, headers=auth["manager"])
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["weight_kg"] == 13.1
    assert body["changes"][0]["before"] == {"weight_kg": "12.500"}
    assert body["changes"][0]["after"] == {"weight_kg": "13.100"}
    assert body["changes"][0]["changed_by"] == "manager" and body["changes"][0]["changed_at"]
    detail = client.get(f"/api/v1/harvests/{hid}", headers=auth["worker"]).get_json()
    assert len(detail["changes"]) == 1


def test_patch_harvest_statuses(client, session, farm, auth):
    hid = client.post("/api/v1/harvests", json=BODY, headers=auth["manager"]).get_json()["id"]
    assert client.patch(f"/api/v1/harvests/{hid}", json={"weight_kg": 1}).status_code == 401
    assert client.patch(f"/api/v1/harvests/{hid}", json={"weight_kg": 1}, headers=auth["viewer"]).status_code == 403
    assert client.patch(f"/api/v1/harvests/{hid}", json={"weight_kg": 1}, headers=auth["worker"]).status_code == 404
    assert client.patch("/api/v1/harvests/9999", json={"weight_kg": 1}, headers=auth["manager"]).status_code == 404
    assert client.patch(f"/api/v1/harvests/{hid}", json={"weight_kg": 0}, headers=auth["manager"]).status_code == 422
    assert client.patch(f"/api/v1/harvests/{hid}", json={"grade": "x"}, headers=auth["manager"]).status_code == 422
    assert client.post(f"/api/v1/harvests/{hid}/void", json={}, headers=auth["manager"]).status_code == 422
    assert client.post(f"/api/v1/harvests/{hid}/void", json={"reason": "重复"}, headers=auth["manager"]).status_code == 200
    assert client.patch(f"/api/v1/harvests/{hid}", json={"weight_kg": 2}, headers=auth["manager"]).status_code == 409
    session.expire_all()
    assert session.get(Harvest, hid).weight_kg == 12.5


def test_worker_token_may_not_move_or_backdate_a_record(client, session, farm, auth):
    client.post("/api/v1/harvests", json={**BODY, "greenhouse": "GH-001"}, headers=auth["manager"])
    session.add(Planting(greenhouse=farm.park.greenhouses[1], crop=farm.crop, planted_on=date(2026, 9, 1),
                         area_m2=800, status="growing"))
    session.commit()
    hid = client.post("/api/v1/harvests", json=BODY, headers=auth["worker"]).get_json()["id"]
    before = client.get(f"/api/v1/harvests/{hid}", headers=auth["worker"]).get_json()
    for change in ({"greenhouse": "GH-002"}, {"harvested_at": "2026-10-01T08:00:00+08:00"},
                   {"greenhouse": "GH-002", "harvested_at": "2026-10-01T08:00:00+08:00", "weight_kg": 1},
                   {"worker": farm.worker.worker_id}):
        r = client.patch(f"/api/v1/harvests/{hid}", json=change, headers=auth["worker"])
        assert r.status_code == 403, (change, r.get_json())
        error = r.get_json()["error"]
        assert set(error["fields"]) == set(change) - {"weight_kg"}
        assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])
    after = client.get(f"/api/v1/harvests/{hid}", headers=auth["worker"]).get_json()
    assert after == before and after["changes"] == []
    # what a worker may correct still goes through
    r = client.patch(f"/api/v1/harvests/{hid}", json={"weight_kg": "12.4", "note": "复秤"}, headers=auth["worker"])
    assert r.status_code == 200 and r.get_json()["weight_kg"] == 12.4
    # the manager may move and backdate it
    r = client.patch(f"/api/v1/harvests/{hid}", json={"greenhouse": "GH-002", "harvested_at": "2026-10-01T08:00:00+08:00"},
                     headers=auth["manager"])
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["greenhouse"] == "GH-002" and r.get_json()["day"] == "2026-10-01"


def test_worker_token_may_not_correct_anothers_late_or_closed_record(client, session, farm, auth):
    for_them = client.post("/api/v1/harvests", json={**BODY, "worker": farm.worker.worker_id},
                           headers=auth["manager"]).get_json()["id"]
    r = client.patch(f"/api/v1/harvests/{for_them}", json={"weight_kg": 1}, headers=auth["worker"])
    assert r.status_code == 403
    own = client.post("/api/v1/harvests", json=BODY, headers=auth["worker"]).get_json()["id"]
    with clock.frozen(clock.now() + timedelta(minutes=16)):
        assert client.patch(f"/api/v1/harvests/{own}", json={"weight_kg": 1}, headers=auth["worker"]).status_code == 403
    session.add(PayrollMonth(month=clock.month_of(clock.today())))
    session.commit()
    assert client.patch(f"/api/v1/harvests/{own}", json={"weight_kg": 1}, headers=auth["worker"]).status_code == 403
    session.expire_all()
    assert [h.weight_kg for h in session.scalars(select(Harvest).order_by(Harvest.id))] == [12.5, 12.5]


def test_worker_token_may_not_log_into_a_closed_pay_month(client, session, farm, auth):
    last_month = clock.previous_month(clock.month_of(clock.today()))
    session.add(PayrollMonth(month=last_month))
    session.commit()
    back = f"{last_month}-15T08:00:00+08:00"
    r = client.post("/api/v1/harvests", json={**BODY, "harvested_at": back}, headers=auth["worker"])
    assert r.status_code == 403 and last_month in r.get_json()["error"]["message"]
    assert stored(session) == 0
    # A manager may still record a late entry there (the pay difference is an adjustment).
    r = client.post("/api/v1/harvests", json={**BODY, "harvested_at": back}, headers=auth["manager"])
    assert r.status_code == 201, r.get_json()


def test_api_accepts_the_session_cookie_with_csrf_header(client, session, farm):
    login(client, "worker", PASSWORD)
    assert client.post("/api/v1/harvests", json=BODY).status_code == 400  # no X-CSRFToken
    token = csrf_token(client, "/harvest")
    r = client.post("/api/v1/harvests", json=BODY, headers={"X-CSRFToken": token, "Idempotency-Key": "a"})
    assert r.status_code == 201
    assert stored(session) == 1


def test_yield_report_by_day_crop_and_worker(client, session, farm, auth):
    client.post("/api/v1/harvests", json=BODY, headers=auth["worker"])
    client.post("/api/v1/harvests", json={**BODY, "weight_kg": 20, "grade": "premium"}, headers=auth["manager"])
    today = clock.today()
    span = f"from={today.isoformat()}&to={(today + timedelta(days=1)).isoformat()}"
    day = client.get(f"/api/v1/reports/yield?{span}&by=day", headers=auth["viewer"]).get_json()
    assert day["rows"] == [{"key": today.isoformat(), "label": today.isoformat(), "weight_kg": 32.5, "count": 2}]
    assert day["total_kg"] == 32.5
    crop = client.get(f"/api/v1/reports/yield?{span}&by=crop", headers=auth["manager"]).get_json()
    assert [(r["key"], r["weight_kg"]) for r in crop["rows"]] == [("cucumber", 32.5)]
    worker = client.get(f"/api/v1/reports/yield?{span}&by=worker", headers=auth["manager"]).get_json()
    assert {r["key"]: r["weight_kg"] for r in worker["rows"]} == {str(farm.worker.worker_id): 12.5, "": 20}
    grade = client.get(f"/api/v1/reports/yield?{span}&by=grade", headers=auth["manager"]).get_json()
    assert {r["key"]: r["count"] for r in grade["rows"]} == {"grade1": 1, "premium": 1}
    planting = client.get(f"/api/v1/reports/yield?{span}&by=planting", headers=auth["manager"]).get_json()
    row = planting["rows"][0]
    assert row["kg_per_m2"] == round(32.5 / 800, 2) and row["area_mu"] == round(800 / 666.7, 2)


def test_yield_report_statuses(client, session, farm, auth):
    assert client.get("/api/v1/reports/yield").status_code == 401
    assert client.get("/api/v1/reports/yield", headers=auth["worker"]).status_code == 403
    assert client.get("/api/v1/reports/yield?by=colour", headers=auth["manager"]).status_code == 422
    assert client.get("/api/v1/reports/yield?from=2026-11-10&to=2026-11-01", headers=auth["manager"]).status_code == 422
    assert client.get("/api/v1/reports/yield?from=bad", headers=auth["manager"]).status_code == 422
    r = client.get("/api/v1/reports/yield", headers=auth["manager"])
    assert r.status_code == 200 and all(x["weight_kg"] == 0 for x in r.get_json()["rows"])


def test_yield_report_weeks_and_months_start_inside_the_range(client, session, farm, auth):
    for at in ("2026-11-02T08:00:00+08:00", "2026-11-08T08:00:00+08:00", "2026-11-09T08:00:00+08:00"):
        client.post("/api/v1/harvests", json={**BODY, "harvested_at": at}, headers=auth["manager"])
    weeks = client.get("/api/v1/reports/yield?from=2026-11-02&to=2026-11-16&by=week", headers=auth["manager"]).get_json()
    assert [(r["key"], r["weight_kg"]) for r in weeks["rows"]] == [("2026-11-02", 25.0), ("2026-11-09", 12.5)]
    # 2026-11-04 is a Wednesday: the week of 11-02 does not start inside the range.
    later = client.get("/api/v1/reports/yield?from=2026-11-04&to=2026-11-16&by=week", headers=auth["manager"]).get_json()
    assert [r["key"] for r in later["rows"]] == ["2026-11-09"]
    months = client.get("/api/v1/reports/yield?from=2026-11-01&to=2027-01-01&by=month", headers=auth["manager"]).get_json()
    assert [(r["key"], r["weight_kg"]) for r in months["rows"]] == [("2026-11-01", 37.5), ("2026-12-01", 0)]


def test_openapi_describes_the_harvest_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/harvests", "/api/v1/harvests/{harvest_id}", "/api/v1/reports/yield"} <= set(paths)
