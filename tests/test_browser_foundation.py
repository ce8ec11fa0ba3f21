"""The foundation pages in a real Chromium on a 360 px phone: the demo park in Chinese, filters, English."""
from __future__ import annotations

import re

import pytest

from farm.demo import DEMO_LOGINS
from tests import conftest
from tests.conftest import PHONE

pytestmark = pytest.mark.browser

PASSWORDS = {username: password for username, _role, password in DEMO_LOGINS}

# Everything a finger has to hit; inline links inside running text are not on this list.
TAP_TARGETS = ("button:visible, .button:visible, select:visible, .gh-tile:visible, .crumbs a:visible, td > a:visible, "
               "input:visible:not([type=hidden]):not([type=checkbox])")


@pytest.fixture
def phone(browser):
    """A phone-sized browser tab whose browser asks for English: the park's default (Chinese) must still win."""
    context = browser.new_context(viewport=PHONE, locale="en-US", extra_http_headers={"Accept-Language": "en"})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def log_in(page, base: str, username: str, password: str | None = None) -> None:
    """Log in; by default with the demo park's password of that login."""
    conftest.log_in(page, base, username, password or PASSWORDS[username])


def fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"
    small = page.eval_on_selector_all(
        "main " + ", main ".join(TAP_TARGETS.split(", ")) + ", header button:visible, header label.nav-button",
        "els => els.map(e => [e.outerHTML.slice(0, 80), e.getBoundingClientRect().height])"
        ".filter(([html, h]) => h > 0 && h < 43.5)",
    )
    assert not small, f"touch targets under 44 px on {page.url}: {small}"


def test_browser_manager_sees_the_park_in_chinese_and_switches_to_english(live_server, demo, phone):
    page = phone
    page.goto(live_server + "/login")
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.locator("label[for=username]").inner_text() == "用户名"

    log_in(page, live_server, "manager")
    page.click("label.nav-button")  # the phone menu
    page.click("details[data-area=park] > summary")  # its park area
    with page.expect_navigation():
        page.click("nav a[href$='/park']")
    assert page.url.endswith("/park")
    assert page.locator(".gh-tile").count() == 104
    assert page.inner_text("[data-count=total]") == "104"
    assert page.inner_text("[data-count=vegetables]") == "13"
    assert "种植蔬菜" in page.inner_text(".stats")
    fits_the_phone(page)

    # At least three tiles side by side on a 360 px phone.
    tops = page.eval_on_selector_all(".gh-tile", "els => els.slice(0, 4).map(e => e.getBoundingClientRect().top)")
    assert tops[0] == tops[1] == tops[2]

    # Filter by crop: only cucumber greenhouses remain.
    with page.expect_navigation():
        page.select_option("select[name=crop]", "cucumber")
    assert "crop=cucumber" in page.url
    crops = page.eval_on_selector_all(".gh-tile", "els => els.map(e => e.dataset.crop)")
    assert crops and set(crops) == {"cucumber"}
    assert f"显示 {len(crops)} 个" in page.inner_text(".filters")

    # Open a greenhouse.
    code = page.get_attribute(".gh-tile >> nth=0", "data-code")
    with page.expect_navigation():
        page.click(".gh-tile >> nth=0")
    assert page.url.endswith(f"/greenhouses/{code}")
    assert code in page.inner_text("h1")
    assert "当前种植" in page.inner_text("main") and "黄瓜" in page.inner_text("main")
    fits_the_phone(page)

    # Switch to English: the same page again, now in English.
    with page.expect_navigation():
        page.click("button[name=language][value=en]")
    assert page.url.endswith(f"/greenhouses/{code}")
    assert page.get_attribute("html", "lang") == "en"
    main = page.inner_text("main")
    assert "Current planting" in main and "Cucumber" in main and "当前种植" not in main
    fits_the_phone(page)

    page.goto(live_server + "/park")
    assert "Growing vegetables" in page.inner_text(".stats")
    assert re.search(r"\b104 shown\b", page.inner_text(".filters"))
    fits_the_phone(page)


def test_browser_foundation_pages_fit_a_phone(live_server, demo, phone):
    page = phone
    log_in(page, live_server, "manager")
    for path in ("/park", "/park?status=empty", "/greenhouses/GH-001", "/crops", "/crops/cucumber/edit"):
        page.goto(live_server + path)
        assert page.get_attribute("html", "lang") == "zh-CN"
        fits_the_phone(page)

    # Start a planting in an empty greenhouse, on the phone.
    page.goto(live_server + "/park?status=empty")
    code = page.get_attribute(".gh-tile >> nth=0", "data-code")
    page.goto(f"{live_server}/greenhouses/{code}")
    with page.expect_navigation():
        page.click("a.button.primary")  # 开始种植
    assert page.url.endswith(f"/greenhouses/{code}/plantings/new")
    fits_the_phone(page)
    page.select_option("#f-crop", "tomato")
    with page.expect_navigation():
        page.click("form button[type=submit].primary")
    assert page.url.endswith(f"/greenhouses/{code}")
    assert "已开始种植。" in page.inner_text(".flash")
    assert "西红柿" in page.inner_text("main")

    # The edit form of that planting.
    with page.expect_navigation():
        page.click("a[href*='/edit']")
    assert re.search(r"/plantings/\d+/edit$", page.url)
    fits_the_phone(page)

    # The administrator's logins page.
    page.context.clear_cookies()
    log_in(page, live_server, "admin")
    for path in ("/admin/users", "/admin/settings"):
        page.goto(live_server + path)
        assert "账号管理" in page.inner_text("nav")
        fits_the_phone(page)


def test_browser_wrong_password_shows_the_chinese_error(live_server, demo, phone):
    page = phone
    log_in(page, live_server, "manager", "not-the-password")
    assert page.url.endswith("/login")
    assert page.inner_text("[role=alert]") == "用户名或密码错误。"
    assert page.input_value("#username") == "manager"
    fits_the_phone(page)
