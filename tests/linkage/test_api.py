"""GET /api/v1/reports/linkage: the hand-counted figures, the document, roles and bad input."""
from __future__ import annotations

from decimal import Decimal

import pytest

from farm import clock
from tests.linkage.park import EXPECTED_2025, EXPECTED_2025_GROUPS, NOW, make_linkage_park
from tests.test_openapi import check_response

CONTRACT_FIELDS = {"households", "lifted", "monitored", "land_mu", "rent_paid", "workers",
                   "workers_from_lifted_or_monitored", "worker_days", "wages_paid", "below_line", "near_line", "groups"}


@pytest.fixture
def park(session, users):
    with clock.frozen(NOW):
        made = make_linkage_park(session)
        yield made


def _get(client, tokens, query, role="official"):
    return client.get(f"/api/v1/reports/linkage{query}", headers=tokens[role])


def test_the_year_in_the_api(app, client, tokens, park):
    response = _get(client, tokens, "?year=2025")
    assert response.status_code == 200, response.get_json()
    check_response(app, "GET", "/api/v1/reports/linkage", response)
    body = response.get_json()
    assert CONTRACT_FIELDS <= set(body)
    assert {k: Decimal(str(body[k])) if isinstance(v, Decimal) else body[k] for k, v in EXPECTED_2025.items()} \
        == EXPECTED_2025
    assert (body["year"], body["quarter"], body["from"], body["to"]) == (2025, None, "2025-01-01", "2026-01-01")
    groups = {g["village_group"]: g for g in body["groups"]}
    assert set(groups) == set(EXPECTED_2025_GROUPS)
    for name in ("households", "workers", "worker_days"):
        assert sum(g[name] for g in body["groups"]) == body[name]
    for name in ("rent_paid", "wages_paid", "land_mu"):
        assert sum(Decimal(str(g[name])) for g in body["groups"]) == Decimal(str(body[name]))
    assert body["rent_paid"] == 11850.0 and '"rent_paid":11850.00' in response.get_data(as_text=True)


def test_a_quarter_and_the_default_year(app, client, tokens, park):
    response = _get(client, tokens, "?year=2025&quarter=1")
    assert response.status_code == 200
    check_response(app, "GET", "/api/v1/reports/linkage", response)
    assert (response.get_json()["quarter"], response.get_json()["to"]) == (1, "2025-04-01")
    default = _get(client, tokens, "")
    assert default.status_code == 200 and default.get_json()["year"] == 2025


@pytest.mark.parametrize("role, status", [("admin", 200), ("manager", 200), ("viewer", 200), ("official", 200),
                                          ("worker", 403)])
def test_roles(client, tokens, park, role, status):
    response = _get(client, tokens, "?year=2025", role)
    assert response.status_code == status
    if status == 200:
        assert "王建国" not in response.get_data(as_text=True)


def test_no_token(client, park):
    assert client.get("/api/v1/reports/linkage?year=2025").status_code == 401


@pytest.mark.parametrize("query, field", [
    ("?year=2027", "year"), ("?year=2026&quarter=3", "quarter"), ("?year=2025&quarter=0", "quarter"),
    ("?year=2025&quarter=5", "quarter"), ("?year=abc", "year"), ("?year=2025.0", "year"), ("?year=-1", "year"),
    ("?year=2025&quarter=x", "quarter"), ("?year=99999999999999999999", "year"), ("?year=1899", "year"),
    ("?year=2025&quarter=%201", "quarter"),
])
def test_bad_input_is_a_422_naming_the_field(app, client, tokens, park, query, field):
    response = _get(client, tokens, query)
    assert response.status_code == 422, response.get_data(as_text=True)
    check_response(app, "GET", "/api/v1/reports/linkage", response)
    assert field in response.get_json()["error"]["fields"]
