"""In Chromium, in Chinese, on a 360 px phone: the report of a day and the archive fit the screen."""
from __future__ import annotations

import pytest

from farm.services import daily_report
from tests.conftest import PHONE
from tests.daily_report.helpers import DAY, build_land, build_park, local
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser



def test_browser_daily_report_fits_a_phone(browser, session, live_server):
    build_park(session)  # makes the manager login
    build_land(session)
    daily_report.generate(session, DAY, local(20))
    session.commit()
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(live_server + "/login")
        page.fill("#username", "manager")
        page.fill("#password", PASSWORD)
        with page.expect_navigation():
            page.click("form button[type=submit].primary")
        for path in ("/reports/daily/", f"/reports/daily/{DAY.isoformat()}"):
            page.goto(live_server + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{path} is {width} px wide"
        assert "170.5 / 400 公斤" in page.inner_text("#harvest")
        assert "GH-001" in page.inner_text("#climate")
        page.screenshot(path="/tmp/daily_report_360.png", full_page=True)
    finally:
        context.close()
