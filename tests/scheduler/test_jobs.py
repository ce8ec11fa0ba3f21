"""The scheduler: the lease (one scheduler runs jobs, another takes over), job logging, failures, a clean stop."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from farm.jobs import Job, Scheduler
from farm.models.scheduler import JobRun, SchedulerLease
from farm.services import health, job_runs
from farm.services.job_runs import scheduler_state

T0 = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)


def _runs(session, job):
    session.expire_all()
    return session.scalars(select(JobRun).where(JobRun.job == job).order_by(JobRun.id)).all()


def test_lease_one_scheduler_runs_and_the_second_takes_over_after_expiry(database, session):
    calls = []
    job = Job("probe", lambda s, now: calls.append(now), 30)
    first = Scheduler(database, [job], holder="first", lease_seconds=30)
    second = Scheduler(database, [job], holder="second", lease_seconds=30)
    assert first.renew(T0)
    assert not second.renew(T0 + timedelta(seconds=1))
    assert second.run_job(job, T0 + timedelta(seconds=2)) == "skipped"
    assert first.run_job(job, T0 + timedelta(seconds=3)) == "ok"
    # The first renews every 15 s, so the second keeps waiting.
    assert first.renew(T0 + timedelta(seconds=18))
    assert not second.renew(T0 + timedelta(seconds=40))
    # The first dies: 30 s after its last renewal the second takes the lease, and the first has lost it.
    assert second.run_job(job, T0 + timedelta(seconds=49)) == "ok"
    assert session.get(SchedulerLease, "scheduler").holder == "second"
    assert first.run_job(job, T0 + timedelta(seconds=50)) == "skipped"
    assert calls == [T0 + timedelta(seconds=3), T0 + timedelta(seconds=49)]
    assert [(r.holder, r.outcome) for r in _runs(session, "probe")] == [("first", "ok"), ("second", "ok")]
    lease = session.get(SchedulerLease, "scheduler")
    assert lease.acquired_at == T0 + timedelta(seconds=49)  # held since the takeover, not since the first took it


def test_a_job_runs_once_per_slot_whichever_scheduler_runs_it(database, session):
    calls = []
    job = Job("probe", lambda s, now: calls.append(now), 60)
    first = Scheduler(database, [job], holder="first", lease_seconds=30)
    assert first.run_job(job, T0) == "ok"
    # Restarted (a new holder) 20 s later: the slot T0 .. T0 + 60 s is used, so the start's run is skipped.
    job_runs.release_lease(session, "first", T0 + timedelta(seconds=20))
    session.commit()
    again = Scheduler(database, [job], holder="first-again", lease_seconds=30)
    assert again.run_job(job, T0 + timedelta(seconds=20)) == "skipped"
    assert again.run_job(job, T0 + timedelta(seconds=59, milliseconds=500)) == "ok"  # a timer a little early
    assert again.run_job(job, T0 + timedelta(seconds=100)) == "skipped"
    # An operator's run-job is an extra run: it does not take the next slot.
    session.add(JobRun(job="probe", holder="run-job@host-1", started_at=T0 + timedelta(seconds=110), outcome="ok"))
    # A run cut off by its scheduler's death leaves its slot to be redone.
    session.add(JobRun(job="probe", holder="gone", started_at=T0 + timedelta(seconds=125), outcome="interrupted"))
    session.commit()
    assert again.run_job(job, T0 + timedelta(seconds=130)) == "ok"
    assert calls == [T0, T0 + timedelta(seconds=59, milliseconds=500), T0 + timedelta(seconds=130)]


def test_failing_job_is_logged_and_retried_while_others_go_on(database, session):
    def boom(s, now):
        raise RuntimeError("database down")

    bad, good = Job("bad", boom, 60), Job("good", lambda s, now: None, 60)
    scheduler = Scheduler(database, [bad, good], holder="only")
    assert scheduler.run_job(bad, T0) == "failed"
    assert scheduler.run_job(good, T0) == "ok"
    assert scheduler.run_job(bad, T0 + timedelta(minutes=1)) == "failed"
    runs = _runs(session, "bad")
    assert [r.outcome for r in runs] == ["failed", "failed"]
    assert "RuntimeError: database down" in runs[0].error
    assert runs[0].finished_at is not None


def test_failing_job_rolls_back_its_own_work(database, session):
    def half(s, now):
        s.add(JobRun(job="half-written", started_at=now))
        s.flush()
        raise ValueError("midway")

    scheduler = Scheduler(database, [], holder="only")
    assert scheduler.run_job(Job("half", half, 60), T0) == "failed"
    assert _runs(session, "half-written") == []


def test_run_loop_runs_jobs_and_stops_cleanly(database, session):
    ran = threading.Event()
    job = Job("tick", lambda s, now: ran.set(), 3600)
    scheduler = Scheduler(database, [job], holder="loop", lease_seconds=5, renew_seconds=1)
    stop = threading.Event()
    thread = threading.Thread(target=scheduler.run, args=(stop,))
    thread.start()
    try:
        assert ran.wait(20)
        deadline = time.monotonic() + 10
        while scheduler_state(session) != "ok" and time.monotonic() < deadline:
            session.expire_all()
            time.sleep(0.1)
        assert health.PROBES["scheduler"](session) == "ok"
    finally:
        stop.set()
        thread.join(20)
    assert not thread.is_alive()
    session.expire_all()
    # Stopping releases the lease, so another scheduler can start at once.
    assert scheduler_state(session) == "stale"
    assert [r.outcome for r in _runs(session, "tick")] == ["ok"]


def test_run_left_running_by_a_dead_scheduler_is_marked_interrupted_by_the_next(database, session):
    first = Scheduler(database, [], holder="first", lease_seconds=30)
    assert first.renew(T0)
    session.add(JobRun(job="rollups", holder="first", started_at=T0, outcome="running"))
    session.commit()
    # The first dies mid-job; the second takes the lease after it expires and closes the dead run.
    second = Scheduler(database, [], holder="second", lease_seconds=30)
    assert not second.renew(T0 + timedelta(seconds=10))
    assert _runs(session, "rollups")[0].outcome == "running"
    assert second.renew(T0 + timedelta(seconds=31))
    run = _runs(session, "rollups")[0]
    assert run.outcome == "interrupted" and run.finished_at == T0 + timedelta(seconds=31)
    assert "next run" in run.error


def test_prune_keeps_recent_runs_and_removes_old_ones(session):
    from farm.services import job_runs

    for days in (40, 31, 29, 1):
        session.add(JobRun(job="rollups", started_at=T0 - timedelta(days=days), finished_at=T0, outcome="ok"))
    session.add(JobRun(job="rollups", started_at=T0 - timedelta(days=60), outcome="running"))
    session.commit()
    assert job_runs.prune(session, T0) == 2
    session.commit()
    left = sorted((T0 - r.started_at).days for r in _runs(session, "rollups"))
    assert left == [1, 29, 60]


def test_job_failing_on_a_lost_connection_and_a_run_left_open_are_closed_by_the_next_run(database, session):
    """A job fails as when the database connection drops; another run was left open as when the database went
    away before its end could be written: the next run closes it as interrupted and does the work."""
    calls = []
    scheduler = Scheduler(database, [], holder="only")

    def flaky(s, now):
        calls.append(now)
        if len(calls) == 1:
            raise ConnectionError("server closed the connection unexpectedly")

    job = Job("flaky", flaky, 60)
    assert scheduler.run_job(job, T0) == "failed"
    # A run left open, as if the database went away before the end could be written.
    session.add(JobRun(job="flaky", holder="only", started_at=T0 + timedelta(seconds=30), outcome="running"))
    session.commit()
    assert scheduler.run_job(job, T0 + timedelta(minutes=1)) == "ok"
    runs = _runs(session, "flaky")
    assert [r.outcome for r in runs] == ["failed", "interrupted", "ok"]
    assert "server closed the connection" in runs[0].error
    assert len(calls) == 2


def test_unreachable_database_skips_the_run_without_raising():
    from farm.db import Database

    gone = Database("postgresql+psycopg://nobody@127.0.0.1:9/nowhere")
    scheduler = Scheduler(gone, [], holder="lonely")
    assert scheduler.run_job(Job("any", lambda s, now: None, 60), T0) == "skipped"
    assert scheduler.holding is False


def test_every_job_is_one_labelled_service_function():
    from farm.jobs import JOBS

    assert [j.name for j in JOBS] == ["rollups", "purge_readings", "prune_job_runs", "daily_report",
                                      "land_reminders", "alerts", "warnings", "notifications", "backup"]
    for job in JOBS:
        # The scheduler brings the session and the clock; the job itself is a service's function, no wrapper.
        assert job.func.__module__.startswith("farm.services."), job.name
        assert job.label is not None and job.title != job.name, job.name
        assert job.seconds >= 60
