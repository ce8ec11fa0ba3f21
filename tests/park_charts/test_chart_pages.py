"""The greenhouse page's charts: its chart-data route (ranges, permissions, bad input), the page's embedded
configuration with the crop's bands and the empty state, and the park overview's temperature trend."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import insert

from farm import clock
from farm.models.rollups import ReadingRollup, RollupMark
from farm.models.sensors import Device
from farm.services import readings, rollups
from farm.web.park import sparkline
from tests.conftest import login
from tests.factories import PASSWORD, make_crop, make_park, make_planting, make_users

UTC = timezone.utc
NOW = datetime(2026, 11, 20, 10, 17, 30, tzinfo=UTC)  # 18:17 in the park
CUCUMBER = {"day_temp_min": Decimal("25"), "day_temp_max": Decimal("29"), "night_temp_min": Decimal("18"),
            "night_temp_max": Decimal("22"), "humidity_min": Decimal("60"), "humidity_max": Decimal("85"),
            "soil_temp_min": Decimal("20"), "soil_temp_max": Decimal("25")}


def row(device, resolution, start, mean, n, lo=None, hi=None, metric="temperature"):
    return {"device_id": device.id, "metric": metric, "resolution": resolution, "period_start": start,
            "greenhouse_id": device.greenhouse_id, "min": mean - 1 if lo is None else lo,
            "max": mean + 1 if hi is None else hi, "mean": mean, "count": n}


@pytest.fixture
def park(session, monkeypatch):
    """GH-001 growing cucumber with devices a and b, GH-002 with c, GH-003 without devices; rollups up to NOW."""
    monkeypatch.setattr(clock, "now", lambda: NOW)
    p = make_park(session, greenhouses=3)
    gh1, gh2, _gh3 = p.greenhouses
    make_planting(session, gh1, make_crop(session, **CUCUMBER))
    a, b = Device(code="th-a", greenhouse_id=gh1.id), Device(code="th-b", greenhouse_id=gh1.id)
    c = Device(code="th-c", greenhouse_id=gh2.id)
    session.add_all([a, b, c])
    session.flush()
    make_users(session)
    hour = rollups.hour_start(NOW)
    session.add(RollupMark(name=rollups.MARK, done_until=rollups.floor5(NOW)))
    session.execute(insert(ReadingRollup), [
        row(a, "1h", hour - timedelta(hours=2), 12.0, 60), row(b, "1h", hour - timedelta(hours=2), 15.0, 30),
        row(a, "1h", hour - timedelta(hours=1), 13.0, 60),
        row(a, "1h", hour, 14.0, 10),
        row(a, "1h", hour - timedelta(hours=24), 40.0, 60),  # 25 hours ago: outside the trend
        row(c, "1h", hour - timedelta(hours=1), 8.0, 60),
        row(a, "1h", hour - timedelta(hours=1), 900.0, 60, metric="co2"),
        row(a, "5m", rollups.floor5(NOW) - timedelta(minutes=5), 21.0, 5, 20.0, 23.0),
        row(a, "1d", rollups.day_start(NOW), 18.0, 600, 10.0, 27.0),
    ])
    session.commit()
    return {"hour": hour, "gh1": gh1, "gh2": gh2}


def test_chart_data_route_gives_each_range_at_its_resolution(client, park):
    login(client, "viewer", PASSWORD)
    week = client.get("/greenhouses/GH-001/readings.json?range=7d")
    assert week.status_code == 200
    data = week.get_json()
    assert (data["range"], data["resolution"]) == ("7d", "1h")
    assert data["to"] - data["from"] == 7 * 24 * 3600 * 1000
    hour_ms = int(park["hour"].timestamp() * 1000)
    assert data["to"] == hour_ms + 3600 * 1000  # the current hour is the newest period
    two_ago = hour_ms - 2 * 3600 * 1000
    # Two devices merged: min of mins, max of maxes, (12*60 + 15*30) / 90.
    assert data["series"]["temperature"][-3:] == [[two_ago, 11.0, 13.0, 16.0], [two_ago + 3600 * 1000, 12.0, 13.0, 14.0],
                                                  [hour_ms, 13.0, 14.0, 15.0]]
    assert data["series"]["co2"] == [[two_ago + 3600 * 1000, 899.0, 900.0, 901.0]]
    assert data["series"]["humidity"] == []
    assert all(clock.local(datetime.fromtimestamp(v / 1000, UTC)).strftime("%H:%M") == "00:00"
               for v in data["ticks"]) and len(data["ticks"]) == 7
    day = client.get("/greenhouses/GH-001/readings.json?range=24h").get_json()
    assert day["resolution"] == "5m" and day["series"]["temperature"][-1][1:] == [20.0, 21.0, 23.0]
    assert day["to"] - day["from"] == 24 * 3600 * 1000
    # 18:20 to 18:20 in the park: the end of yesterday's day hours (until 19:00) and today's from 07:00.
    ms = lambda *args: int(datetime(2026, 11, *args, tzinfo=UTC).timestamp() * 1000)  # noqa: E731
    assert day["day"] == [[ms(19, 10, 20), ms(19, 11)], [ms(19, 23), ms(20, 10, 20)]]
    quarter = client.get("/greenhouses/GH-001/readings.json?range=90d").get_json()
    assert quarter["resolution"] == "1d" and quarter["series"]["temperature"][-1][1:] == [10.0, 18.0, 27.0]
    assert quarter["day"] is None  # a daily point spans day and night
    start = clock.local(datetime.fromtimestamp(quarter["from"] / 1000, UTC))
    assert start.isoformat() == "2026-08-23T00:00:00+08:00"  # 90 park days up to 20 November


@pytest.mark.parametrize("query", ["range=1y", "range=", "", "range=7d%27"])
def test_chart_data_route_bad_range_is_a_translated_422(client, park, query):
    login(client, "manager", PASSWORD)
    r = client.get("/greenhouses/GH-001/readings.json?" + query)
    assert r.status_code == 422
    error = r.get_json()["error"]
    assert error["message"] == "未知的时间范围。" and error["fields"] == {"range": "请选择 24h、7d 或 90d。"}


def test_chart_data_route_unknown_greenhouse_and_roles(client, park):
    assert client.get("/greenhouses/GH-001/readings.json?range=7d").status_code == 302  # to the login page
    login(client, "worker", PASSWORD)
    assert client.get("/greenhouses/GH-001/readings.json?range=7d").status_code == 403
    client.post("/logout")
    login(client, "manager", PASSWORD)
    missing = client.get("/greenhouses/GH-404/readings.json?range=7d")
    assert missing.status_code == 404 and "greenhouse" in missing.get_json()["error"]["fields"]


def _config(page: str, name: str) -> dict:
    return json.loads(re.search(rf'<script type="application/json" id="{name}">(.*?)</script>', page, re.S).group(1))


def test_greenhouse_page_embeds_the_day_and_the_crop_bands_in_chinese(client, park):
    login(client, "viewer", PASSWORD)
    page = client.get("/greenhouses/GH-001").get_data(as_text=True)
    config, text = _config(page, "chart-config"), _config(page, "chart-text")
    assert config["initial"]["range"] == "24h" and config["url"] == "/greenhouses/GH-001/readings.json"
    assert config["bands"] == {"temperature": [{"kind": "day", "lo": 25.0, "hi": 29.0},
                                               {"kind": "night", "lo": 18.0, "hi": 22.0}],
                               "humidity": [{"kind": "range", "lo": 60.0, "hi": 85.0}],
                               "soil_temperature": [{"kind": "range", "lo": 20.0, "hi": 25.0}]}
    assert text["lang"] == "zh-CN" and text["mean"] == "平均" and text["axis"]["temperature"] == "气温（°C）"
    assert text["bands"]["night"] == "黄瓜适宜范围（夜间）"
    assert "黄瓜适宜范围（白天）: 25.0–29.0 °C" in page and "白天时段 07:00–19:00" in page
    assert text["bands"]["daynight"] == "黄瓜适宜范围（白天/夜间）"
    assert page.count('class="metric-chart"') == 6
    # The day has temperature readings only: the other five charts say so instead of drawing an empty canvas.
    assert len(re.findall(r'<p class="chart-empty muted">暂无读数。</p>', page)) == 5
    assert '<div class="chart-canvas"><canvas id="chart-temperature"' in page


def test_greenhouse_page_without_devices_or_planting_shows_no_readings_and_no_bands(client, park):
    login(client, "manager", PASSWORD)
    page = client.get("/greenhouses/GH-003").get_data(as_text=True)
    assert _config(page, "chart-config")["bands"] == {}
    assert len(re.findall(r'<p class="chart-empty muted">暂无读数。</p>', page)) == 6
    assert "适宜范围" not in page


def test_overview_trend_is_the_merged_hourly_mean_of_the_last_day(client, session, park):
    hour = park["hour"]
    trends = readings.hourly_trend(session, [park["gh1"].id, park["gh2"].id])
    epoch = int(hour.timestamp())
    # (12*60 + 15*30) / 90 for the two devices two hours ago; the 25-hour-old period is left out.
    assert trends[park["gh1"].id] == [(epoch - 7200, 13.0), (epoch - 3600, 13.0), (epoch, 14.0)]
    assert trends[park["gh2"].id] == [(epoch - 3600, 8.0)]
    assert readings.hourly_trend(session, [park["gh2"].id], metric="co2") == {}
    login(client, "viewer", PASSWORD)
    page = client.get("/park").get_data(as_text=True)
    tile = page[page.index('data-code="GH-001"'):page.index('data-code="GH-002"')]
    assert 'aria-label="最近 24 小时气温：13.0 至 14.0 °C，最近一小时 14.0 °C"' in tile
    assert re.search(r'<path d="M91\.3 22\.0 h0\.01 L95\.7 22\.0 L100\.0 2\.0"/>', tile)
    assert "gh-trend" not in page[page.index('data-code="GH-003"'):]


def test_sparkline_breaks_at_missing_hours():
    start = int(datetime(2026, 11, 20, tzinfo=UTC).timestamp())
    line = sparkline([(start, 10.0), (start + 3600, 20.0), (start + 3 * 3600, 15.0)], hours=4)
    assert line["path"] == "M0.0 22.0 h0.01 L33.3 2.0 M100.0 12.0 h0.01"
    assert (line["lo"], line["hi"], line["last"]) == (10.0, 20.0, 15.0)
