"""The alert pages in a real Chromium on a 360 px phone, in Chinese: the badge, the list, acknowledging a frost."""
from __future__ import annotations

import pytest

from tests.alerts.conftest import MINUTE, NIGHT, add_series, run
from tests.factories import PASSWORD, make_users
from tests.test_browser_foundation import PHONE, fits_the_phone, log_in

pytestmark = pytest.mark.browser


def test_browser_manager_acknowledges_a_frost_on_a_phone(live_server, database, session, park, browser):
    make_users(session)
    session.commit()
    add_series(session, park["tomato"].device, NIGHT, [-3.0] * 12)
    add_series(session, park["empty"].device, NIGHT, [15.0] * 12)
    run(database, NIGHT + 12 * MINUTE)
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, live_server, "manager", PASSWORD)
        page.goto(live_server + "/alerts/")
        assert page.locator(".nav-badge").first.inner_text() == "1"  # the frost, not also a cold alert
        assert page.locator(".alert-item").count() == 1
        fits_the_phone(page)
        page.click("text=GH-001 · 冻害")
        assert "有冻害危险" in page.inner_text("main")
        fits_the_phone(page)
        page.fill("#f-note", "已盖好保温被")
        with page.expect_navigation():
            page.click("button.primary")
        assert "告警已确认" in page.inner_text("main") and "已盖好保温被" in page.inner_text("main")
        assert page.locator(".nav-badge").count() == 0  # nothing left to acknowledge
        page.goto(live_server + "/dashboard")
        assert "未解除的告警" in page.inner_text("main")
        fits_the_phone(page)
    finally:
        context.close()
