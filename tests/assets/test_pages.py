"""Asset pages: the ledgers for each reading role (and the worker refused), the Excel export, the forms with bad
and good input (nothing stored on a refusal, never a 500), the dashboard panel."""
from __future__ import annotations

import io
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from farm import clock
from farm.inputs.assets import ReturnIn
from farm.models.assets import Asset, AssetReturn, Distribution
from farm.services import assets
from tests.assets.factories import make_asset
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_park
from tests.land.factories import make_household


@pytest.fixture
def park(session):
    clock.freeze(datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc))
    make_park(session)
    make_asset(session, greenhouses=["GH-001"], built_on="2022-12-01", handed_over_on="2022-12-20")
    make_household(session, name="甲", members=2, status="lifted")
    make_household(session, name="乙", members=3, status="monitored", id_number="", bank_account="")
    assets.record_return(session, ReturnIn(year=2025, amount=Decimal("5000"), paid_on=clock.today().replace(month=3)))
    session.commit()
    yield
    clock.freeze(None)


def _as(client, role, page="/assets/ledgers"):
    login(client, role, PASSWORD)
    return csrf_token(client, page)


@pytest.mark.parametrize("role", ["official", "manager", "viewer", "admin"])
def test_pages_ledgers_for_each_reading_role(client, session, users, park, role):
    _as(client, role)
    page = client.get("/assets/ledgers")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "GH-ASSET-1" in text and "85,800.00" in text and "5,400.00" in text  # 36 months: 34,200 depreciated; return 2025
    assert ("登记资产" in text or "Register an asset" in text) == (role == "admin")
    for url in ("/assets/returns", "/assets/distributions?year=2025", "/assets/ledgers?year=2024",
                f"/assets/{session.query(Asset).one().id}"):
        assert client.get(url).status_code == 200, url
    download = client.get("/assets/ledgers.xlsx?year=2025")
    assert download.status_code == 200
    book = load_workbook(io.BytesIO(download.data))
    assert len(book.sheetnames) == 6
    assert client.get("/assets/ledgers?year=abc").status_code == 422
    for url in ("/assets/new", "/assets/returns/new", "/assets/distributions/new"):
        assert client.get(url).status_code == (200 if role == "admin" else 403), url


def test_pages_worker_reads_nothing(client, session, users, park):
    login(client, "worker", PASSWORD)
    for url in ("/assets/ledgers", "/assets/ledgers.xlsx", "/assets/returns", "/assets/distributions"):
        assert client.get(url).status_code == 403


def test_pages_asset_form_bad_then_good(client, session, users, park):
    token = _as(client, "admin")
    base = {"csrf_token": token, "code": "ZC-002", "name": "冷库", "kind": "cold_store", "category": "operating",
            "built_on": "2023-05-01", "funding.fiscal": "200000", "funding.company": "50000",
            "depreciation_years": "20", "residual_value": "10000", "return_percent": "6"}
    for change, shown in (({"value": "1"}, "250000.00"), ({"depreciation_years": "0"}, ""),
                          ({"greenhouses": "GH-777"}, "GH-777"), ({"funding.fiscal": "-3"}, "")):
        bad = client.post("/assets/new", data={**base, **change})
        assert bad.status_code == 422, change
        assert shown in bad.get_data(as_text=True)
    assert session.query(Asset).count() == 1
    good = client.post("/assets/new", data=base)
    assert good.status_code == 302
    made = session.query(Asset).filter_by(code="ZC-002").one()
    assert made.value == Decimal("250000.00")
    log = client.get(f"/assets/{made.id}").get_data(as_text=True).split('<h2>', )[-1]
    assert "admin" in log  # the change log names who registered it
    refused = client.post(f"/assets/{made.id}/status", data={"csrf_token": token, "status": "disposed"},
                          follow_redirects=True)
    assert refused.status_code == 200
    session.expire_all()
    assert session.get(Asset, made.id).status == "in_use"


def test_pages_return_and_distribution_forms(client, session, users, park):
    token = _as(client, "admin")
    too_much = client.post("/assets/returns/new", data={"csrf_token": token, "year": "2025", "amount": "401",
                                                        "paid_on": "2026-04-01"})
    assert too_much.status_code == 422 and "400.00" in too_much.get_data(as_text=True)
    assert client.post("/assets/returns/new", data={"csrf_token": token, "year": "2025", "amount": "400",
                                                    "paid_on": "2026-04-01"}).status_code == 302
    assert session.query(AssetReturn).count() == 2
    over = client.post("/assets/distributions/new?year=2025", data={
        "csrf_token": token, "year": "2025", "amount": "5000", "public_works": "401", "weighting": "members",
        "remainder_to": "retained"})
    assert over.status_code == 422
    assert session.query(Distribution).count() == 0
    good = client.post("/assets/distributions/new?year=2025", data={
        "csrf_token": token, "year": "2025", "amount": "1000", "weighting": "members", "remainder_to": "retained",
        "public_works": "3000", "public_job_person": "张三", "public_job": "1000", "retained": "400",
        "paid_on": "2026-04-10"})
    assert good.status_code == 302
    page = client.get("/assets/distributions?year=2025").get_data(as_text=True)
    assert "400.00" in page and "600.00" in page and "张三" in page  # 1,000 over 5 members: 2 → 400, 3 → 600
    assert assets.year_return(session, 2025).available == Decimal("0.00")


def test_pages_dashboard_panel_shows_returns_overdue(client, session, users, park):
    login(client, "viewer", PASSWORD)
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'data-assets="overdue"' in page and "400.00" in page
