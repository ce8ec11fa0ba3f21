"""The greenhouse page's charts in a real Chromium on a 360 px phone, in Chinese: drawn from the rollups with the
crop's bands, the range buttons switch, they resize, a greenhouse without readings says so and a lone period shows."""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import insert

from farm import clock
from farm.models.rollups import ReadingRollup, RollupMark
from farm.models.sensors import Device
from farm.services import rollups
from tests.factories import PASSWORD, make_crop, make_park, make_planting, make_users
from tests.test_browser_foundation import PHONE, fits_the_phone, log_in, phone  # noqa: F401 - fixture

pytestmark = pytest.mark.browser

NOW = datetime(2026, 11, 20, 10, 17, 30, tzinfo=timezone.utc)


def series(device, resolution, step, periods, metric="temperature"):
    """`periods` rollups ending with the current one, following a daily swing between about 12 and 28 °C."""
    last = {"5m": rollups.floor5, "1h": rollups.hour_start, "1d": rollups.day_start}[resolution](NOW)
    out = []
    for i in range(periods):
        start = last - step * i
        mean = 20 + 8 * math.sin(2 * math.pi * clock.local(start).hour / 24)
        out.append({"device_id": device.id, "metric": metric, "resolution": resolution, "period_start": start,
                    "greenhouse_id": device.greenhouse_id, "min": mean - 1.5, "max": mean + 1.5, "mean": mean,
                    "count": 5})
    return out


@pytest.fixture
def charted(session, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    park = make_park(session, greenhouses=3)
    crop = make_crop(session, day_temp_min=Decimal(25), day_temp_max=Decimal(29), night_temp_min=Decimal(18),
                     night_temp_max=Decimal(22), humidity_min=Decimal(60), humidity_max=Decimal(85))
    make_planting(session, park.greenhouses[0], crop)
    device = Device(code="th-001", greenhouse_id=park.greenhouses[0].id)
    session.add(device)
    session.flush()
    make_users(session)
    session.add(RollupMark(name=rollups.MARK, done_until=rollups.floor5(NOW)))
    lone = Device(code="th-003", greenhouse_id=park.greenhouses[2].id)  # GH-003: one 5-minute period only
    session.add(lone)
    session.flush()
    rows = (series(lone, "5m", timedelta(minutes=5), 1) + series(device, "5m", timedelta(minutes=5), 288) + series(device, "1h", timedelta(hours=1), 7 * 24)
            + series(device, "1d", timedelta(days=1), 90) + series(device, "1d", timedelta(days=1), 30, "humidity"))
    session.execute(insert(ReadingRollup), rows)
    session.commit()


CHART = "Chart.getChart(document.getElementById('chart-{}'))"


def drawn_pixels(page, metric: str) -> int:
    return page.evaluate(f"""() => {{
        const c = document.getElementById('chart-{metric}');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
        return n;
    }}""")


def shaded(page, metric: str, at: datetime, value: float) -> bool:
    """Whether the chart has paint at time `at` and height `value` (a band, the min-max shade or a line)."""
    return page.evaluate(f"""() => {{
        const chart = {CHART.format(metric)}, ratio = chart.currentDevicePixelRatio;
        const x = chart.scales.x.getPixelForValue({int(at.timestamp() * 1000)}) * ratio;
        const y = chart.scales.y.getPixelForValue({value}) * ratio;
        return chart.ctx.getImageData(Math.round(x), Math.round(y), 1, 1).data[3] > 0;
    }}""")


def test_browser_greenhouse_charts_draw_switch_ranges_and_fit_a_phone(live_server, charted, phone):  # noqa: F811
    page = phone
    log_in(page, live_server, "viewer", PASSWORD)
    page.goto(live_server + "/greenhouses/GH-001")
    page.wait_for_function(f"() => {CHART.format('temperature')}")
    assert drawn_pixels(page, "temperature") > 2000
    chart = CHART.format("temperature")
    legend = page.evaluate(f"{chart}.legend.legendItems.map(i => i.text)")
    assert legend == ["平均", "最低–最高", "黄瓜适宜范围（白天/夜间）"]
    # One band following the day hours (07:00-19:00): night 18-22 °C, then day 25-29 °C from 07:00.
    tops = page.evaluate(f"{chart}.data.datasets[3].data.map(p => p.y)")
    assert tops == [29, 22, 29, 29], tops
    night, day = datetime(2026, 11, 19, 18, tzinfo=timezone.utc), datetime(2026, 11, 20, 5, tzinfo=timezone.utc)
    assert shaded(page, "temperature", night, 19.0) and not shaded(page, "temperature", night, 28.5)  # 02:00
    assert shaded(page, "temperature", day, 28.5)  # 13:00
    assert page.evaluate(f"{chart}.options.scales.y.title.text") == "气温（°C）"
    assert page.evaluate(f"{chart}.options.scales.x.title.text") == "园区时间"
    labels = page.evaluate(f"{chart}.scales.x.ticks.map(t => t.label)")
    assert labels and all(len(label) == 5 and label[2] == ":" or "/" in label for label in labels), labels
    assert page.evaluate(f"{chart}.data.datasets[0].data.length") == 288
    assert page.inner_text(".chart-note").startswith("最近 24 小时")
    # Humidity has only daily rollups: the day view says there is nothing rather than drawing an empty canvas.
    assert page.is_visible(".metric-chart[data-metric=humidity] .chart-empty")
    assert page.inner_text(".metric-chart[data-metric=humidity] .chart-empty") == "暂无读数。"
    assert not page.is_visible("#chart-humidity")
    fits_the_phone(page)
    width = page.evaluate("document.getElementById('chart-temperature').getBoundingClientRect().width")
    assert 250 < width <= PHONE["width"]

    page.click("button[data-range='7d']")
    page.wait_for_function(f"() => {chart}.data.datasets[0].data.length === 168")
    assert page.get_attribute("button[data-range='7d']", "aria-pressed") == "true"
    assert page.get_attribute("button[data-range='24h']", "aria-pressed") == "false"
    assert page.inner_text(".chart-note").startswith("最近 7 天")
    labels = page.evaluate(f"{chart}.scales.x.ticks.map(t => t.label)")
    assert "11/20" in labels and all("/" in label for label in labels), labels

    page.click("button[data-range='90d']")
    page.wait_for_function(f"() => {chart}.data.datasets[0].data.length === 90")
    legend = page.evaluate(f"{chart}.legend.legendItems.map(i => i.text)")
    assert legend == ["平均", "最低–最高", "黄瓜适宜范围（白天）", "黄瓜适宜范围（夜间）"]
    page.wait_for_function(f"() => {CHART.format('humidity')}")
    assert page.is_visible("#chart-humidity") and not page.is_visible(".metric-chart[data-metric=humidity] .chart-empty")
    assert drawn_pixels(page, "humidity") > 1000
    assert page.is_visible(".metric-chart[data-metric=co2] .chart-empty")
    fits_the_phone(page)

    page.click("button[data-range='24h']")  # kept from the first load: no request needed
    page.wait_for_function(f"() => {chart}.data.datasets[0].data.length === 288")
    assert not page.is_visible("#chart-humidity")

    page.set_viewport_size({"width": 1000, "height": 800})
    page.wait_for_function("() => document.getElementById('chart-temperature').getBoundingClientRect().width > 400")
    page.set_viewport_size(PHONE)
    page.wait_for_function("() => document.getElementById('chart-temperature').getBoundingClientRect().width < 360")
    fits_the_phone(page)

    page.goto(live_server + "/park")  # the overview's trend line in the tile, inside the phone's width
    trend = page.locator(".gh-tile[data-code=GH-001] .gh-trend svg")
    assert trend.is_visible() and trend.bounding_box()["width"] > 30
    assert page.locator(".gh-tile[data-code=GH-002] .gh-trend").count() == 0
    fits_the_phone(page)


def test_browser_greenhouse_without_readings_says_so_and_a_lone_period_shows(live_server, charted, phone):  # noqa: F811
    page = phone
    log_in(page, live_server, "manager", PASSWORD)
    page.goto(live_server + "/greenhouses/GH-002")
    page.wait_for_load_state("load")
    assert page.locator(".chart-empty:visible").count() == 6
    assert page.locator("canvas:visible").count() == 0
    assert page.evaluate("Chart.getChart(document.getElementById('chart-temperature')) === undefined")
    page.click("button[data-range='90d']")
    expect(page.locator("#charts")).to_have_attribute("data-range", "90d")
    assert page.locator(".chart-empty:visible").count() == 6
    assert page.inner_text(".chart-empty >> nth=0") == "暂无读数。"
    fits_the_phone(page)

    # A single reading period has no line to draw: it still shows, as a dot.
    page.goto(live_server + "/greenhouses/GH-003")
    page.wait_for_function(f"() => {CHART.format('temperature')}")
    [[ms, _low, mean, _high]] = page.evaluate(
        "JSON.parse(document.getElementById('chart-config').textContent).initial.series.temperature")
    assert shaded(page, "temperature", datetime.fromtimestamp(ms / 1000, timezone.utc), mean)
    assert page.locator(".chart-empty:visible").count() == 5
