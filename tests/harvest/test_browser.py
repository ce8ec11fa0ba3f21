"""The worker's harvest page in a real Chromium on a 360 px phone, in Chinese: 斤 shown as kg, an offline save
queued and sent once when the connection returns, a lost answer retried without a second record, and the
manager's dashboard counting them all."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from farm.models.harvest import Harvest
from tests.conftest import PHONE, log_in

pytestmark = pytest.mark.browser


def stored(session) -> list[Harvest]:
    session.expire_all()
    return session.scalars(select(Harvest).order_by(Harvest.id)).all()


def save(page, weight: str, unit: str, grade: str) -> None:
    page.fill("#f-weight", weight)
    page.click(f".units input[value={unit}] + span")
    page.click(f".grades input[value={grade}] + span")
    page.click("button.save")


def test_browser_worker_logs_in_jin_offline_and_once(live_server, session, farm, phone):
    context, page = phone
    log_in(page, live_server, "worker")
    page.goto(live_server + "/harvest?gh=GH-001")
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.inner_text("#crop-name") == "黄瓜"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # 1. 30 斤 is stored and shown as 15 kg.
    page.fill("#f-weight", "30")
    page.click(".units input[value=jin] + span")
    assert "15.0 公斤" in page.inner_text("#conversion")
    page.click(".grades input[value=premium] + span")
    page.click("button.save")
    page.wait_for_selector("#entries li.new")
    assert "15.0 公斤" in page.inner_text("#entries li.new")
    assert page.get_attribute("#entries li.new a.fix", "href").endswith("/edit")
    assert page.inner_text("#total-kg") == "15.0"
    assert [(h.weight_kg, h.grade) for h in stored(session)] == [(Decimal("15"), "premium")]

    # 2. Offline: the save waits on the phone and is shown as waiting.
    context.set_offline(True)
    save(page, "20", "kg", "grade1")
    page.wait_for_selector("#queue-card:not([hidden]) #queue li")
    assert "20.0 公斤" in page.inner_text("#queue")
    assert "没有网络" in page.inner_text("#form-status")
    assert len(stored(session)) == 1

    # 3. Back online: the waiting entry is sent and stored once.
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector("#queue-card[hidden]", state="attached")
    page.wait_for_function("document.querySelectorAll('#entries li.new').length === 2")
    assert [h.weight_kg for h in stored(session)] == [Decimal("15"), Decimal("20")]

    # 4. The server stores a save but the answer is lost: the retry with the same key stores nothing more.
    lost = {"done": False}

    def lose_answer(route):
        if lost["done"]:
            route.continue_()
            return
        route.fetch()  # reaches the server, which stores it
        lost["done"] = True
        route.abort("internetdisconnected")

    page.route("**/api/v1/harvests", lose_answer)
    save(page, "7.5", "kg", "grade2")
    page.wait_for_function("document.getElementById('form-status').textContent.indexOf('没有网络') >= 0")
    assert "7.5 公斤" in page.inner_text("#queue")
    assert len(stored(session)) == 3
    page.click("#send-now")
    page.wait_for_selector("#queue-card[hidden]", state="attached")
    page.wait_for_function("document.querySelectorAll('#entries li.new').length === 3")
    assert [h.weight_kg for h in stored(session)] == [Decimal("15"), Decimal("20"), Decimal("7.5")]
    assert page.inner_text("#total-kg") == "42.5"

    # 5. The manager's dashboard counts them all.
    manager = context.browser.new_context(viewport=PHONE, locale="zh-CN")
    try:
        board = manager.new_page()
        log_in(board, live_server, "manager")
        board.goto(live_server + "/dashboard")
        assert "42.5 / 1,500" in board.inner_text("#harvest-today")
    finally:
        manager.close()


def test_browser_harvest_pages_fit_a_phone(live_server, session, farm, phone):
    _context, page = phone
    log_in(page, live_server, "manager")
    page.goto(live_server + "/harvest")
    page.fill("#f-weight", "12")
    page.click("button.save")
    page.wait_for_selector("#entries li.new")
    for path in ("/harvest", "/harvests", "/reports/yield", "/reports/yield?by=planting", "/dashboard",
                 "/harvest/labels", "/harvests/1", "/harvests/1/edit"):
        page.goto(live_server + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
    page.goto(live_server + "/reports/yield")
    page.wait_for_function("window.Chart && Chart.getChart(document.getElementById('yield-chart'))")
