"""The people API (docs/api.md): POST /workers, POST /jobs, GET /payroll?month=, and their bad inputs."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from farm.models.people import Assignment, Job, PayAdjustment, Worker
from tests.people.conftest import add_harvest


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def job(client, auth, **change):
    body = {"kind": "harvest", "greenhouse": "GH-001", "date": "2026-09-14", "workers": [], "hours": 8, **change}
    return client.post("/api/v1/jobs", json=body, headers=auth["manager"])


def test_post_worker_answers_201_with_id(client, session, farm, auth):
    r = client.post("/api/v1/workers", json={"name": "张三", "phone": "13800000000", "daily_wage": 155.5},
                    headers=auth["manager"])
    assert r.status_code == 201, r.get_json()
    w = session.get(Worker, r.get_json()["id"])
    assert w.name == "张三" and str(w.daily_wage) == "155.50"


@pytest.mark.parametrize("body, field", [
    ({"phone": "1"}, "name"),
    ({"name": "x", "daily_wage": -1}, "daily_wage"),
    ({"name": "x", "daily_wage": "abc"}, "daily_wage"),
    ({"name": "x", "household_id": 999}, "household_id"),
    ({"name": "x", "status": "fired"}, "status"),
])
def test_post_worker_bad_input_is_422_and_stores_nothing(client, session, farm, auth, body, field):
    before = count(session, Worker)
    r = client.post("/api/v1/workers", json=body, headers=auth["manager"])
    assert r.status_code == 422 and field in r.get_json()["error"]["fields"], r.get_json()
    assert count(session, Worker) == before


def test_post_worker_is_for_managers_only(client, farm, auth):
    for role in ("worker", "viewer"):
        assert client.post("/api/v1/workers", json={"name": "x"}, headers=auth[role]).status_code == 403
    assert client.post("/api/v1/workers", json={"name": "x"}).status_code == 401
    assert client.post("/api/v1/workers", data="{", headers={**auth["manager"], "Content-Type": "application/json"}
                       ).status_code == 400


def test_workers_id_number_in_full_for_admins_only(client, farm, auth):
    r = client.get(f"/api/v1/workers/{farm.bob.id}", headers=auth["admin"])
    assert r.get_json()["id_number"] == "150303198001011234"
    r = client.get(f"/api/v1/workers/{farm.bob.id}", headers=auth["manager"])
    assert r.get_json()["id_number"] == "1503**********1234"
    assert client.get("/api/v1/workers", headers=auth["manager"]).get_json()["items"][0]["id_number"].count("*") == 10
    assert client.get(f"/api/v1/workers/{farm.bob.id}", headers=auth["worker"]).status_code == 403
    own = client.get(f"/api/v1/workers/{farm.alice.id}", headers=auth["worker"])
    assert own.status_code == 200 and own.get_json()["name"] == "王秀英"


def test_post_job_answers_201_and_books_workers(client, session, farm, auth):
    r = job(client, auth, workers=[farm.alice.id, farm.bob.id])
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["id"] and body["workers"] == [farm.alice.id, farm.bob.id] and body["greenhouse"] == "GH-001"
    shed = job(client, auth, kind="packing", greenhouse=None, workers=[farm.alice.id], hours=3)
    assert shed.status_code == 201 and shed.get_json()["greenhouse"] is None


@pytest.mark.parametrize("change, field", [
    ({"hours": -1}, "hours"),
    ({"hours": 25}, "hours"),
    ({"kind": "dancing"}, "kind"),
    ({"greenhouse": "GH-999"}, "greenhouse"),
    ({"date": "2026-02-30"}, "date"),
    ({"workers": [99999]}, "workers"),
    ({"workers": ["abc"]}, "workers.0"),
])
def test_post_job_bad_input_is_422_and_stores_nothing(client, session, farm, auth, change, field):
    r = job(client, auth, **change)
    assert r.status_code == 422, r.get_json()
    assert field in r.get_json()["error"]["fields"], r.get_json()
    assert count(session, Job) == 0


def test_post_job_refuses_more_than_24_hours_a_day(client, session, farm, auth):
    assert job(client, auth, workers=[farm.alice.id], hours=16).status_code == 201
    r = job(client, auth, workers=[farm.alice.id], hours=9, kind="packing", greenhouse=None)
    assert r.status_code == 422 and "24" in r.get_json()["error"]["message"] + str(r.get_json()["error"]["fields"])
    assert count(session, Job) == 1


def test_post_job_before_the_worker_started_is_422(client, session, farm, auth):
    r = job(client, auth, workers=[farm.bob.id], date="2026-09-01")  # bob started on 09-10
    assert r.status_code == 422 and "workers" in r.get_json()["error"]["fields"]
    r = client.get("/api/v1/jobs?date=2026-09-01", headers=auth["manager"])
    assert r.get_json()["items"] == []


def test_attendance_negative_hours_and_closed_month(client, session, farm, auth):
    made = job(client, auth, workers=[farm.alice.id]).get_json()
    url = f"/api/v1/jobs/{made['id']}/attendance"
    bad = client.post(url, json={"entries": [{"worker_id": farm.alice.id, "present": True, "hours": -2}]},
                      headers=auth["manager"])
    assert bad.status_code == 422
    ok = client.post(url, json={"entries": [{"worker_id": farm.alice.id, "present": True, "hours": 7.5}]},
                     headers=auth["manager"])
    assert ok.status_code == 200 and ok.get_json()["assignments"][0]["hours"] == 7.5
    closed = client.post("/api/v1/payroll/2026-09/close", headers=auth["manager"])
    assert closed.status_code == 201 and closed.get_json()["total"] == 150
    again = client.post(url, json={"entries": [{"worker_id": farm.alice.id, "present": False}]},
                        headers=auth["manager"])
    assert again.status_code == 409 and "2026-09" in again.get_json()["error"]["message"]
    session.expire_all()
    assert session.scalar(select(Assignment.hours)) == 7.5
    assert job(client, auth, workers=[farm.alice.id], date="2026-09-20").status_code == 409
    adj = client.post("/api/v1/payroll/adjustments", json={"worker_id": farm.alice.id, "month": "2026-09",
                                                           "amount": 5, "reason": "补发"}, headers=auth["manager"])
    assert adj.status_code == 409 and count(session, PayAdjustment) == 0
    assert client.post("/api/v1/payroll/2026-09/close", headers=auth["manager"]).status_code == 409


def test_get_payroll_items_have_contract_fields(client, session, farm, auth):
    made = job(client, auth, workers=[farm.alice.id, farm.bob.id]).get_json()
    client.post(f"/api/v1/jobs/{made['id']}/attendance", headers=auth["manager"], json={"entries": [
        {"worker_id": farm.alice.id, "present": True, "hours": 8},
        {"worker_id": farm.bob.id, "present": False}]})
    add_harvest(session, farm, farm.alice, date(2026, 9, 14), "12.5", crates=2)
    session.commit()
    r = client.get("/api/v1/payroll?month=2026-09", headers=auth["manager"])
    assert r.status_code == 200
    items = r.get_json()["items"]
    assert items == [{"worker_id": farm.alice.id, "name": "王秀英", "days": 1, "hours": 8, "piece_kg": 12.5,
                      "crates": 2, "wage": 150, "piece_pay": 3.5, "adjustments": 0, "total": 153.5}]
    assert r.get_json()["next"] is None


@pytest.mark.parametrize("month", ["2026-13", "2026-9", "abc", "2026-09-01"])
def test_get_payroll_bad_month_is_422(client, farm, auth, month):
    r = client.get(f"/api/v1/payroll?month={month}", headers=auth["manager"])
    assert r.status_code == 422 and "month" in r.get_json()["error"]["fields"]


def test_worker_sees_only_their_own_pay(client, session, farm, auth):
    made = job(client, auth, workers=[farm.alice.id, farm.bob.id]).get_json()
    client.post(f"/api/v1/jobs/{made['id']}/attendance", headers=auth["manager"], json={"entries": [
        {"worker_id": farm.alice.id, "present": True, "hours": 8},
        {"worker_id": farm.bob.id, "present": True, "hours": 8}]})
    mine = client.get("/api/v1/payroll?month=2026-09", headers=auth["worker"]).get_json()["items"]
    assert [i["worker_id"] for i in mine] == [farm.alice.id]
    assert client.get(f"/api/v1/payroll?month=2026-09&worker={farm.bob.id}", headers=auth["worker"]).status_code == 403
    assert client.get(f"/api/v1/payroll/2026-09/workers/{farm.bob.id}", headers=auth["worker"]).status_code == 403
    assert client.get("/api/v1/payroll?month=2026-09", headers=auth["viewer"]).status_code == 403
    slip = client.get(f"/api/v1/payroll/2026-09/workers/{farm.alice.id}", headers=auth["worker"])
    assert slip.status_code == 200 and slip.get_json()["total"] == 150 and slip.get_json()["lines"][0]["kind"] == "wage"
    own_jobs = client.get("/api/v1/jobs?date=2026-09-14", headers=auth["worker"]).get_json()["items"]
    assert [j["id"] for j in own_jobs] == [made["id"]]
    assert client.get(f"/api/v1/jobs?date=2026-09-14&worker={farm.bob.id}", headers=auth["worker"]).status_code == 403


def test_adjustment_and_piece_rate_bad_input(client, session, farm, auth):
    h = auth["manager"]
    assert client.post("/api/v1/payroll/adjustments", json={"worker_id": farm.alice.id, "month": "2026-10",
                                                            "amount": -5, "reason": ""}, headers=h).status_code == 422
    ok = client.post("/api/v1/payroll/adjustments", json={"worker_id": farm.alice.id, "month": "2026-10",
                                                          "amount": -5.5, "reason": "借支"}, headers=h)
    assert ok.status_code == 201
    bad_rate = client.post("/api/v1/payroll/piece-rates", json={"crop": "cucumber", "grade": "premium",
                                                                "valid_from": "2026-09-01", "rate": -0.1}, headers=h)
    assert bad_rate.status_code == 422
    no_crop = client.post("/api/v1/payroll/piece-rates", json={"crop": "durian", "grade": "premium",
                                                               "valid_from": "2026-09-01", "rate": 0.1}, headers=h)
    assert no_crop.status_code == 422 and "crop" in no_crop.get_json()["error"]["fields"]
    wage = client.post(f"/api/v1/workers/{farm.alice.id}/wages", json={"daily_wage": -1, "valid_from": "2026-09-01"},
                       headers=h)
    assert wage.status_code == 422
