"""In Chromium, in Chinese, on a phone: an administrator registers a greenhouse asset with its funding, records the
year's return and a distribution, and an official opens the ledgers, which fit the screen."""
from __future__ import annotations

import pytest

from tests.conftest import PHONE, log_in
from tests.factories import make_park, make_user
from tests.land.factories import make_household

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("frozen_clock")]


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"


def test_browser_admin_registers_an_asset_and_an_official_reads_the_ledgers(browser, session, live_server):
    make_park(session, greenhouses=3)
    make_user(session, "admin")
    make_user(session, "official")
    make_household(session, name="马秀兰", members=5, status="lifted")
    session.commit()
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server, "admin")
    page.goto(live_server + "/assets/new")
    page.fill("#f-code", "ZC-GH-001")
    page.fill("#f-name", "1号日光温室")
    page.fill("#f-greenhouses", "GH-001")
    page.fill("#f-built_on", "2022-10-01")
    page.fill("#f-handed_over_on", "2022-12-20")
    page.fill("[name='funding.fiscal']", "100000")
    page.fill("[name='funding.company']", "20000")
    page.fill("#f-value", "130000")
    page.fill("#f-depreciation_years", "15")
    with page.expect_navigation():
        page.click("button[type=submit].primary")
    assert "120000.00" in page.inner_text("main")  # refused: the funding adds up to 120,000
    page.fill("#f-value", "120000")
    with page.expect_navigation():
        page.click("button[type=submit].primary")
    assert "资产已保存" in page.inner_text("main")
    _fits(page)
    page.goto(live_server + "/assets/returns/new")
    page.fill("#f-year", "2025")
    page.fill("#f-amount", "6000")
    with page.expect_navigation():
        page.click("button[type=submit].primary")
    assert "收益已登记" in page.inner_text("main")
    _fits(page)
    page.goto(live_server + "/assets/distributions/new?year=2025")
    page.fill("#f-amount", "1000")
    page.fill("#f-retained", "5000")
    with page.expect_navigation():
        page.click("button[type=submit].primary")
    assert "马秀兰" in page.inner_text("main") and "1,000.00" in page.inner_text("main")
    _fits(page)
    context.close()

    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server, "official")
    page.goto(live_server + "/assets/ledgers?year=2025")
    text = page.inner_text("main")
    assert "经营类" in text and "ZC-GH-001" in text and "6,000.00" in text
    _fits(page)
    with page.expect_download() as download:
        page.click("text=导出 Excel")
    assert download.value.suggested_filename == "asset-ledgers-2025.xlsx"
    context.close()
