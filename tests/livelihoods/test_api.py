"""The livelihoods API: lines, income entries, a household's income, the report and its totals, per role."""
from __future__ import annotations

from decimal import Decimal

import pytest

from farm.models.livelihoods import IncomeEntry, IncomeLine

D = Decimal


def _entries(session) -> int:
    session.expire_all()
    return session.query(IncomeEntry).count()


def test_api_income_entry_created(client, session, village, headers):
    before = _entries(session)
    body = {"year": 2026, "kind": "transfer", "amount": "1200.50", "note": "养老金"}
    response = client.post(f"/api/v1/households/{village.home.id}/income", json=body, headers=headers["official"])
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["id"] and data["amount"] == 1200.5 and data["kind"] == "transfer" and data["year"] == 2026
    assert _entries(session) == before + 1
    report = client.get("/api/v1/reports/income?year=2026", headers=headers["official"]).get_json()
    row = next(r for r in report["items"] if r["household_id"] == village.home.id)
    assert D(str(row["other"])) == D("4000.50")


@pytest.mark.parametrize("body, field", [
    ({"year": 2026, "kind": "transfer", "amount": "abc"}, "amount"),
    ({"year": 2026, "kind": "transfer", "amount": True}, "amount"),
    ({"year": 2026, "kind": "transfer", "amount": 0}, "amount"),
    ({"year": 2026, "kind": "transfer", "amount": -10}, "amount"),
    ({"year": 2026, "kind": "lottery", "amount": 10}, "kind"),
    ({"year": 2027, "kind": "transfer", "amount": 10}, "year"),
    ({"year": "2026", "kind": "transfer", "amount": 10}, "year"),
    ({"kind": "transfer", "amount": 10}, "year"),
])
def test_api_income_entry_bad_input(client, session, village, headers, body, field):
    before = _entries(session)
    response = client.post(f"/api/v1/households/{village.home.id}/income", json=body, headers=headers["manager"])
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert _entries(session) == before


def test_api_income_entry_unknown_household(client, session, village, headers):
    before = _entries(session)
    response = client.post("/api/v1/households/999999/income", json={"year": 2026, "kind": "transfer",
                                                                     "amount": 10}, headers=headers["official"])
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert _entries(session) == before


def test_api_report_rows_and_totals(client, session, village, headers):
    data = client.get("/api/v1/reports/income?year=2026", headers=headers["manager"]).get_json()
    rows = {r["household_id"]: r for r in data["items"]}
    home = rows[village.home.id]
    assert {k: home[k] for k in ("members", "rent", "wages", "dividends", "other", "total", "per_capita", "line",
                                 "band")} == {"members": 4, "rent": 8000, "wages": 784.34, "dividends": 0,
                                              "other": 2800, "total": 11584.34, "per_capita": 2896.09,
                                              "line": 7300, "band": "below_line"}
    totals = client.get("/api/v1/reports/income/totals?year=2026", headers=headers["manager"]).get_json()
    for name in ("rent", "wages", "dividends", "other", "total"):
        assert D(str(totals[name])) == sum(D(str(r[name])) for r in data["items"]), name
    assert totals["households"] == len(data["items"]) == 2 and totals["members"] == 6
    assert totals["below_line"] == 2 and totals["near_line"] == 0 and totals["above"] == 0
    assert D(str(totals["per_capita"])) == D("1930.72")  # 11,584.34 / 6
    filtered = client.get("/api/v1/reports/income?year=2026&status=none", headers=headers["manager"]).get_json()
    assert [r["household_id"] for r in filtered["items"]] == [village.other.id]


@pytest.mark.parametrize("query", ["year=2027", "year=20x6", "year=2026&band=poor", "year=2026&status=rich"])
def test_api_report_bad_query(client, village, headers, query):
    response = client.get(f"/api/v1/reports/income?{query}", headers=headers["official"])
    assert response.status_code == 422, response.get_json()
    assert client.get(f"/api/v1/reports/income/totals?{query}", headers=headers["viewer"]).status_code == 422


def test_api_viewer_sees_totals_only(client, village, headers):
    viewer = headers["viewer"]
    for url in ("/api/v1/reports/income?year=2026", f"/api/v1/households/{village.home.id}/income?year=2026",
                f"/api/v1/households/{village.home.id}/income/entries"):
        response = client.get(url, headers=viewer)
        assert response.status_code == 403, url
        assert "汇总" in response.get_json()["error"]["message"]  # "only as totals", in the default language
    totals = client.get("/api/v1/reports/income/totals?year=2026", headers=viewer).get_json()
    assert totals["households"] == 2 and "items" not in totals
    assert client.post(f"/api/v1/households/{village.home.id}/income", json={"year": 2026, "kind": "transfer",
                                                                            "amount": 1},
                       headers=viewer).status_code == 403
    assert client.get("/api/v1/reports/income/totals?year=2026", headers=headers["worker"]).status_code == 403


def test_api_household_income_by_month(client, village, headers):
    data = client.get(f"/api/v1/households/{village.home.id}/income?year=2026",
                      headers=headers["official"]).get_json()
    assert data["year"] == 2026 and data["total"] == 11584.34 and len(data["months"]) == 11
    assert {m["month"]: m["total"] for m in data["months"] if m["total"]} == {
        "2026-03": 5000, "2026-07": 3000, "2026-09": 462, "2026-10": 322.34}
    entries = client.get(f"/api/v1/households/{village.home.id}/income/entries?year=2026",
                         headers=headers["official"]).get_json()
    assert sorted(e["kind"] for e in entries["items"]) == ["business", "costs", "transfer"]
    assert client.get("/api/v1/households/999999/income", headers=headers["official"]).status_code == 404


def test_api_income_line_admin_only(client, session, village, headers):
    response = client.put("/api/v1/income-lines/2026", json={"line": "7600"}, headers=headers["admin"])
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"year": 2026, "line": 7600, "near_limit": 11400}
    for role in ("manager", "official", "viewer"):
        assert client.put("/api/v1/income-lines/2026", json={"line": 1}, headers=headers[role]).status_code == 403
    for body in ({"line": "x"}, {"line": 0}, {}):
        assert client.put("/api/v1/income-lines/2026", json=body, headers=headers["admin"]).status_code == 422
    assert client.put("/api/v1/income-lines/2030", json={"line": 9000}, headers=headers["admin"]).status_code == 422
    session.expire_all()
    assert session.query(IncomeLine).filter_by(year=2026).one().line == D("7600.00")
    lines = client.get("/api/v1/income-lines", headers=headers["viewer"]).get_json()["items"]
    assert [(r["year"], r["line"]) for r in lines] == [(2020, 4000), (2021, 6000), (2023, 7300), (2026, 7600)]
