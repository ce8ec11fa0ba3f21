"""API bodies are read strictly: a value of the wrong JSON type is refused (422), never converted, and nothing is
stored; forms, which send text, keep reading "3" as 3."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from farm.inputs import parse
from farm.inputs.people import WorkerIn
from farm.models.people import Worker


@pytest.mark.parametrize("body,field", [
    ({"name": "张三", "daily_wage": 150, "started_on": 0}, "started_on"),     # a number is not a date
    ({"name": "张三", "daily_wage": 150, "household_id": True}, "household_id"),  # true is not an id
    ({"name": "张三", "daily_wage": 150, "household_id": "1"}, "household_id"),   # "1" is not an id
    ({"name": "", "daily_wage": 150}, "name"),                                 # empty is not "not given"
    ({"name": "张三", "daily_wage": True}, "daily_wage"),
])
def test_api_body_of_the_wrong_type_is_refused_and_nothing_is_stored(client, session, tokens, body, field):
    before = session.scalar(select(func.count()).select_from(Worker))
    r = client.post("/api/v1/workers", json=body, headers=tokens["manager"])
    assert r.status_code == 422, r.get_json()
    assert field in r.get_json()["error"]["fields"]
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Worker)) == before


def test_api_amounts_may_be_numbers_or_decimal_text(client, tokens):
    for wage in (150.5, "150.50"):
        r = client.post("/api/v1/workers", json={"name": "李四", "daily_wage": wage}, headers=tokens["manager"])
        assert r.status_code == 201 and r.get_json()["daily_wage"] == 150.5


def test_forms_still_read_text_as_numbers(app):
    with app.test_request_context():
        data = parse(WorkerIn, {"name": "王五", "daily_wage": "150", "household_id": "", "started_on": ""})
    assert data.daily_wage == 150 and data.household_id is None and data.started_on is None


# --- values the databases cannot hold: 4xx with the envelope, never a 500 ---------------------------------------

@pytest.fixture
def planted(session, tokens):
    """The areas' small park (cucumbers in GH-001), committed; the tokens per role."""
    from tests.factories import make_crop, make_park, make_planting

    park = make_park(session)
    make_planting(session, park.greenhouses[0], make_crop(session))
    session.commit()
    return tokens


def _count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("path,body,field", [
    ("/api/v1/workers", {"name": "张三", "household_id": 10**20}, "household_id"),       # beyond 64 bits
    ("/api/v1/workers", {"name": "张三", "household_id": 2**63}, "household_id"),
    ("/api/v1/workers", {"name": "张三", "household_id": 2**31}, "household_id"),        # beyond an INTEGER
    ("/api/v1/workers", {"name": "张三", "started_on": "9999-12-31"}, "started_on"),     # no next day
    ("/api/v1/workers", {"name": "张三", "started_on": "1899-12-31"}, "started_on"),
    ("/api/v1/workers", {"name": "张\u0000三"}, "name"),                                 # PostgreSQL cannot store NUL
    ("/api/v1/workers", {"name": "张三", "notes": "a\u0000"}, "notes"),
    ("/api/v1/jobs", {"kind": "harvest", "date": "2026-11-28", "hours": 8, "workers": [10**20]}, "workers"),
    ("/api/v1/jobs", {"kind": "harvest", "date": "2201-01-01", "hours": 8}, "date"),
    ("/api/v1/harvests", {"greenhouse": "GH-001", "weight_kg": 10, "grade": "grade1", "worker": 10**20}, "worker"),
    ("/api/v1/harvests", {"greenhouse": "GH-001", "weight_kg": 10, "grade": "grade1",
                          "harvested_at": "0001-01-01T00:00:00+14:00"}, "harvested_at"),
    ("/api/v1/harvests", {"greenhouse": "GH-001", "weight_kg": 10, "grade": "grade1",
                          "harvested_at": "9999-12-31T23:59:59-12:00"}, "harvested_at"),
    ("/api/v1/harvests", {"greenhouse": "GH\u0000001", "weight_kg": 10, "grade": "grade1"}, "greenhouse"),
])
def test_values_no_database_holds_are_refused_with_the_envelope(client, session, planted, path, body, field):
    from farm.models.harvest import Harvest
    from farm.models.people import Job

    before = [_count(session, m) for m in (Worker, Job, Harvest)]
    r = client.post(path, json=body, headers=planted["manager"])
    assert r.status_code == 422, r.get_data(as_text=True)
    assert r.get_json()["error"]["code"] == "invalid" and field in r.get_json()["error"]["fields"]
    assert [_count(session, m) for m in (Worker, Job, Harvest)] == before


def test_an_attendance_entry_for_a_huge_worker_id_is_refused(client, session, planted):
    job = client.post("/api/v1/jobs", json={"kind": "harvest", "date": "2026-11-28", "hours": 8},
                      headers=planted["manager"]).get_json()
    r = client.post(f"/api/v1/jobs/{job['id']}/attendance", headers=planted["manager"],
                    json={"entries": [{"worker_id": 2**64, "present": True, "hours": 8}]})
    assert r.status_code == 422 and "entries.0.worker_id" in r.get_json()["error"]["fields"]


@pytest.mark.parametrize("query", ["greenhouse=GH%00", "crop=%00", "date=2026-11-28%00", "worker=1%00",
                                   "x%00=1"])
def test_a_nul_character_in_the_query_is_refused(client, planted, query):
    r = client.get(f"/api/v1/harvests?{query}", headers=planted["manager"])
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "invalid"


def test_a_nul_character_in_the_path_is_refused(client, planted):
    r = client.get("/api/v1/greenhouses/GH%00001", headers=planted["manager"])
    assert r.status_code == 422 and r.get_json()["error"]["fields"] == {"path": r.get_json()["error"]["message"]}


def test_json_nested_deeper_than_32_levels_is_malformed(client, session, planted):
    before = _count(session, Worker)
    for depth in (33, 5000, 100_000):
        body = '{"name": "张三", "notes": ' + "[" * depth + "]" * depth + "}"
        r = client.post("/api/v1/workers", data=body, content_type="application/json", headers=planted["manager"])
        assert r.status_code == 400 and r.get_json()["error"]["code"] == "malformed", depth
    # brackets inside a string do not count; 32 levels are still read (and then judged field by field)
    r = client.post("/api/v1/workers", json={"name": "[" * 100, "daily_wage": 150}, headers=planted["manager"])
    assert r.status_code == 201
    body = '{"name": "李四", "daily_wage": 150, "skills": ' + "[" * 31 + "]" * 31 + "}"
    r = client.post("/api/v1/workers", data=body, content_type="application/json", headers=planted["manager"])
    assert r.status_code == 422 and "skills" in r.get_json()["error"]["fields"]
    assert _count(session, Worker) == before + 1


def test_limit_above_the_page_size_is_refused(client, planted):
    r = client.get("/api/v1/greenhouses?limit=1001", headers=planted["manager"])
    assert r.status_code == 422 and "limit" in r.get_json()["error"]["fields"]
    assert client.get("/api/v1/greenhouses?limit=1000", headers=planted["manager"]).status_code == 200


def test_a_wrong_method_answers_405_with_allow_and_the_envelope(client, planted):
    r = client.delete("/api/v1/greenhouses", headers=planted["manager"])
    assert r.status_code == 405 and r.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in r.headers["Allow"].split(", ") and "DELETE" not in r.headers["Allow"]
    page = client.delete("/login")
    assert page.status_code == 405 and "GET" in page.headers["Allow"] and page.mimetype == "text/html"


def test_too_large_and_too_long_answer_with_the_envelope(client, planted):
    r = client.post("/api/v1/workers", data=b"{" + b" " * (5 * 1024 * 1024) + b"}", content_type="application/json",
                    headers=planted["manager"])
    assert r.status_code == 413 and r.get_json()["error"]["code"] == "too_large"
    r = client.get("/api/v1/greenhouses?crop=" + "x" * 5000, headers=planted["manager"])
    assert r.status_code == 414 and r.get_json()["error"]["code"] == "uri_too_long"


def test_pages_refuse_the_same_values_with_a_message(app, client, session, users):
    """A page reads its form through the same inputs: a NUL or a year past 2200 is the field's message, and an id
    beyond a database integer in the address is the 404 page."""
    from tests.conftest import login
    from tests.factories import PASSWORD

    login(client, "manager", PASSWORD)
    before = _count(session, Worker)
    from tests.conftest import csrf_token

    r = client.post("/workers/new", data={"name": "张\x00三", "daily_wage": "150", "started_on": "9999-12-31",
                                          "csrf_token": csrf_token(client, "/workers/new")})
    assert r.status_code == 422 and r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    assert "空字符" in page and "1900" in page
    assert _count(session, Worker) == before
    for address in ("/greenhouses/99999999999999999999", "/workers/99999999999999999999", "/workers/2147483648"):
        r = client.get(address)
        assert r.status_code == 404 and r.mimetype == "text/html", address


def test_the_document_states_the_bounds_the_inputs_enforce(app):
    """openapi.json gives every whole number of a body the bounds the inputs hold it to, so a client (and
    Schemathesis) knows them; a field's own narrower bounds stay."""
    from farm.api.openapi import build_spec
    from farm.limits import MAX_ID

    schemas = build_spec(app)["components"]["schemas"]
    household = schemas["WorkerIn"]["properties"]["household_id"]["anyOf"][0]
    assert (household["type"], household["minimum"], household["maximum"]) == ("integer", -MAX_ID, MAX_ID)
    workers = schemas["JobIn"]["properties"]["workers"]["items"]
    assert workers["maximum"] == MAX_ID
    assert schemas["HarvestIn"]["properties"]["crates"]["anyOf"][0]["maximum"] == 1000
    assert "1900" in schemas["WorkerIn"]["properties"]["started_on"]["anyOf"][0]["description"]
    assert "NUL" in build_spec(app)["info"]["description"]
