"""The report pages per role: archive, a day, making it now, bad and future days, the Excel download, the
dashboard link; in Chinese."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from farm import clock
from farm.jobs import JOBS, Scheduler
from farm.models.daily_reports import DailyReport
from farm.services import daily_report
from tests.conftest import csrf_token, login
from tests.daily_report.helpers import DAY, alert, build_land, build_park, local
from tests.factories import PASSWORD, make_user

# "Today" and "now" stand still through each test (and cannot roll over midnight under it).
pytestmark = pytest.mark.usefixtures("frozen_clock")

URL = f"/reports/daily/{DAY.isoformat()}"


@pytest.fixture
def park(session):
    fixtures = build_park(session)  # makes the manager login
    build_land(session)
    for role in ("admin", "worker", "viewer"):
        make_user(session, role)
    alert(session, fixtures["park"].greenhouses[0], "cold", local(3), local(4))
    daily_report.generate(session, DAY, local(20))
    session.commit()
    return fixtures


def _client(app, role):
    client = app.test_client()
    if role:
        assert login(client, role, PASSWORD).status_code == 302
    return client


@pytest.mark.parametrize("role", ["admin", "manager", "viewer"])
def test_pages_day_and_archive_show_the_numbers(app, park, role):
    client = _client(app, role)
    page = client.get(URL)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "园区日报 2026-11-20" in text
    assert "170.5 / 400 公斤" in text and "42%" in text
    assert "10.0 – 27.0" in text and "西红柿" in text  # GH-001's temperature, its crop
    assert "5.0 – 40.0" in text and "未种植" in text  # GH-003: readings, no planting
    assert "climate-quiet" not in text  # every greenhouse with sensors sent something
    assert "TZ-2024-001" in text and "8,000.00" in text and "2026-12-10" in text and "3,000.00" in text
    assert "2027-02-28" in text
    assert "GH-001 温度过低：10.5 °C，低于作物适宜下限 12.0 °C。" in text and "11-20 03:00 – 11-20 04:00" in text
    assert "13847312345" not in text and "150303196805121234" not in text
    assert ("重新生成日报" in text) is (role != "viewer")
    archive = client.get("/reports/daily/").get_data(as_text=True)
    assert URL in archive and "170.5" in archive
    assert client.get(URL + "/export.xlsx").status_code == 200


def test_pages_worker_and_anonymous_are_kept_out(app, park):
    worker = _client(app, "worker")
    for url in ("/reports/daily/", URL, URL + "/export.xlsx"):
        assert worker.get(url).status_code == 403
        anonymous = app.test_client().get(url)
        assert anonymous.status_code == 302 and "/login" in anonymous.location
    response = worker.post(URL + "/generate", data={"csrf_token": csrf_token(worker, "/me")})
    assert response.status_code == 403


def test_pages_a_day_not_made_yet_offers_managers_to_make_it(app, session, park):
    day = DAY - timedelta(days=1)
    url = f"/reports/daily/{day.isoformat()}"
    viewer = _client(app, "viewer")
    text = viewer.get(url).get_data(as_text=True)
    assert "这份日报尚未生成" in text and "立即生成日报" not in text
    assert viewer.post(url + "/generate", data={"csrf_token": csrf_token(viewer, url)}).status_code == 403
    manager = _client(app, "manager")
    assert "立即生成日报" in manager.get(url).get_data(as_text=True)
    assert manager.post(url + "/generate").status_code == 400  # no CSRF token
    session.expire_all()
    assert session.get(DailyReport, day) is None
    response = manager.post(url + "/generate", data={"csrf_token": csrf_token(manager, url)})
    assert response.status_code == 302 and response.location.endswith(url)
    text = manager.get(url).get_data(as_text=True)
    assert "日报已生成" in text and "77.0 / 1,500 公斤" in text
    # The day before, only GH-001 has a reading (-5 °C at 23:55); GH-002 and GH-003 sent nothing.
    assert "-5.0 – -5.0" in text and "当天传感器没有数据的大棚（2）" in text
    session.expire_all()
    assert session.get(DailyReport, day) is not None


@pytest.mark.parametrize("text", ["2026-13-01", "yesterday", "2026-1-1", "1"])
def test_pages_bad_day_is_404_with_a_translated_message(app, park, text):
    client = _client(app, "manager")
    for url in (f"/reports/daily/{text}", f"/reports/daily/{text}/export.xlsx"):
        page = client.get(url)
        assert page.status_code == 404
        assert "日期请写成 YYYY-MM-DD" in page.get_data(as_text=True)


def test_pages_future_day_says_so_and_cannot_be_made(app, session, park):
    client = _client(app, "manager")
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    page = client.get(f"/reports/daily/{tomorrow}")
    assert page.status_code == 404 and "还没到" in page.get_data(as_text=True)
    url = f"/reports/daily/{tomorrow}/generate"
    response = client.post(url, data={"csrf_token": csrf_token(client, URL)})
    assert response.status_code == 422 and "还没到" in response.get_data(as_text=True)
    session.expire_all()
    assert session.query(DailyReport).count() == 1


def test_pages_excel_opens_with_a_sheet_per_section_and_the_numbers(app, park):
    client = _client(app, "viewer")
    response = client.get(URL + "/export.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "daily-report-2026-11-20.xlsx" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["概要", "按作物采收", "按大棚采收", "环境", "告警", "租金", "即将到期的合同"]
    summary = {row[0]: row[1] for row in book["概要"].iter_rows(values_only=True)}
    assert summary["采收（公斤）"] == 170.5 and summary["日目标（公斤）"] == 400 and summary["完成目标（%）"] == 42
    crops = list(book["按作物采收"].iter_rows(values_only=True))
    assert crops[0] == ("作物", "重量（公斤）", "重量（斤）", "条数")
    assert crops[1] == ("西红柿", 120.5, 241, 2)
    climate = {row[0]: row for row in book["环境"].iter_rows(min_row=2, values_only=True)}
    # GH-001: 10-27 °C, 20 minutes too cold, 10 too hot, humidity 40-60 and 10 minutes outside, 50 with readings.
    assert climate["GH-001"][2:10] == (10, 27, 0.33, 0.17, 40, 60, 0.17, 0.83)
    rent = list(book["租金"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1], r[4], r[5]) for r in rent] == [("逾期", "TZ-2024-001", 8000, 264),
                                                       ("待付", "TZ-2025-002", 3000, 20)]
    alerts = list(book["告警"].iter_rows(values_only=True))
    assert alerts[1][:5] == ("GH-001", "温度过低", "警告", "2026-11-20 03:00", "2026-11-20 04:00")
    ending = list(book["即将到期的合同"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[3]) for r in ending] == [("TZ-2024-001", 100)]
    assert client.get(f"/reports/daily/{(DAY - timedelta(days=1)).isoformat()}/export.xlsx").status_code == 404


def test_pages_archive_is_paged_newest_first(app, session, park):
    for n in range(1, 35):
        session.add(DailyReport(day=DAY - timedelta(days=n), generated_at=local(20), data={}))
    session.commit()
    client = _client(app, "viewer")
    first = client.get("/reports/daily/").get_data(as_text=True)
    assert first.count('href="/reports/daily/2026-') == 30 + 1  # the rows, and today's button
    assert first.index("/reports/daily/2026-11-20") < first.index("/reports/daily/2026-11-19")
    assert "第 1 页，共 2 页" in first
    second = client.get("/reports/daily/?page=2").get_data(as_text=True)
    assert second.count('href="/reports/daily/2026-') == 5 + 1
    assert "/reports/daily/2026-10-17" in second
    assert client.get("/reports/daily/?page=abc").status_code == 200


def test_pages_dashboard_links_the_report_and_shows_the_reminder_check(app, database, park):
    client = _client(app, "manager")
    text = client.get("/dashboard").get_data(as_text=True)
    assert URL in text and "定时任务尚未检查过土地提醒" in text
    jobs = {job.name: job for job in JOBS}
    assert Scheduler(database, [], holder="t").run_job(jobs["land_reminders"], clock.now()) == "ok"
    text = client.get("/dashboard").get_data(as_text=True)
    assert "土地提醒上次检查时间" in text
    assert "租金逾期" in text  # the land panel's reminders, from the same service
    english = client.get("/dashboard?lang=en").get_data(as_text=True)
    assert "Daily park report" in english and "Land reminders last checked at" in english
    status = client.get("/scheduler/").get_data(as_text=True)
    assert "园区日报" in status and "土地提醒" in status


def test_pages_nav_has_the_daily_report(app, park):
    text = _client(app, "viewer").get("/reports/daily/").get_data(as_text=True)
    assert 'href="/reports/daily/"' in text and "日报" in text
