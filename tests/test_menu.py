"""The main menu: the pages grouped into a few areas (today, park, people, land, reports, admin), each role seeing
only the areas and links it may open (from the pages' own permissions, farm/permissions.py), one row at 1280 px, a
toggle at 360 px, no inline script."""
from __future__ import annotations

import re

import pytest

from farm.permissions import permission_of, role_may
from farm.web import AREAS, NAV
from tests.conftest import PHONE, log_in, login
from tests.factories import PASSWORD, make_park, make_users

AREA_OF_ROLE = {
    "admin": ["today", "park", "people", "land", "reports", "admin"],
    "manager": ["today", "park", "people", "land", "reports", "admin"],
    "viewer": ["today", "park", "land", "reports"],
    "official": ["today", "land", "reports"],
    "worker": ["today"],
}


def _menu(html: str) -> str:
    return html[html.index('<nav class="nav"'):html.index("</nav>")]


@pytest.fixture
def park_users(session):
    make_park(session, greenhouses=2)
    users = make_users(session)
    session.commit()
    return users


def test_every_menu_link_has_an_area_and_the_page_s_own_permission(app):
    assert {item.area for item in NAV} == set(AREAS)
    for item in NAV:
        assert permission_of(app.view_functions[item.endpoint]) is not None, item.endpoint


@pytest.mark.parametrize("role", sorted(AREA_OF_ROLE))
def test_each_role_sees_its_own_areas_and_only_links_it_may_open(client, app, park_users, role):
    login(client, role, PASSWORD)
    menu = _menu(client.get("/me" if role == "worker" else "/dashboard").get_data(as_text=True))
    areas = list(dict.fromkeys(re.findall(r'data-area="(\w+)"', menu)))
    assert areas == AREA_OF_ROLE[role]
    # Areas open as menus, except where a role has only one area: its few links stand in the bar.
    assert ("<details" in menu) is (len(areas) > 1)
    # Every link the menu shows opens for this role, and every menu page it may open is in its menu.
    links = set(re.findall(r'href="([^"]+)"', menu))
    for href in links:
        assert client.get(href).status_code == 200, (role, href)
    with app.test_request_context():
        from flask import url_for
        may = {url_for(item.endpoint) for item in NAV
               if role_may(role, permission_of(app.view_functions[item.endpoint]))}
        own = url_for("tokens.own_list")  # the user's name in the bar: their own account (API tokens), not a menu page
    assert own in links
    assert may == links - {own}


def test_the_menu_has_no_inline_script(client, park_users):
    login(client, "manager", PASSWORD)
    page = client.get("/park").get_data(as_text=True)
    header = page[:page.index("</header>")]
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", header)
    assert not re.search(r"\son[a-z]+=", header)
    assert '<script src="/static/js/nav.js" defer></script>' in page


@pytest.mark.browser
def test_browser_menu_is_one_row_at_1280_px_and_a_toggle_at_360_px(live_server, park_users, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, live_server, "manager", PASSWORD)
        page.goto(live_server + "/park")
        boxes = page.eval_on_selector_all("nav.nav > details > summary, nav.nav > a, .nav-user, .brand",
                                          "els => els.map(e => [e.getBoundingClientRect().top, "
                                          "e.getBoundingClientRect().bottom])")
        assert len(boxes) == 8, boxes  # the name, six areas and who is logged in ...
        assert max(top for top, _ in boxes) < min(bottom for _, bottom in boxes), boxes  # ... on one row
        assert page.eval_on_selector("header.topbar", "e => e.getBoundingClientRect().height") < 70
        page.screenshot(path="/tmp/edges_menu_1280.png")
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        assert not page.is_visible("nav a[href='/devices']")  # closed until its area opens
        page.click("details[data-area=park] > summary")
        assert page.is_visible("nav a[href='/devices']")
        page.click("details[data-area=land] > summary")  # another area closes the first (nav.js) ...
        # ... when the browser's toggle event runs, a task after the click: wait for it rather than race it
        page.locator("nav a[href='/devices']").wait_for(state="hidden", timeout=5_000)
        assert page.is_visible("nav a[href='/land/contracts']")
        with page.expect_navigation():
            page.click("nav a[href='/land/contracts']")
        assert page.url.endswith("/land/contracts")
        assert page.get_attribute("details[data-area=land]", "class") == "nav-group nav-here"
    finally:
        context.close()

    context = browser.new_context(viewport=PHONE, locale="zh-CN", has_touch=True, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, live_server, "manager", PASSWORD)
        page.goto(live_server + "/park")
        assert not page.is_visible("details[data-area=land] > summary")  # the menu is folded away
        page.click("label.nav-button")
        assert page.is_visible("details[data-area=land] > summary")
        page.click("details[data-area=land] > summary")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        heights = page.eval_on_selector_all("nav.nav summary, nav.nav a:visible",
                                            "els => els.map(e => e.getBoundingClientRect().height)")
        assert min(heights) >= 43.5  # touch targets
        with page.expect_navigation():
            page.click("nav a[href='/land/households']")
        assert page.url.endswith("/land/households")
        # A worker's phone shows only their own area's links, without any menu to open.
        context.clear_cookies()
        log_in(page, live_server, "worker", PASSWORD)
        page.click("label.nav-button")
        assert page.locator("nav details").count() == 0
        shown = page.eval_on_selector_all("nav.nav > a", "els => els.map(e => e.getAttribute('href'))")
        assert "/harvest" in shown[0] or "/me" in shown[0]
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()
