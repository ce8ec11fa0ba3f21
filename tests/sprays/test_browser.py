"""The interval through the phone's offline queue, in a real Chromium on a 360 px phone in Chinese: entries queued
on the phone for the last refused day and the first allowed day are sent when the page comes back; the refused one
is kept on the phone with the reason (product, spray day, first allowed day) until dismissed, and never sent again;
an offline save inside a running interval ends the same way."""
from __future__ import annotations

import json
from datetime import time, timedelta, timezone

import pytest
from sqlalchemy import select

from farm import clock
from farm.inputs.sprays import ProductIn, SprayIn
from farm.models.harvest import Harvest
from farm.services import sprays
from tests.conftest import PHONE, log_in
from tests.factories import make_farm

pytestmark = pytest.mark.browser


def stored(session) -> list[Harvest]:
    session.expire_all()
    return session.scalars(select(Harvest).order_by(Harvest.id)).all()


def utc_iso(day, at: time) -> str:
    return clock.at_local(day, at).astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


@pytest.fixture
def sprayed(session):
    """Cucumbers in GH-001; a spray of a 3-day product there five park days ago (the last refused day is three days
    ago, the first allowed two days ago) and one of a 2-day product a minute ago (running now). The clock runs: the
    phone's own clock stamps its entries."""
    _park, _crop, _planting, users = make_farm(session, planted_on=clock.today() - timedelta(days=60))
    sprays.save_product(session, ProductIn(name="吡虫啉", registration_no="PD20081234", active_ingredient="吡虫啉 10%",
                                           phi_days=3))
    sprays.save_product(session, ProductIn(name="啶虫脒", registration_no="PD20070345", active_ingredient="啶虫脒 5%",
                                           phi_days=2))
    today = clock.today()
    operator = users["worker"].worker_id
    old = sprays.record_spray(session, SprayIn(greenhouse="GH-001", applied_at=clock.at_local(today - timedelta(days=5),
                                                                                              time(17, 0)),
                                               product="吡虫啉", dose=20, target="蚜虫", operator=operator),
                              users["manager"])
    now = sprays.record_spray(session, SprayIn(greenhouse="GH-001", applied_at=clock.now() - timedelta(minutes=1),
                                               product="啶虫脒", dose=10, target="白粉虱", operator=operator),
                              users["manager"])
    session.commit()
    return old, now


def test_browser_the_offline_queue_keeps_a_refused_entry_and_sends_the_allowed_one(live_server, session, sprayed,
                                                                                  phone):
    old, running = sprayed
    last_refused, first_allowed = old.harvest_allowed_from - timedelta(days=1), old.harvest_allowed_from
    context, page = phone
    log_in(page, live_server, "worker")
    page.goto(live_server + "/harvest?gh=GH-001")
    # The interval still running is shown above the form and under the greenhouse picked.
    assert "尚未结束的安全间隔期" in page.inner_text("#intervals")
    assert f"{running.harvest_allowed_from.isoformat()} 起方可采收" in page.inner_text("#interval-note")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Two entries saved on the phone while offline: 23:59 of the last refused day, 00:00 of the first allowed day.
    user = page.get_attribute("#harvest-form", "data-user")
    queue = [
        {"id": "00000000-0000-4000-8000-000000000001", "crop": "黄瓜", "typed": "11", "unit": "kg",
         "body": {"greenhouse": "GH-001", "weight_kg": "11.000", "grade": "grade1",
                  "harvested_at": utc_iso(last_refused, time(23, 59))}},
        {"id": "00000000-0000-4000-8000-000000000002", "crop": "黄瓜", "typed": "12", "unit": "kg",
         "body": {"greenhouse": "GH-001", "weight_kg": "12.000", "grade": "grade1",
                  "harvested_at": utc_iso(first_allowed, time(0, 0))}},
    ]
    page.evaluate("([key, q]) => localStorage.setItem(key, q)", [f"farm.harvest.queue.{user}", json.dumps(queue)])
    page.reload()  # the page adopts what an older page kept, into its own queue, and sends it as it opens
    page.wait_for_selector("#refused-card:not([hidden]) #refused li")
    page.wait_for_selector("#queue-card[hidden]", state="attached")
    # (The allowed entry is of an earlier day, so it is stored but not listed among today's entries.)
    refused = page.inner_text("#refused")
    assert "11.0 公斤" in refused
    assert f"于 {old.day.isoformat()} 喷施了吡虫啉" in refused and f"{first_allowed.isoformat()} 起方可采收" in refused
    assert [(h.weight_kg, h.day) for h in stored(session)] == [(12, first_allowed)]

    # Kept on the phone after a reload, and not sent again.
    page.reload()
    page.wait_for_selector("#refused-card:not([hidden]) #refused li")
    page.evaluate("window.dispatchEvent(new Event('online'))")  # what sends the queue: nothing waits in it
    page.wait_for_selector("#queue-card[hidden]", state="attached")
    assert page.evaluate("([key]) => localStorage.getItem(key)", [f"farm.harvest.queue.{user}"]) is None
    assert len(stored(session)) == 1
    page.click("#refused li button.dismiss")
    page.wait_for_selector("#refused-card[hidden]", state="attached")
    page.reload()  # dismissed for good: the refused entry does not come back
    page.wait_for_selector("#refused-card[hidden]", state="attached")

    # Saved offline now, inside the running interval: queued, then refused when the connection returns.
    context.set_offline(True)
    page.fill("#f-weight", "9")
    page.click("button.save")
    page.wait_for_selector("#queue-card:not([hidden]) #queue li")
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector("#refused-card:not([hidden]) #refused li")
    page.wait_for_selector("#queue-card[hidden]", state="attached")
    assert "啶虫脒" in page.inner_text("#refused") and "未保存" in page.inner_text("#form-status")
    assert len(stored(session)) == 1


def test_browser_spray_form_fills_from_the_product_on_a_phone(live_server, session, sprayed, phone):
    product = next(p for p in sprays.list_products(session) if p.name == "吡虫啉")  # 3 days, and 4 on cucumbers
    sprays.save_product(session, ProductIn(name=product.name, registration_no=product.registration_no,
                                           active_ingredient=product.active_ingredient, phi_days=3,
                                           crop_intervals={"cucumber": 4}), product.id)
    session.commit()
    _context, page = phone
    log_in(page, live_server, "manager")
    page.goto(live_server + "/sprays/new?gh=GH-002")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.fill("#f-product", "吡虫啉")
    page.dispatch_event("#f-product", "change")
    assert page.input_value("#f-registration_no") == "PD20081234"
    assert page.input_value("#f-phi_days") == "3"  # GH-002 stands empty: the product's default
    page.select_option("#f-greenhouse", "GH-001")  # cucumbers
    assert page.input_value("#f-phi_days") == "4"
    page.fill("#f-dose", "15")
    page.fill("#f-target", "蚜虫")
    page.select_option("#f-operator", index=1)
    with page.expect_navigation():
        page.click("#spray-form button[type=submit]")
    assert "起方可采收" in page.inner_text("body")
    for path in ("/sprays", "/sprays/products", "/greenhouses/GH-001"):
        page.goto(live_server + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
