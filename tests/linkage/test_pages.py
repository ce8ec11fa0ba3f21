"""The 联农带农 report's page and Excel for each role, the overview an official lands on, bad input."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from farm import clock
from tests.conftest import login
from tests.factories import PASSWORD
from tests.linkage.park import EXPECTED_2025, NOW, make_linkage_park


@pytest.fixture
def park(session, users):
    with clock.frozen(NOW):
        yield make_linkage_park(session)


def _as(client, role):
    login(client, role, PASSWORD)
    return client


@pytest.mark.parametrize("role, status, named", [("admin", 200, True), ("manager", 200, True),
                                                 ("official", 200, True), ("viewer", 200, False),
                                                 ("worker", 403, False)])
def test_the_page_per_role(client, park, role, status, named):
    page = _as(client, role).get("/reports/linkage?year=2025")
    assert page.status_code == status
    if status != 200:
        return
    text = page.get_data(as_text=True)
    assert 'data-linkage="households">3<' in text and 'data-linkage="worker_days">7<' in text
    assert "11,850.00" in text and "一组" in text
    assert ("王建国" in text) is named
    assert "css/linkage.css" in text and "data-print" in text


def test_the_page_says_what_is_wrong(client, park):
    _as(client, "official")
    for query, text in (("?year=2030", "2030 年尚未开始"), ("?year=2025&quarter=7", "季度只能是 1、2、3 或 4"),
                        ("?year=abc", "请输入四位数年份"), ("?year=2026&quarter=3", "2026 年第 3 季度尚未开始")):
        page = client.get(f"/reports/linkage{query}")
        assert page.status_code == 422
        assert text in page.get_data(as_text=True)
        assert 'data-linkage="households"' not in page.get_data(as_text=True)


def _sheets(response):
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    return load_workbook(io.BytesIO(response.get_data()))


def test_excel_for_the_official_has_totals_and_one_row_per_household(client, park):
    book = _sheets(_as(client, "official").get("/reports/linkage/export?year=2025"))
    assert len(book.worksheets) == 2
    totals, households = book.worksheets
    rows = list(totals.iter_rows(values_only=True))
    park_row = rows[-1]
    assert park_row[1:4] == (3, 2, 2) and park_row[11] == 7
    assert Decimal(str(park_row[8])) == EXPECTED_2025["rent_paid"]
    assert Decimal(str(park_row[12])) == EXPECTED_2025["wages_paid"]
    groups = rows[1:-1]
    assert sorted(r[0] for r in groups) == sorted(["一组", "二组", "三组"])
    for column in (1, 5, 6, 9, 10, 11):
        assert sum(r[column] for r in groups) == park_row[column]
    lines = list(households.iter_rows(values_only=True))
    names = [r[1] for r in lines[1:-1]]
    assert "王建国" in names and "赵四" not in names
    total = lines[-1]
    assert Decimal(str(total[8])) == EXPECTED_2025["rent_paid"] and Decimal(str(total[11])) == EXPECTED_2025["wages_paid"]
    assert total[10] == 7 and total[9] == 4


def test_excel_for_the_viewer_has_the_totals_only(client, park):
    book = _sheets(_as(client, "viewer").get("/reports/linkage/export?year=2025&quarter=1"))
    assert len(book.worksheets) == 1
    assert "王建国" not in str(list(book.worksheets[0].iter_rows(values_only=True)))


def test_excel_bad_input_is_refused(client, park):
    response = _as(client, "official").get("/reports/linkage/export?year=2099")
    assert response.status_code == 422


@pytest.mark.parametrize("role, lands", [("official", "/livelihoods"), ("manager", "/dashboard"),
                                         ("viewer", "/dashboard")])
def test_where_each_role_lands(client, park, role, lands):
    response = login(client, role, PASSWORD)
    assert response.headers["Location"].endswith(lands)


def test_the_official_overview(client, park):
    with clock.frozen(NOW):
        page = _as(client, "official").get("/livelihoods")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    # 2025: 王建国 and 李秀英 near the line, 张三, 赵四 and 孙五 below; 2026 so far: no income yet, all below
    assert 'data-band="below_line" data-last-year="3">5<' in text
    assert 'data-band="near_line" data-last-year="2">0<' in text
    assert 'data-overview="households">5<' in text and 'data-overview="lifted">2<' in text
    assert "/reports/linkage?year=2025" in text
    for role, status in (("viewer", 403), ("manager", 200), ("worker", 403)):
        client.get("/logout")
        assert _as(client, role).get("/livelihoods").status_code == status
