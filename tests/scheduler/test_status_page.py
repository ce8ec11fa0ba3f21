"""The scheduler status page: the lease holder, the last runs with their errors, the next run times, in Chinese."""
from __future__ import annotations

from datetime import timedelta

from farm import clock
from farm.jobs import Job, Scheduler
from tests.conftest import login
from tests.factories import PASSWORD, make_users


def test_status_page_shows_holder_runs_and_errors(database, session, client):
    make_users(session)
    session.commit()
    scheduler = Scheduler(database, [], holder="host-a-123")

    def boom(s, now):
        raise RuntimeError("disk full")

    scheduler.run_job(Job("rollups", boom, 300), clock.now() - timedelta(minutes=1))
    login(client, "manager", PASSWORD)
    page = client.get("/scheduler/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "host-a-123" in text
    assert "读数汇总" in text and "失败" in text and "RuntimeError: disk full" in text
    assert "下次运行" in text


def test_status_page_is_for_managers_only(session, client):
    make_users(session)
    session.commit()
    login(client, "worker", PASSWORD)
    assert client.get("/scheduler/").status_code in (403, 404)


def test_status_page_before_any_scheduler_ran(session, client):
    make_users(session)
    session.commit()
    login(client, "admin", PASSWORD)
    text = client.get("/scheduler/").get_data(as_text=True)
    assert "python -m farm scheduler" in text and "尚未运行" in text
