"""In Chromium, in Chinese, on a 360 px phone: the village official opens a warning of the demo park, records a
follow-up and closes it."""
from __future__ import annotations

import pytest

from farm.demo import DEMO_LOGINS
from farm.models.warnings import Warning
from tests.conftest import log_in
from tests.test_browser_foundation import fits_the_phone

pytestmark = pytest.mark.browser

PASSWORDS = {username: password for username, _role, password in DEMO_LOGINS}


def test_browser_official_follows_up_and_closes_a_warning(live_server, demo, phone, session):
    _context, page = phone
    log_in(page, live_server, "official", PASSWORDS["official"])
    page.goto(live_server + "/warnings/?state=open&kind=income_drop")
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert "返贫预警" in page.inner_text("h1")
    item = page.locator(".warning-item").first
    assert "来自园区的收入" in item.inner_text()
    fits_the_phone(page)  # no wider than the phone, every touch target at least 44 px

    with page.expect_navigation():
        item.locator("a").first.click()
    assert "/warnings/" in page.url
    main = page.inner_text("main")
    assert "触发预警的数据" in main and "上年同期" in main and "预警条件仍然存在" in main
    fits_the_phone(page)  # no wider than the phone, every touch target at least 44 px

    page.select_option("#f-measure", "employment")
    page.fill("#f-note", "推荐到园区包装车间重新上岗，本人同意下周一到岗。")
    with page.expect_navigation():
        page.click("form.follow-up-form button[type=submit]")
    assert "帮扶记录已保存" in page.inner_text(".flash")
    main = page.inner_text("main")
    assert "帮扶中" in main and "推荐到园区包装车间重新上岗" in main
    fits_the_phone(page)  # no wider than the phone, every touch target at least 44 px

    # Closing without a reason is refused, in Chinese, and keeps the warning open.
    with page.expect_navigation():
        page.click("form.close-form button[type=submit]")
    assert "必填" in page.inner_text("main")
    page.fill("#f-reason", "已重新就业，收入恢复，风险消除。")
    with page.expect_navigation():
        page.click("form.close-form button[type=submit]")
    assert "预警已关闭" in page.inner_text(".flash")
    main = page.inner_text("main")
    assert "已关闭" in main and "已重新就业，收入恢复，风险消除。" in main
    assert page.locator("form.follow-up-form").count() == 0
    fits_the_phone(page)  # no wider than the phone, every touch target at least 44 px

    warning_id = int(page.url.rstrip("/").rsplit("/", 1)[-1])
    session.expire_all()
    closed = session.get(Warning, warning_id)
    assert closed.kind == "income_drop" and closed.state == "closed" and closed.closed_by.role == "official"
    assert [f.measure for f in closed.follow_ups] == ["employment"]
