"""The sales report: totals are the sums of the rows for every grouping, 消费帮扶 apart, the harvest against what
became of it, the page with its Excel and CSV downloads, and who may read it."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.conftest import login
from tests.factories import PASSWORD
from tests.test_openapi import check_response

RANGE = "from=2026-11-01&to=2026-12-01"


def _report(client, traced, by: str, query: str = RANGE):
    response = client.get(f"/api/v1/reports/sales?{query}&by={by}", headers=traced.manager)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.mark.parametrize("by", ["day", "month", "crop", "grade", "buyer"])
def test_sales_report_totals_are_the_sums_of_the_rows(app, client, traced, by):
    response = client.get(f"/api/v1/reports/sales?{RANGE}&by={by}", headers=traced.manager)
    check_response(app, "GET", "/api/v1/reports/sales", response)
    body = response.get_json()
    assert body["total_kg"] == 85 and body["total_revenue"] == 522.5
    assert sum(Decimal(str(r["weight_kg"])) for r in body["rows"]) == Decimal(str(body["total_kg"]))
    assert sum(Decimal(str(r["revenue"])) for r in body["rows"]) == Decimal(str(body["total_revenue"]))
    assert body["aid_kg"] == 70 and body["aid_revenue"] == 440
    assert sum(Decimal(str(r["aid_revenue"])) for r in body["rows"]) == Decimal("440")
    for row in body["rows"]:
        assert set(row) >= {"key", "weight_kg", "revenue", "avg_price_per_kg"}


def test_sales_report_rows_by_hand(client, traced):
    by_day = _report(client, traced, "day")["rows"]
    assert [(r["key"], r["weight_kg"], r["revenue"], r["avg_price_per_kg"]) for r in by_day] == [
        ("2026-11-18", 70, 440, 6.29), ("2026-11-19", 15, 82.5, 5.5)]
    by_crop = {r["key"]: r for r in _report(client, traced, "crop")["rows"]}
    assert by_crop["cucumber"]["weight_kg"] == 65 and by_crop["cucumber"]["revenue"] == 382.5
    assert by_crop["cucumber"]["avg_price_per_kg"] == 5.88
    assert by_crop["tomato"]["aid_kg"] == 20
    by_buyer = {r["label"]: r for r in _report(client, traced, "buyer")["rows"]}
    assert by_buyer["乌海市第一中学食堂"]["aid_revenue"] == 440 and by_buyer["惠民超市"]["aid_revenue"] == 0
    assert [r["key"] for r in _report(client, traced, "month")["rows"]] == ["2026-11"]
    assert [r["key"] for r in _report(client, traced, "grade")["rows"]] == ["grade1"]


def test_sales_report_harvest_against_sales(client, traced):
    balance = {b["key"]: b for b in _report(client, traced, "crop")["balance"]}
    cucumber, tomato = balance["cucumber"], balance["tomato"]
    assert (cucumber["harvested_kg"], cucumber["sold_kg"], cucumber["lost_kg"], cucumber["on_hand_kg"]) == (70, 65, 0, 5)
    assert cucumber["revenue"] == 382.5 and cucumber["sold_percent"] == 92.9
    assert (tomato["harvested_kg"], tomato["sold_kg"], tomato["lost_kg"], tomato["on_hand_kg"]) == (25, 20, 2, 3)
    # Only the harvest of the range counts: nothing was harvested in October.
    assert _report(client, traced, "crop", "from=2026-10-01&to=2026-11-01")["balance"] == []


def test_sales_report_outside_the_shipments_is_empty(client, traced):
    body = _report(client, traced, "day", "from=2026-11-20&to=2026-11-21")
    assert body["rows"] == [] and body["total_kg"] == 0 and body["total_revenue"] == 0
    assert body["avg_price_per_kg"] is None


@pytest.mark.parametrize("query", ["by=week", "by=worker", "from=2026-13-01", "from=2026-11-10&to=2026-11-01",
                                   "from=1990-01-01&to=2026-01-01", "from=abc"])
def test_sales_report_bad_queries_answer_422(app, client, traced, query):
    response = client.get(f"/api/v1/reports/sales?{query}", headers=traced.manager)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]
    check_response(app, "GET", "/api/v1/reports/sales", response)
    login(client, "manager", PASSWORD)
    page = client.get(f"/reports/sales?{query}")
    assert page.status_code == 422 and "Traceback" not in page.get_data(as_text=True)


def test_sales_report_page_and_excel(client, traced):
    login(client, "viewer", PASSWORD)
    html = client.get(f"/reports/sales?{RANGE}&by=buyer").get_data(as_text=True)
    for text in ("销售报表", "乌海市第一中学食堂", "522.50", "消费帮扶", "采收与销售"):
        assert text in html, text
    response = client.get(f"/reports/sales/export?{RANGE}&by=buyer&format=xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    sales, balance = book.worksheets
    rows = list(sales.iter_rows(values_only=True))
    assert rows[0][0] == "客户"
    assert rows[-1][0] == "合计" and rows[-1][1] == 85 and rows[-1][2] == 522.5 and rows[-1][5] == 440
    assert sum(r[2] for r in rows[1:-1]) == 522.5
    crops = {r[0]: r for r in balance.iter_rows(min_row=2, values_only=True)}
    assert crops["番茄"][1:5] == (25, 20, 2, 3)
    csv = client.get(f"/reports/sales/export?{RANGE}&by=day&format=csv")
    assert csv.status_code == 200 and csv.data.startswith("\ufeff".encode()) and b"2026-11-18" in csv.data


def test_sales_report_roles(app, traced):
    for role, status in (("worker", 403), ("official", 403), ("viewer", 200), ("manager", 200), ("admin", 200)):
        client = app.test_client()
        login(client, role, PASSWORD)
        assert client.get(f"/reports/sales?{RANGE}").status_code == status, role
        assert client.get(f"/reports/sales/export?{RANGE}").status_code == status, role
        api = app.test_client().get(f"/api/v1/reports/sales?{RANGE}", headers=traced.tokens[role])
        assert api.status_code == status, role
    assert app.test_client().get("/api/v1/reports/sales").status_code == 401
