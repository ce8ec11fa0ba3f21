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
