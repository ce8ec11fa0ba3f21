"""In Chromium, in Chinese, on a phone: a manager registers a household, makes a contract with two parcels,
records a payment and sees the schedule change."""
from __future__ import annotations

from datetime import timedelta

import pytest

from farm import clock
from tests.conftest import PHONE, log_in
from tests.factories import make_park, make_user

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("frozen_clock")]



@pytest.fixture
def manager_tab(browser, session, live_server):
    make_park(session, greenhouses=3)
    make_user(session, "manager")
    session.commit()
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server, "manager")
    yield page
    context.close()


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.eval_on_selector_all("body *", "els => els.filter(e => e.getBoundingClientRect().right > 350 || e.scrollWidth > e.clientWidth + 1)"
                                     ".map(e => [e.outerHTML.slice(0, 50), e.getBoundingClientRect().right, e.scrollWidth, e.clientWidth])")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide: {wide[-3:]}"


def test_browser_manager_household_contract_payment(manager_tab, live_server):
    page = manager_tab
    page.goto(live_server + "/land/households")
    assert page.get_attribute("html", "lang") == "zh-CN"
    with page.expect_navigation():
        page.click("text=登记农户")
    page.fill("#f-name", "马秀兰")
    page.fill("#f-village_group", "曙光村五组")
    page.fill("#f-members", "5")
    page.select_option("#f-status", "lifted")
    page.fill("#f-id_number", "150303197003151234")
    page.fill("#f-contract_period_end", "2057-12-31")
    with page.expect_navigation():
        page.click("button[type=submit].primary")
    assert "农户信息已保存" in page.inner_text("main")
    assert "脱贫户" in page.inner_text("h1")
    _fits(page)

    with page.expect_navigation():
        page.click("text=新建合同")
    start = clock.today() - timedelta(days=3)
    page.fill("#f-number", "SG-2026-B01")
    page.fill("#f-start_date", start.isoformat())
    page.fill("#f-end_date", (start + timedelta(days=5 * 365)).isoformat())
    # a term past the household's 承包期 is refused with a message in Chinese
    page.fill("#f-end_date", "2060-01-01")
    page.fill("#f-rent_per_mu_year", "750")
    page.fill("#f-payment_month_day", start.strftime("%m-%d"))
    for n, (name, code, area) in enumerate((("东渠地", "150303101203050001", "6"), ("南坡地", "150303101203050002", "4"))):
        page.fill(f"[id='f-parcels.{n}.name']", name)
        page.fill(f"[id='f-parcels.{n}.code']", code)
        page.fill(f"[id='f-parcels.{n}.area_mu']", area)
        page.fill(f"[id='f-parcels.{n}.east']", "渠")
    page.fill("#f-late_fee_per_10k", "5")
    with page.expect_navigation():
        page.click("button[type=submit].primary")
    assert "承包期" in page.inner_text("[id='e-end_date']")
    page.fill("#f-end_date", (start + timedelta(days=5 * 365)).isoformat())
    with page.expect_navigation():
        page.click("button[type=submit].primary")
    assert "合同已保存" in page.inner_text("main")
    first = page.locator("table.schedule tbody tr").first
    assert "7,500.00" in first.inner_text()  # 10 mu × 750
    assert "逾期" in first.inner_text()
    assert page.inner_text("[data-total=paid]") == "0.00"
    _fits(page)

    with page.expect_navigation():
        page.click("text=登记付款")
    assert page.input_value("#f-amount") == "7500.00"
    page.fill("#f-amount", "8000")
    page.fill("#f-receipt_no", "SJ-0001")
    with page.expect_navigation():
        page.click("button[type=submit].primary")
    assert "付款已登记" in page.inner_text("main")
    rows = page.locator("table.schedule tbody tr")
    assert "已付" in rows.nth(0).inner_text()
    assert "500.00" in rows.nth(1).inner_text() and "部分支付" in rows.nth(1).inner_text()
    assert page.inner_text("[data-total=paid]") == "8,000.00"
    assert "SJ-0001" in page.inner_text("table.payments")
    _fits(page)


def test_browser_manager_edits_labour_and_monitoring_on_a_phone(manager_tab, live_server, session):
    from farm.models.people import Worker
    from tests.land.factories import make_household

    household = make_household(session, name="李桂兰", status="monitored")
    session.add(Worker(name="李小军", household_id=household.id, started_on=clock.today() - timedelta(days=90)))
    session.commit()
    page = manager_tab
    page.goto(f"{live_server}/land/households/{household.id}/edit")
    page.fill("#f-labour", "2")
    page.select_option("#f-monitor_kind", "edge")
    _fits(page)
    with page.expect_navigation():
        page.click("button[type=submit].primary")
    facts = page.inner_text("dl.facts")
    assert "劳动力" in facts and "边缘易致贫户" in facts and "监测户" in facts
    assert "李小军" in page.inner_text("main")
    _fits(page)
