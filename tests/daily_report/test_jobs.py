"""The scheduled jobs: the daily report at its time, once, with catch-up after downtime and optional sending;
the land reminders recorded and notified once each."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from farm.jobs import JOBS, Scheduler
from farm.models.alerts import Notification
from farm.models.daily_reports import DailyReport, LandReminderRecord
from farm.models.scheduler import JobRun
from farm.services import daily_report, land_reminders, settings
from tests.daily_report.helpers import DAY, build_land, build_park, local


@pytest.fixture
def outbox(session, monkeypatch):
    """The notification outbox with a webhook channel on (nothing is delivered: no delivery job runs here)."""
    monkeypatch.delenv("FARM_LANGUAGE", raising=False)
    settings.put(session, "notify.webhook_url", "http://127.0.0.1:9/robot")
    session.commit()

    def sent() -> dict[str, tuple[str, str]]:
        session.expire_all()
        return {n.key: (n.subject, n.body) for n in session.scalars(select(Notification).order_by(Notification.id))}

    return sent


def _days(session):
    session.expire_all()
    return {r.day: r.generated_at for r in session.scalars(select(DailyReport))}


def _seed_week(session, until: date):
    """Reports of the seven days before `until`, each made at its day's time."""
    for back in range(1, 8):
        day = until - timedelta(days=back)
        daily_report.generate(session, day, daily_report.report_moment(session, day))
    session.commit()


def test_job_before_the_time_no_report_after_it_one_twice_still_one(session):
    build_park(session)
    _seed_week(session, DAY)
    assert daily_report.run_daily_report(session, local(19, 59)) == {"generated": []}
    session.commit()
    assert DAY not in _days(session)
    assert daily_report.run_daily_report(session, local(20, 0)) == {"generated": ["2026-11-20"]}
    session.commit()
    assert daily_report.run_daily_report(session, local(20, 5)) == {"generated": []}
    session.commit()
    days = _days(session)
    assert len(days) == 8 and days[DAY] == local(20, 0)
    assert session.get(DailyReport, DAY).data["harvest"]["total_kg"] == "170.500"


def test_job_catches_up_three_days_of_downtime(session):
    build_park(session)
    _seed_week(session, DAY + timedelta(days=1))  # up to and including DAY
    # The scheduler was down from DAY's evening until DAY+3 21:00: exactly the three missing days are made.
    now = local(21, 0, DAY + timedelta(days=3))
    made = daily_report.run_daily_report(session, now)
    session.commit()
    assert made == {"generated": ["2026-11-21", "2026-11-22", "2026-11-23"]}
    days = _days(session)
    assert [d for d, at in days.items() if at == now] == [date(2026, 11, 21), date(2026, 11, 22), date(2026, 11, 23)]
    assert session.get(DailyReport, date(2026, 11, 21)).data["climate"][0]["temperature"]["min"] == -5
    assert daily_report.run_daily_report(session, now + timedelta(minutes=5)) == {"generated": []}


def test_job_on_a_fresh_park_makes_the_last_seven_days_and_today(session):
    build_park(session)
    made = daily_report.run_daily_report(session, local(20, 30))
    session.commit()
    assert made["generated"] == [(DAY - timedelta(days=n)).isoformat() for n in range(7, -1, -1)]


def test_job_remakes_a_report_a_manager_made_before_the_time(session):
    build_park(session)
    _seed_week(session, DAY)
    daily_report.generate(session, DAY, local(15))
    session.commit()
    assert daily_report.run_daily_report(session, local(19)) == {"generated": []}
    assert daily_report.run_daily_report(session, local(20, 1)) == {"generated": ["2026-11-20"]}
    session.commit()
    assert _days(session)[DAY] == local(20, 1)


def test_job_follows_the_report_time_setting(session):
    build_park(session)
    _seed_week(session, DAY)
    settings.put(session, "report.daily_time", "18:00", valid_from=DAY)
    session.commit()
    assert daily_report.run_daily_report(session, local(17, 59)) == {"generated": []}
    assert daily_report.run_daily_report(session, local(18, 0)) == {"generated": ["2026-11-20"]}


def test_job_sends_the_summary_once_when_sending_is_on(session, outbox):
    build_park(session)
    build_land(session)
    _seed_week(session, DAY)
    daily_report.run_daily_report(session, local(20, 0))
    session.commit()
    assert outbox() == {}  # report.send is off by default
    session.delete(session.get(DailyReport, DAY))
    settings.put(session, "report.send", "1")
    session.commit()
    for minute in (5, 10):
        daily_report.run_daily_report(session, local(20, minute))
        session.commit()
    assert list(outbox()) == ["daily-report:2026-11-20"]
    subject, body = outbox()["daily-report:2026-11-20"]
    assert subject == "园区日报 2026-11-20"
    assert "采收：170.5 / 400 公斤（42%）" in body
    assert "逾期租金：1 笔，共 8,000.00 元" in body and "30 天内应付租金：1 笔，共 3,000.00 元" in body
    assert "超出作物适宜范围：GH-001, GH-002" in body


def test_job_runs_through_the_scheduler_and_is_logged(database, session):
    build_park(session)
    session.commit()
    jobs = {job.name: job for job in JOBS}
    scheduler = Scheduler(database, list(jobs.values()), holder="test")
    assert scheduler.run_job(jobs["daily_report"], local(20, 30)) == "ok"
    assert scheduler.run_job(jobs["land_reminders"], local(20, 30)) == "ok"
    session.expire_all()
    assert len(_days(session)) == 8
    runs = session.execute(select(JobRun.job, JobRun.outcome)
                           .where(JobRun.job.in_(["daily_report", "land_reminders"]))).all()
    assert sorted(tuple(r) for r in runs) == [("daily_report", "ok"), ("land_reminders", "ok")]


# --- land reminders --------------------------------------------------------------------------------

def _records(session):
    session.expire_all()
    return {r.key: r for r in session.scalars(select(LandReminderRecord))}


def test_land_reminders_job_records_and_notifies_each_once(session, outbox):
    fixtures = build_land(session)
    a, b = fixtures["a"].id, fixtures["b"].id
    session.commit()
    first = land_reminders.run_land_reminders(session, local(9))
    session.commit()
    keys = {f"land-reminder:rent_overdue:{a}:2026-03-01", f"land-reminder:rent_due:{b}:2026-12-10",
            f"land-reminder:contract_ending:{a}:2027-02-28"}
    assert first == {"current": 3, "new": 3, "notified": 3}
    assert set(_records(session)) == keys == set(outbox())  # contracts not filed are no scheduled reminder
    subject, body = outbox()[f"land-reminder:rent_overdue:{a}:2026-03-01"]
    assert subject == "租金逾期：合同 TZ-2024-001，王建国"
    assert body == subject + "\n8,000.00 元应于 2026-03-01 支付，已逾期 264 天"
    assert outbox()[f"land-reminder:contract_ending:{a}:2027-02-28"][1].endswith("于 2027-02-28 到期，还有 100 天")
    # Again the same day, and the next hour: nothing new is queued.
    for hour in (9, 10):
        assert land_reminders.run_land_reminders(session, local(hour)) == {"current": 3, "new": 0, "notified": 0}
        session.commit()
    assert len(outbox()) == 3
    records = _records(session)
    assert records[f"land-reminder:rent_due:{b}:2026-12-10"].last_seen_at == local(10)
    assert records[f"land-reminder:rent_due:{b}:2026-12-10"].first_seen_at == local(9)
    assert session.scalar(select(func.count()).select_from(Notification)) == 3  # one channel, one row each
    # Three weeks on, contract B's December rent is overdue: one new reminder, queued once.
    later = local(9, 0, date(2026, 12, 11))
    assert land_reminders.run_land_reminders(session, later)["notified"] == 1
    session.commit()
    assert f"land-reminder:rent_overdue:{b}:2026-12-10" in outbox()
    assert land_reminders.run_land_reminders(session, later + timedelta(hours=1))["notified"] == 0
    session.commit()
    assert len(outbox()) == 4


def test_land_reminders_job_without_a_channel_records_and_sends_once_one_is_set(session):
    build_land(session)
    session.commit()
    assert land_reminders.run_land_reminders(session, local(9)) == {"current": 3, "new": 3, "notified": 0}
    session.commit()
    assert all(r.notified_at is None for r in _records(session).values())
    settings.put(session, "notify.webhook_url", "http://127.0.0.1:9/robot")
    session.commit()
    assert land_reminders.run_land_reminders(session, local(10))["notified"] == 3
    session.commit()
    assert all(r.notified_at == local(10) for r in _records(session).values())
    assert land_reminders.run_land_reminders(session, local(11))["notified"] == 0
    session.commit()
    assert session.scalar(select(func.count()).select_from(Notification)) == 3
