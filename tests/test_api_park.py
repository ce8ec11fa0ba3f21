"""The park API: greenhouses (list, paging, one), plantings (start, change, end), with the error envelope,
roles, and nothing stored by a refused request. Every answer is checked against openapi.json."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from farm import clock
from farm.models.crops import Planting
from farm.models.park import Greenhouse
from tests.factories import bearer, make_crop, make_park, make_planting, make_users, token_for
from tests.test_openapi import check_response

# "Today" and "now" stand still through each test (and cannot roll over midnight under it).
pytestmark = pytest.mark.usefixtures("frozen_clock")


@pytest.fixture
def park(session):
    """Three idle greenhouses of 800 m², cucumber and tomato, a planting in GH-001, a token per role."""
    p = make_park(session)
    cucumber = make_crop(session)
    make_crop(session, "tomato", "西红柿", "Tomato")
    planting = make_planting(session, p.greenhouses[0], cucumber)
    planting.variety = "津优35号"
    made = make_users(session)
    session.commit()
    tokens = {role: token_for(session, user) for role, user in made.items()}
    return {"park": p, "planting_id": planting.id, "tokens": tokens}


def _call(app, client, method, path, token=None, **kwargs):
    headers = bearer(token) if token else {}
    response = client.open(path, method=method, headers=headers, **kwargs)
    check_response(app, method, path, response)
    return response


def _plantings(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Planting))


def _snapshot(session):
    session.expire_all()
    rows = session.execute(select(Planting.id, Planting.area_m2, Planting.status, Planting.variety,
                                  Planting.ended_on, Planting.expected_harvest_on).order_by(Planting.id)).all()
    statuses = session.execute(select(Greenhouse.code, Greenhouse.status).order_by(Greenhouse.code)).all()
    return rows, statuses


def _error(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error.get("fields", {}), dict)
    return error


# --- greenhouses --------------------------------------------------------------------------------

def test_greenhouses_list_fields(app, client, park):
    response = _call(app, client, "GET", "/api/v1/greenhouses", park["tokens"]["viewer"])
    assert response.status_code == 200
    body = response.get_json()
    assert body["next"] is None
    assert [g["code"] for g in body["items"]] == ["GH-001", "GH-002", "GH-003"]
    first, second = body["items"][0], body["items"][1]
    for item in body["items"]:
        assert {"code", "name", "area_m2", "status", "planting", "latest"} <= set(item)
        assert item["area_m2"] == 800
        assert isinstance(item["latest"], dict)
    assert first["status"] == "active"
    assert first["planting"]["id"] == park["planting_id"]
    assert first["planting"]["crop"] == "cucumber"
    assert first["planting"]["variety"] == "津优35号"
    assert first["planting"]["planted_on"] == "2026-09-01"
    assert second["planting"] is None and second["status"] == "idle"


def test_greenhouses_list_pages_with_next(app, client, park):
    token = park["tokens"]["manager"]
    first = _call(app, client, "GET", "/api/v1/greenhouses?limit=2", token).get_json()
    assert [g["code"] for g in first["items"]] == ["GH-001", "GH-002"]
    assert first["next"]
    second = _call(app, client, "GET", first["next"], token).get_json()
    assert [g["code"] for g in second["items"]] == ["GH-003"]
    assert second["next"] is None


def test_greenhouses_list_paging_keeps_the_filter(app, client, session, park):
    token = park["tokens"]["manager"]
    body = _call(app, client, "GET", "/api/v1/greenhouses?status=idle&limit=1", token).get_json()
    assert [g["code"] for g in body["items"]] == ["GH-002"]
    assert "status=idle" in body["next"]
    body = _call(app, client, "GET", body["next"], token).get_json()
    assert [g["code"] for g in body["items"]] == ["GH-003"] and body["next"] is None


def test_greenhouses_list_filter_by_crop(app, client, park):
    body = _call(app, client, "GET", "/api/v1/greenhouses?crop=cucumber", park["tokens"]["viewer"]).get_json()
    assert [g["code"] for g in body["items"]] == ["GH-001"]


@pytest.mark.parametrize("query", ["limit=abc", "limit=0", "offset=-1", "offset=x", "offset=99999999999999999999",
                                   "status=burning"])
def test_greenhouses_list_bad_paging_gives_422(app, client, park, query):
    response = _call(app, client, "GET", f"/api/v1/greenhouses?{query}", park["tokens"]["viewer"])
    error = _error(response, 422, "invalid")
    assert query.split("=")[0] in error["fields"]


def test_greenhouses_list_limit_above_the_page_size_is_refused(app, client, park):
    response = _call(app, client, "GET", "/api/v1/greenhouses?limit=5000", park["tokens"]["viewer"])
    assert "limit" in _error(response, 422, "invalid")["fields"]
    body = _call(app, client, "GET", "/api/v1/greenhouses?limit=1000", park["tokens"]["viewer"]).get_json()
    assert len(body["items"]) == 3 and body["next"] is None


def test_greenhouses_one(app, client, park):
    response = _call(app, client, "GET", "/api/v1/greenhouses/GH-001", park["tokens"]["viewer"])
    assert response.status_code == 200
    body = response.get_json()
    assert body["code"] == "GH-001" and body["planting"]["crop"] == "cucumber"
    # Codes are matched without regard to case.
    assert _call(app, client, "GET", "/api/v1/greenhouses/gh-002", park["tokens"]["viewer"]).get_json()["code"] == "GH-002"


def test_greenhouses_one_unknown_gives_404_envelope(app, client, park):
    response = _call(app, client, "GET", "/api/v1/greenhouses/GH-999", park["tokens"]["viewer"])
    error = _error(response, 404, "not_found")
    assert "GH-999" in error["message"]
    assert set(response.get_json()) == {"error"}


def test_greenhouses_worker_is_refused(app, client, park):
    _error(_call(app, client, "GET", "/api/v1/greenhouses", park["tokens"]["worker"]), 403, "forbidden")
    _error(_call(app, client, "GET", "/api/v1/greenhouses/GH-001", park["tokens"]["worker"]), 403, "forbidden")


def test_greenhouses_without_token_gives_401(app, client, park):
    _error(_call(app, client, "GET", "/api/v1/greenhouses"), 401, "unauthorized")


# --- starting a planting ------------------------------------------------------------------------

def _new(**changes):
    body = {"greenhouse": "GH-002", "crop": "tomato", "variety": "普罗旺斯", "planted_on": "2026-10-01",
            "area_m2": 500}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def test_plantings_create_gives_201_with_id(app, client, session, park):
    response = _call(app, client, "POST", "/api/v1/plantings", park["tokens"]["manager"],
                     json=_new(expected_harvest_on="2026-12-01"))
    assert response.status_code == 201
    body = response.get_json()
    session.expire_all()
    planting = session.get(Planting, body["id"])
    assert planting.greenhouse.code == "GH-002" and planting.crop.code == "tomato"
    assert planting.variety == "普罗旺斯" and str(planting.area_m2) == "500.00"
    assert planting.planted_on == date(2026, 10, 1)
    assert planting.status in ("growing", "planned")
    assert planting.greenhouse.status == "active"
    assert body["greenhouse"] == "GH-002" and body["area_m2"] == 500


def test_plantings_create_by_admin_and_by_crop_name(app, client, session, park):
    response = _call(app, client, "POST", "/api/v1/plantings", park["tokens"]["admin"],
                     json=_new(crop="西红柿", greenhouse="gh-003"))
    assert response.status_code == 201
    assert response.get_json()["crop"] == "tomato"


def test_plantings_create_future_date_is_planned(app, client, park):
    later = (clock.today() + timedelta(days=10)).isoformat()
    body = _call(app, client, "POST", "/api/v1/plantings", park["tokens"]["manager"], json=_new(planted_on=later))
    assert body.get_json()["status"] == "planned"


def test_plantings_create_next_to_a_partial_planting(app, client, park):
    token = park["tokens"]["manager"]
    assert _call(app, client, "POST", "/api/v1/plantings", token, json=_new(area_m2=500)).status_code == 201
    assert _call(app, client, "POST", "/api/v1/plantings", token, json=_new(area_m2=300)).status_code == 201
    _error(_call(app, client, "POST", "/api/v1/plantings", token, json=_new(area_m2="0.01")), 409, "conflict")


def test_plantings_create_conflict_when_area_is_taken(app, client, session, park):
    before = _snapshot(session)
    response = _call(app, client, "POST", "/api/v1/plantings", park["tokens"]["manager"],
                     json=_new(greenhouse="GH-001", area_m2=100))
    error = _error(response, 409, "conflict")
    assert "greenhouse" in error["fields"]
    assert _snapshot(session) == before


@pytest.mark.parametrize("changes,field", [
    ({"area_m2": 801}, "area_m2"),
    ({"area_m2": 0}, "area_m2"),
    ({"area_m2": -5}, "area_m2"),
    ({"area_m2": "lots"}, "area_m2"),
    ({"expected_harvest_on": "2026-09-30"}, "expected_harvest_on"),
    ({"crop": "durian"}, "crop"),
    ({"planted_on": "2026-13-01"}, "planted_on"),
    ({"planted_on": None}, "planted_on"),
    ({"crop": None}, "crop"),
    ({"greenhouse": None}, "greenhouse"),
])
def test_plantings_create_invalid_gives_422_and_stores_nothing(app, client, session, park, changes, field):
    before = _snapshot(session)
    response = _call(app, client, "POST", "/api/v1/plantings", park["tokens"]["manager"], json=_new(**changes))
    error = _error(response, 422, "invalid")
    assert field in error["fields"], error
    assert _snapshot(session) == before


def test_plantings_create_unknown_greenhouse_gives_404(app, client, session, park):
    before = _snapshot(session)
    response = _call(app, client, "POST", "/api/v1/plantings", park["tokens"]["manager"],
                     json=_new(greenhouse="GH-404"))
    _error(response, 404, "not_found")
    assert _snapshot(session) == before


def test_plantings_create_in_maintenance_gives_409(app, client, session, park):
    session.scalar(select(Greenhouse).where(Greenhouse.code == "GH-002")).status = "maintenance"
    session.commit()
    before = _snapshot(session)
    _error(_call(app, client, "POST", "/api/v1/plantings", park["tokens"]["manager"], json=_new()), 409, "conflict")
    assert _snapshot(session) == before


@pytest.mark.parametrize("data,content_type", [
    ('{"greenhouse": "GH-002", ', "application/json"),
    ("greenhouse=GH-002", "application/x-www-form-urlencoded"),
    ('"GH-002"', "application/json"),
    ("[]", "application/json"),
])
def test_plantings_create_malformed_gives_400(app, client, session, park, data, content_type):
    before = _snapshot(session)
    response = _call(app, client, "POST", "/api/v1/plantings", park["tokens"]["manager"], data=data,
                     content_type=content_type)
    _error(response, 400, "malformed")
    assert _snapshot(session) == before


def test_plantings_create_without_token_gives_401(app, client, session, park):
    before = _snapshot(session)
    _error(_call(app, client, "POST", "/api/v1/plantings", json=_new()), 401, "unauthorized")
    assert _snapshot(session) == before


@pytest.mark.parametrize("role", ["worker", "viewer"])
def test_plantings_create_worker_and_viewer_get_403(app, client, session, park, role):
    before = _snapshot(session)
    _error(_call(app, client, "POST", "/api/v1/plantings", park["tokens"][role], json=_new()), 403, "forbidden")
    assert _snapshot(session) == before


def test_plantings_create_with_session_cookie_needs_csrf_header(app, client, session, park):
    from tests.conftest import csrf_token, login
    from tests.factories import PASSWORD

    login(client, "manager", PASSWORD)
    before = _snapshot(session)
    response = client.post("/api/v1/plantings", json=_new())
    assert response.status_code == 400
    assert _snapshot(session) == before
    response = client.post("/api/v1/plantings", json=_new(), headers={"X-CSRFToken": csrf_token(client, "/park")})
    assert response.status_code == 201


# --- reading, changing and ending a planting --------------------------------------------------------

def test_plantings_get_one(app, client, park):
    response = _call(app, client, "GET", f"/api/v1/plantings/{park['planting_id']}", park["tokens"]["viewer"])
    assert response.status_code == 200 and response.get_json()["crop"] == "cucumber"
    _error(_call(app, client, "GET", "/api/v1/plantings/9999", park["tokens"]["viewer"]), 404, "not_found")


def test_plantings_patch_changes_given_fields(app, client, session, park):
    pid = park["planting_id"]
    response = _call(app, client, "PATCH", f"/api/v1/plantings/{pid}", park["tokens"]["manager"],
                     json={"variety": "中农26号", "area_m2": 600, "expected_harvest_on": "2026-11-01"})
    assert response.status_code == 200
    session.expire_all()
    planting = session.get(Planting, pid)
    assert planting.variety == "中农26号" and str(planting.area_m2) == "600.00"
    assert planting.expected_harvest_on == date(2026, 11, 1)
    assert planting.planted_on == date(2026, 9, 1)


@pytest.mark.parametrize("body,status,field", [
    ({"area_m2": 900}, 422, "area_m2"),
    ({"expected_harvest_on": "2026-08-01"}, 422, "expected_harvest_on"),
    ({"planted_on": "2026-12-01", "expected_harvest_on": "2026-11-01"}, 422, "expected_harvest_on"),
    ({"status": "ended"}, 422, "status"),
    ({"area_m2": "x"}, 422, "area_m2"),
])
def test_plantings_patch_refused_changes_nothing(app, client, session, park, body, status, field):
    before = _snapshot(session)
    response = _call(app, client, "PATCH", f"/api/v1/plantings/{park['planting_id']}", park["tokens"]["manager"],
                     json=body)
    error = _error(response, status, "invalid")
    assert field in error["fields"]
    assert _snapshot(session) == before


def test_plantings_patch_conflicts_with_a_neighbour(app, client, session, park):
    token = park["tokens"]["manager"]
    other = _call(app, client, "POST", "/api/v1/plantings", token, json=_new(area_m2=400)).get_json()["id"]
    _call(app, client, "POST", "/api/v1/plantings", token, json=_new(area_m2=400))
    before = _snapshot(session)
    _error(_call(app, client, "PATCH", f"/api/v1/plantings/{other}", token, json={"area_m2": 500}), 409, "conflict")
    assert _snapshot(session) == before


def test_plantings_patch_unknown_malformed_and_roles(app, client, session, park):
    tokens, pid = park["tokens"], park["planting_id"]
    before = _snapshot(session)
    _error(_call(app, client, "PATCH", "/api/v1/plantings/9999", tokens["manager"], json={"variety": "x"}),
           404, "not_found")
    _error(_call(app, client, "PATCH", f"/api/v1/plantings/{pid}", tokens["manager"], data="{",
                 content_type="application/json"), 400, "malformed")
    _error(_call(app, client, "PATCH", f"/api/v1/plantings/{pid}", tokens["viewer"], json={"variety": "x"}),
           403, "forbidden")
    _error(_call(app, client, "PATCH", f"/api/v1/plantings/{pid}", tokens["worker"], json={"variety": "x"}),
           403, "forbidden")
    _error(_call(app, client, "PATCH", f"/api/v1/plantings/{pid}", json={"variety": "x"}), 401, "unauthorized")
    assert _snapshot(session) == before


def test_plantings_end_frees_the_greenhouse(app, client, session, park):
    pid, token = park["planting_id"], park["tokens"]["manager"]
    response = _call(app, client, "POST", f"/api/v1/plantings/{pid}/end", token, json={"ended_on": "2026-10-15"})
    assert response.status_code == 200
    assert response.get_json()["status"] == "ended" and response.get_json()["ended_on"] == "2026-10-15"
    session.expire_all()
    planting = session.get(Planting, pid)
    assert planting.status == "ended" and planting.greenhouse.status == "idle"
    # The greenhouse can take a new planting now; the ended one can no longer change.
    assert _call(app, client, "POST", "/api/v1/plantings", token, json=_new(greenhouse="GH-001",
                                                                                area_m2=800)).status_code == 201
    before = _snapshot(session)
    _error(_call(app, client, "POST", f"/api/v1/plantings/{pid}/end", token, json={"ended_on": "2026-10-16"}),
           409, "conflict")
    _error(_call(app, client, "PATCH", f"/api/v1/plantings/{pid}", token, json={"variety": "x"}), 409, "conflict")
    assert _snapshot(session) == before


@pytest.mark.parametrize("body,status,code", [
    ({"ended_on": "2026-08-31"}, 422, "invalid"),
    ({"ended_on": "2999-01-01"}, 422, "invalid"),
    ({"ended_on": "soon"}, 422, "invalid"),
    ({}, 422, "invalid"),
])
def test_plantings_end_refused_changes_nothing(app, client, session, park, body, status, code):
    before = _snapshot(session)
    response = _call(app, client, "POST", f"/api/v1/plantings/{park['planting_id']}/end", park["tokens"]["manager"],
                     json=body)
    error = _error(response, status, code)
    assert "ended_on" in error["fields"]
    assert _snapshot(session) == before


def test_plantings_end_roles_and_unknown(app, client, session, park):
    pid = park["planting_id"]
    before = _snapshot(session)
    for role in ("worker", "viewer"):
        _error(_call(app, client, "POST", f"/api/v1/plantings/{pid}/end", park["tokens"][role],
                     json={"ended_on": "2026-10-15"}), 403, "forbidden")
    _error(_call(app, client, "POST", "/api/v1/plantings/9999/end", park["tokens"]["manager"],
                 json={"ended_on": "2026-10-15"}), 404, "not_found")
    assert _snapshot(session) == before


def test_api_unknown_route_and_method_give_envelopes(client, park):
    token = park["tokens"]["manager"]
    response = client.get("/api/v1/nothing-here", headers=bearer(token))
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    response = client.delete("/api/v1/greenhouses", headers=bearer(token))
    assert response.status_code == 405 and "error" in response.get_json()
