"""In Chromium, in Chinese, on a 360 px phone: the village official lands on the livelihoods overview, opens last
year's 联农带农 report, picks a quarter, and the printed page leaves the picker and the buttons off."""
from __future__ import annotations

import pytest

from farm import clock
from tests.conftest import PHONE, log_in
from tests.linkage.park import NOW, make_linkage_park

pytestmark = [pytest.mark.browser]


@pytest.fixture
def official_tab(phone, session, users, live_server):
    with clock.frozen(NOW):
        make_linkage_park(session)
    _context, page = phone
    page.set_default_timeout(15_000)
    log_in(page, live_server, "official")
    return page


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"


def test_browser_official_reads_the_linkage_report_on_a_phone(official_tab, live_server):
    page = official_tab
    assert page.url.endswith("/livelihoods")
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert "农户生计监测" in page.inner_text("h1")
    _fits(page)
    with page.expect_navigation():
        page.click(f"text={clock.today().year - 1} 年联农带农报表")
    assert page.inner_text("[data-linkage=households]") == "3"
    assert page.inner_text("[data-linkage=rent_paid]") == "11,850.00"
    assert "王建国" in page.inner_text("main")
    _fits(page)
    page.select_option("select[name=quarter]", "1")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    assert "quarter=1" in page.url and page.inner_text("[data-linkage=households]") == "2"
    assert page.inner_text("[data-linkage=worker_days]") == "4"
    _fits(page)
    page.emulate_media(media="print")
    assert not page.is_visible("form.filters") and not page.is_visible("text=导出 Excel")
    assert page.is_visible("[data-linkage=households]")
