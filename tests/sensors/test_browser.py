"""The sensor pages in a real Chromium on a 360 px phone: the device list, editing a device, the rejects."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from farm.models.sensors import IngestReject
from tests.test_browser_foundation import fits_the_phone, log_in, phone  # noqa: F401 - fixture

pytestmark = pytest.mark.browser


def test_browser_sensor_pages_fit_a_phone_and_a_device_is_renamed(live_server, demo, phone, session):  # noqa: F811
    session.add(IngestReject(received_at=datetime.now(timezone.utc), topic="farm/yawei/GH-001/th-001/telemetry",
                             payload='{"temperature": "warm", "humidity": ' + "9" * 400 + "}",
                             reason="not_a_number", detail="temperature=warm"))
    session.commit()
    page = phone
    log_in(page, live_server, "manager")
    page.goto(live_server + "/devices")
    assert "th-104" in page.inner_text("main")
    fits_the_phone(page)
    page.goto(live_server + "/devices/th-007/edit")
    fits_the_phone(page)
    page.fill("#f-name", "北端温湿度")
    with page.expect_navigation():
        page.click("form button[type=submit].primary")
    assert page.url.endswith("/devices")
    assert "设备已保存。" in page.inner_text(".flash")
    assert "北端温湿度" in page.inner_text("main")
    page.goto(live_server + "/devices/rejects")
    assert "数值不是数字" in page.inner_text("main")
    fits_the_phone(page)
    page.goto(live_server + "/dashboard")
    assert "在线设备" in page.inner_text("main")
