"""The public trace page in a real Chromium on a 360 px phone, as a buyer who scanned the label: no login, the
lineage in Chinese, and nobody's name or phone anywhere in the page."""
from __future__ import annotations

import pytest

from tests.conftest import PHONE

pytestmark = pytest.mark.browser


@pytest.fixture
def anonymous(browser):
    """A phone-sized tab that never logged in, whose browser asks for English: the park's Chinese still wins."""
    context = browser.new_context(viewport=PHONE, locale="en-US", has_touch=True, is_mobile=True,
                                  extra_http_headers={"Accept-Language": "en"})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_browser_anonymous_phone_sees_the_lineage_and_no_person(live_server, traced, anonymous):
    page = anonymous
    code = traced.shipments[0]["certificate_code"]
    response = page.goto(f"{live_server}/trace/{code}")
    assert response.status == 200 and page.url.endswith(f"/trace/{code}")  # no detour to the login page
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.inner_text("h1") == "黄瓜、番茄"
    sources = page.eval_on_selector_all("[data-list=sources] li", "els => els.map(e => [e.dataset.greenhouse, "
                                        "e.dataset.day, e.innerText])")
    assert [(gh, day) for gh, day, _ in sources] == [("GH-001", "2026-11-14"), ("GH-001", "2026-11-15"),
                                                     ("GH-002", "2026-11-16")]
    assert "津优35号" in sources[0][2] and "粉冠" in sources[2][2]
    sprays = page.inner_text("[data-list=sprays]")
    assert "吡虫啉" in sprays and "2026-11-13" in sprays and "已遵守" in sprays
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    html = page.content()
    for secret in traced.personal:
        assert secret not in html, secret


def test_browser_unknown_code_is_a_plain_chinese_404(live_server, traced, anonymous):
    response = anonymous.goto(f"{live_server}/trace/NO-SUCH-CODE")
    assert response.status == 404
    assert anonymous.get_attribute("html", "lang") == "zh-CN"
    assert "未找到合格证" in anonymous.inner_text("main")
    assert "Traceback" not in anonymous.content()
