"""Livelihoods pages per role: the income report (totals only for the viewer), the household page's income
section and its entries, the Excel, the monitoring lines page; bad input answered clearly, nothing stored."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from farm.models.livelihoods import IncomeEntry, IncomeLine
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD

D = Decimal


def _as(client, role):
    login(client, role, PASSWORD)
    return csrf_token(client, "/livelihoods/income" if role != "worker" else "/me")


def _text(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["admin", "manager", "official"])
def test_pages_report_names_households_for_readers(client, village, role):
    _as(client, role)
    page = client.get("/livelihoods/income?year=2026")
    assert page.status_code == 200
    text = _text(page)
    assert "王建国" in text and "李桂兰" in text and "11,584.34" in text and "2,896.09" in text
    assert "/livelihoods/income.xlsx" in text


def test_pages_report_viewer_sees_totals_only(client, village):
    _as(client, "viewer")
    page = client.get("/livelihoods/income?year=2026")
    assert page.status_code == 200
    text = _text(page)
    assert "11,584.34" in text  # the total of every household
    assert "王建国" not in text and "李桂兰" not in text and "2,896.09" not in text
    assert "income.xlsx" not in text
    assert client.get("/livelihoods/income.xlsx?year=2026").status_code == 403
    household = client.get(f"/land/households/{village.home.id}")
    assert household.status_code == 200 and 'id="income"' not in _text(household)


def test_pages_report_filters_and_bad_year(client, village):
    _as(client, "official")
    text = _text(client.get("/livelihoods/income?year=2026&status=none"))
    assert "李桂兰" in text and "王建国" not in text
    text = _text(client.get("/livelihoods/income?year=2026&band=above"))
    assert "李桂兰" not in text and "王建国" not in text
    for query in ("year=2027", "year=abcd", "year=2026&band=poor"):
        response = client.get(f"/livelihoods/income?{query}")
        assert response.status_code == 422, query
        assert "2027" in _text(response) or query != "year=2027"


def test_pages_report_excel(client, village):
    _as(client, "manager")
    response = client.get("/livelihoods/income.xlsx?year=2026")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    households = [r for r in rows[1:] if r[0] in ("王建国", "李桂兰")]
    assert len(households) == 2
    total_row = rows[-1]
    assert D(str(total_row[8])) == sum(D(str(r[8])) for r in households) == D("11584.34")
    summary = {r[0]: r[1] for r in book.worksheets[1].iter_rows(values_only=True)}
    assert D(str(summary["合计"] if "合计" in summary else summary["Total"])) == D("11584.34")


def test_pages_household_income_section(client, village):
    _as(client, "official")
    text = _text(client.get(f"/land/households/{village.home.id}?year=2026"))
    assert 'id="income"' in text and "11,584.34" in text and "2,896.09" in text
    assert "2026-09" in text and "462.00" in text and "322.34" in text
    assert "livelihoods/households" in text  # the add form
    assert client.get(f"/land/households/{village.home.id}?year=2027").status_code == 422


def _count(session) -> int:
    session.expire_all()
    return session.query(IncomeEntry).filter(IncomeEntry.voided_at.is_(None)).count()


def test_pages_add_delete_correct_entry(client, session, village):
    token = _as(client, "official")
    before = _count(session)
    url = f"/livelihoods/households/{village.home.id}/income"
    done = client.post(url, data={"csrf_token": token, "year": "2026", "kind": "business", "amount": "500",
                                  "note": "养羊"}, follow_redirects=True)
    assert done.status_code == 200 and _count(session) == before + 1
    for bad in ({"year": "2026", "kind": "business", "amount": "五百"}, {"year": "2027", "kind": "business",
                                                                       "amount": "5"},
                {"year": "2026", "kind": "lottery", "amount": "5"}, {"year": "2026", "kind": "costs",
                                                                     "amount": "-5"}):
        page = client.post(url, data={"csrf_token": token, **bad}, follow_redirects=True)
        assert page.status_code == 200 and "flash-error" in _text(page), bad
    assert _count(session) == before + 1
    assert client.post("/livelihoods/households/999999/income",
                       data={"csrf_token": token, "year": "2026", "kind": "business", "amount": "5"}).status_code == 404
    entry = session.query(IncomeEntry).filter_by(note="养羊").one()
    edit = f"/livelihoods/households/{village.home.id}/income/{entry.id}/edit"
    assert client.get(edit).status_code == 200
    bad = client.post(edit, data={"csrf_token": token, "year": "2026", "kind": "business", "amount": "x"})
    assert bad.status_code == 422
    ok = client.post(edit, data={"csrf_token": token, "year": "2026", "kind": "business", "amount": "600"})
    assert ok.status_code == 302
    session.expire_all()
    corrected = session.get(IncomeEntry, entry.id)
    assert corrected.voided_at is not None and corrected.voided_by_id == village.users["official"].id
    new = session.query(IncomeEntry).filter_by(replaces_id=entry.id).one()
    assert new.amount == D("600.00")
    gone = client.post(f"/livelihoods/households/{village.home.id}/income/{new.id}/delete",
                       data={"csrf_token": token})
    assert gone.status_code == 302 and _count(session) == before
    # An entry of one household is not reached through another's URL.
    assert client.post(f"/livelihoods/households/{village.other.id}/income/{new.id}/delete",
                       data={"csrf_token": token}).status_code == 404


def test_pages_viewer_cannot_add_entries(client, session, village):
    token = _as(client, "viewer")
    before = _count(session)
    response = client.post(f"/livelihoods/households/{village.home.id}/income",
                           data={"csrf_token": token, "year": "2026", "kind": "business", "amount": "5"})
    assert response.status_code == 403 and _count(session) == before


def test_pages_lines_admin_only(client, session, village):
    token = _as(client, "admin")
    page = client.get("/livelihoods/lines")
    assert page.status_code == 200 and "7,300.00" in _text(page) and "10,950.00" in _text(page)
    assert client.post("/livelihoods/lines", data={"csrf_token": token, "year": "2026", "line": "abc"}).status_code == 422
    assert client.post("/livelihoods/lines", data={"csrf_token": token, "year": "20x6", "line": "7600"}).status_code == 422
    assert client.post("/livelihoods/lines", data={"csrf_token": token, "year": "2026", "line": "7600"}).status_code == 302
    session.expire_all()
    assert session.query(IncomeLine).filter_by(year=2026).one().line == D("7600.00")
    client.post("/logout", data={"csrf_token": token})
    _as(client, "manager")
    assert client.get("/livelihoods/lines").status_code == 403


def test_pages_report_lists_households_a_page_at_a_time(client, session, village):
    """A big village: 200 households a page, the totals over every one of them."""
    from sqlalchemy import insert

    from farm.models.land import Household
    from farm.web.livelihoods import PAGE_ROWS

    session.execute(insert(Household), [{"name": f"农户{n:03d}", "village_group": "曙光村九组", "members": 2,
                                         "status": "none", "phone": "", "id_number": "", "address": "",
                                         "bank_name": "", "bank_account": "", "notes": ""} for n in range(PAGE_ROWS + 3)])
    session.commit()
    _as(client, "official")
    first = _text(client.get("/livelihoods/income?year=2026&village_group=曙光村九组"))
    assert first.count("/land/households/") == PAGE_ROWS and "农户202" not in first and "page=2" in first
    second = _text(client.get("/livelihoods/income?year=2026&village_group=曙光村九组&page=2"))
    assert "农户202" in second and "农户000" not in second
    assert 'band-count-below_line">203<' in second  # the totals count every household of the group
    assert client.get("/livelihoods/income?year=2026&page=x").status_code == 200
