"""In Chromium, in Chinese, on a phone: a manager ships to a canteen through the form, confirms a price far from
the list, prints the delivery note and records the payment; every page fits 360 px."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from farm import clock
from farm.inputs.sales import BuyerIn, PriceIn
from farm.services import sales
from tests.conftest import PHONE, log_in
from tests.sales.factories import harvest, make_sales_farm

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("frozen_clock")]


@pytest.fixture
def manager_tab(browser, session, live_server):
    farm = make_sales_farm(session)
    harvest(session, farm, "GH-001", clock.today() - timedelta(days=1), "30")
    buyer = sales.create_buyer(session, BuyerIn(name="海南区机关食堂", kind="canteen", consumption_aid=True))
    sales.set_price(session, buyer.id, PriceIn(crop="cucumber", grade="grade1",
                                               valid_from=clock.today() - timedelta(days=10),
                                               price_per_kg=Decimal("5.00")))
    session.commit()
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server, "manager")
    yield page
    context.close()


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"


def test_browser_manager_ships_confirms_a_far_price_prints_and_is_paid(manager_tab, live_server):
    page = manager_tab
    page.goto(live_server + "/sales/")
    assert "库存与销售" in page.inner_text("h1")
    _fits(page)
    with page.expect_navigation():
        page.click("text=新建送货单")
    _fits(page)
    page.select_option("#f-buyer_id", label="海南区机关食堂 · 消费帮扶")
    page.select_option("#f-lines-0-crop", "cucumber")
    page.select_option("#f-lines-0-grade", "grade1")
    page.fill("#f-lines-0-weight_kg", "12")
    page.fill("#f-lines-0-price_per_kg", "8")
    with page.expect_navigation():
        page.click("button[type=submit].primary")
    assert "协议价" in page.inner_text("main")  # the price is 60 % above the list: asked to confirm
    page.check("input[name=confirm_prices]")
    with page.expect_navigation():
        page.click("button[type=submit].primary")
    assert "已保存" in page.inner_text("main")
    assert "GH-001" in page.inner_text("ul.lineage")
    _fits(page)
    page.fill("input[name=amount]", "96")
    with page.expect_navigation():
        page.click("form.inline-form button[type=submit]")
    assert "已付" in page.inner_text("h1")
    with page.expect_navigation():
        page.click("text=打印送货单")
    assert "收货人（签字）" in page.inner_text("article")
    _fits(page)
