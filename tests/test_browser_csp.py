"""The Content-Security-Policy in a real Chromium: every page in each role's menu, a greenhouse with its charts,
the yield report and the payroll month load with no CSP violation (no inline script or event attribute left),
and what the pages' scripts do (filters that submit, print buttons, confirm before a post) still works."""
from __future__ import annotations

import pytest

from farm import clock
from farm.demo import DEMO_LOGINS
from tests import conftest

pytestmark = pytest.mark.browser

PASSWORDS = {username: password for username, _role, password in DEMO_LOGINS}
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  e => window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber));
"""


@pytest.fixture
def tab(browser):
    context = browser.new_context(viewport=conftest.PHONE)
    context.add_init_script(WATCH)
    page = context.new_page()
    page.set_default_timeout(15_000)
    console = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    yield page, console
    context.close()


def violations(page, console) -> list[str]:
    return list(page.evaluate("window.__csp || []")) + console


def test_browser_csp_every_menu_page_loads_without_a_violation(live_server, demo, tab):
    page, console = tab
    month = clock.month_of(clock.today())
    extra = {"manager": ["/greenhouses/GH-001", "/reports/yield", f"/payroll?month={month}", "/account/tokens"],
             "admin": ["/admin/tokens", "/admin/throttle"], "worker": ["/harvest"], "official": [], "viewer": []}
    seen = 0
    for username in ("manager", "admin", "worker", "official", "viewer"):
        page.context.clear_cookies()
        conftest.log_in(page, live_server, username, PASSWORDS[username])
        links = page.eval_on_selector_all("nav.nav a[href]", "els => els.map(e => e.getAttribute('href'))")
        for path in dict.fromkeys(links + extra[username]):
            response = page.goto(live_server + path)
            assert response.status == 200, (username, path, response.status)
            assert "script-src 'self'" in response.headers["content-security-policy"]
            page.wait_for_load_state("load")
            assert violations(page, console) == [], (username, path)
            seen += 1
    assert seen > 20


def test_browser_csp_blocks_inline_script_so_the_check_can_fail(live_server, demo, tab):
    page, console = tab
    conftest.log_in(page, live_server, "manager", PASSWORDS["manager"])
    page.goto(live_server + "/park")
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';
                             document.body.appendChild(s); }""")
    page.wait_for_function("() => window.__csp.length > 0")
    assert page.evaluate("window.__ran") is None
    assert any("script-src" in v for v in violations(page, console))


def test_browser_scripts_wired_without_inline_handlers_still_work(live_server, demo, tab):
    page, console = tab
    conftest.log_in(page, live_server, "manager", PASSWORDS["manager"])
    page.goto(live_server + "/park")
    with page.expect_navigation():
        page.select_option("select[name=crop]", "cucumber")  # data-autosubmit
    assert "crop=cucumber" in page.url
    # A form with data-confirm asks first; dismissing the question posts nothing.
    month = clock.previous_month(clock.month_of(clock.today()))
    page.goto(live_server + f"/payroll?month={month}")
    close = page.locator("form[data-confirm] button[type=submit]")
    if close.count():  # (unless the demo closed last month already)
        asked = []
        page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
        close.first.click()
        assert asked and month in asked[0] and page.url.endswith(f"/payroll?month={month}")
        assert page.locator("form[data-confirm]").count() == 1  # still open
    # A print button calls the browser's print (replaced here, so no dialog opens).
    page.goto(live_server + "/reports/linkage")
    page.evaluate("window.print = () => { window.__printed = true; }")
    page.click("[data-print]")
    assert page.evaluate("window.__printed") is True
    assert violations(page, console) == []
