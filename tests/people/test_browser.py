"""A worker on a 360 px phone in Chinese: today's jobs on their home page, then this month's payslip that adds up."""
from __future__ import annotations

from decimal import Decimal

import pytest

from farm import clock
from farm.inputs.people import JobIn
from farm.services import payroll, people
from tests.conftest import PHONE
from tests.factories import PASSWORD
from tests.people.conftest import add_harvest

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("frozen_clock")]



def test_browser_worker_opens_todays_jobs_and_payslip(live_server, session, farm, phone):
    today = clock.today()
    payroll.set_piece_rate(session, "cucumber", "premium", today.replace(day=1), Decimal("0.30"))
    job = people.create_job(session, JobIn.model_validate({"kind": "harvest", "greenhouse": "GH-001",
                                                           "date": today.isoformat(), "hours": "6",
                                                           "workers": [farm.alice.id]}))
    people.create_job(session, JobIn.model_validate({"kind": "packing", "date": today.isoformat(), "hours": "2",
                                                     "workers": [farm.bob.id]}))
    people.record_attendance(session, [(job.assignments[0].id, True, Decimal(6))])
    add_harvest(session, farm, farm.alice, today, "25.5", crates=3)
    session.commit()
    context, page = phone
    page.goto(live_server + "/login")
    page.fill("#username", "worker")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit].primary")
    page.goto(live_server + "/me")
    assert page.get_attribute("html", "lang") == "zh-CN"
    jobs = page.inner_text("#today-jobs")
    assert "我今天的工作" in jobs and "采摘" in jobs and "GH-001" in jobs
    assert "包装车间" not in jobs  # bob's job is not hers
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    with page.expect_navigation():
        page.click("#my-payslip")
    text = page.inner_text("main")
    # one line per source of pay, and a total that is their sum: 150 + 25.5 × 0.30 + 3 × 0.50
    assert "日工资" in text and "采摘" in text and "打包装箱" in text and "51.0 斤" in text
    amounts = [Decimal(a.replace(",", "")) for a in page.locator(".pay-line .amount").all_inner_texts()]
    assert amounts == [Decimal("150.00"), Decimal("7.65"), Decimal("1.50")]
    assert Decimal(page.inner_text("#pay-total").replace(",", "")) == sum(amounts) == Decimal("159.15")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('#pay-total')).fontSize)")
    assert size >= 32
    page.goto(live_server + f"/payroll/{clock.month_of(today)}/workers/{farm.bob.id}")
    assert "李建国" not in page.inner_text("body")
