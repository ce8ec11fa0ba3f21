"""The scheduler process: APScheduler runs the jobs, a lease row makes sure only one scheduler runs them.

Every job is `job(session, now)`, run inside session_scope and logged as a JobRun. A job that raises is logged
with its error and simply runs again at its next time. Never started inside the web app.
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import traceback
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from farm import clock
from farm.db import Database
from farm.models.scheduler import JobRun, SchedulerLease
from farm.services import alerts, daily_report, job_runs, notify, rollups

log = logging.getLogger(__name__)

LEASE = "scheduler"
LEASE_SECONDS = 45
RENEW_SECONDS = 15


@dataclass
class Job:
    name: str
    func: Callable
    seconds: int


JOBS: list[Job] = [
    Job("rollups", rollups.run_rollups, 300),
    Job("purge_readings", lambda session, now: rollups.purge_raw(session, now), 3600),
    Job("prune_job_runs", job_runs.prune, 86400),
    # Each run makes only the reports that are due and missing, so a short interval costs nothing.
    Job("daily_report", daily_report.run_daily_report, 300),
    # Hourly rather than daily: a reminder of a new park day goes out within the hour, even after a restart;
    # each reminder is notified once, whatever the number of runs.
    Job("land_reminders", daily_report.run_land_reminders, 3600),
    # Climate and offline alerts on the readings since the last run; each opening queues one notification.
    Job("alerts", alerts.run_alerts, 60),
    # Sends what the outbox holds; a failing or hanging channel costs one bounded attempt per run.
    Job("notifications", notify.deliver_pending, 60),
]


def try_lease(session, holder: str, now: datetime, seconds: float = LEASE_SECONDS) -> bool:
    """Take or renew the lease; True when `holder` holds it until now + seconds."""
    expires = now + timedelta(seconds=seconds)
    result = session.execute(
        update(SchedulerLease)
        .where(SchedulerLease.name == LEASE,
               (SchedulerLease.holder == holder) | (SchedulerLease.expires_at < now))
        .values(holder=holder, renewed_at=now, expires_at=expires))
    if result.rowcount:
        return True
    if session.get(SchedulerLease, LEASE) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(SchedulerLease(name=LEASE, holder=holder, acquired_at=now, renewed_at=now, expires_at=expires))
    except IntegrityError:
        return False
    return True


def release_lease(session, holder: str, now: datetime) -> None:
    session.execute(update(SchedulerLease).where(SchedulerLease.name == LEASE, SchedulerLease.holder == holder)
                    .values(expires_at=now))


def scheduler_state(session, now: datetime | None = None) -> str:
    """The health probe: "ok" while some scheduler holds an unexpired lease."""
    lease = session.get(SchedulerLease, LEASE)
    if lease is None:
        return "not running"
    now = now or clock.now()
    return "ok" if lease.expires_at >= now else "stale"


class Scheduler:
    def __init__(self, database: Database, jobs: list[Job] | None = None, holder: str | None = None,
                 lease_seconds: float = LEASE_SECONDS, renew_seconds: float = RENEW_SECONDS):
        self.database = database
        self.jobs = list(JOBS if jobs is None else jobs)
        self.holder = holder or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.lease_seconds = lease_seconds
        self.renew_seconds = renew_seconds
        self.holding = False
        self._lock = threading.Lock()
        self._lease_lock = threading.Lock()  # the lease job and a starting job must not race to insert the row

    def renew(self, now: datetime | None = None) -> bool:
        now = now or clock.now()
        try:
            with self._lease_lock, self.database.session_scope() as session:
                held = try_lease(session, self.holder, now, self.lease_seconds)
        except Exception:
            log.exception("scheduler: cannot renew the lease")
            held = False
        if held and not self.holding:
            log.info("scheduler %s holds the lease", self.holder)
            try:
                with self.database.session_scope() as session:
                    job_runs.mark_interrupted(session, self.holder, now)
            except Exception:
                log.exception("scheduler: cannot mark the runs of a stopped scheduler")
        self.holding = held
        return held

    def run_job(self, job: Job, now: datetime | None = None) -> str:
        """Run one job if this scheduler holds the lease; returns "ok", "failed" or "skipped"."""
        now = now or clock.now()
        if not self.renew(now):
            return "skipped"
        with self._lock:
            try:
                with self.database.session_scope() as session:
                    # Under the lock nothing of this scheduler runs: a "running" row of its own was cut off
                    # (the database went away before the run could be closed).
                    job_runs.mark_interrupted(session, self.holder, now, own=True)
                    run = JobRun(job=job.name, holder=self.holder, started_at=now, outcome="running")
                    session.add(run)
                    session.flush()
                    run_id = run.id
            except Exception:
                log.exception("scheduler: cannot log the start of %s; it runs at its next time", job.name)
                return "failed"
            outcome, error = "ok", ""
            try:
                with self.database.session_scope() as session:
                    job.func(session, now)
            except Exception as exc:
                outcome, error = "failed", "".join(traceback.format_exception_only(exc)).strip()[:2000]
                log.warning("scheduler: job %s failed: %s", job.name, error)
            try:
                with self.database.session_scope() as session:
                    run = session.get(JobRun, run_id)
                    run.finished_at = max(now, clock.now())
                    run.outcome, run.error = outcome, error
            except Exception:
                log.exception("scheduler: cannot log the end of %s (%s)", job.name, outcome)
            return outcome

    def run(self, stop: threading.Event | None = None) -> None:
        """Run until stopped (SIGTERM, Ctrl-C or `stop`): the lease every renew_seconds, each job at its interval."""
        from apscheduler.schedulers.background import BackgroundScheduler

        stop = stop or threading.Event()
        aps = BackgroundScheduler(timezone=clock.park_tz(), job_defaults={"coalesce": True, "max_instances": 1,
                                                                           "misfire_grace_time": 3600})
        aps.add_job(self.renew, "interval", seconds=self.renew_seconds, id="lease", next_run_time=clock.now())
        for job in self.jobs:
            # The first run comes at start: missed runs are caught up by the jobs themselves.
            aps.add_job(self.run_job, "interval", args=[job], seconds=job.seconds, id=job.name,
                        next_run_time=clock.now())
        self.aps = aps

        def on_signal(*_):
            stop.set()

        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, on_signal)
            signal.signal(signal.SIGINT, on_signal)
        aps.start()
        try:
            stop.wait()
        finally:
            aps.shutdown(wait=True)
            try:
                with self.database.session_scope() as session:
                    release_lease(session, self.holder, clock.now())
            except Exception:
                log.exception("scheduler: cannot release the lease")
            log.info("scheduler %s stopped", self.holder)


def last_runs(session, per_job: int = 5) -> dict:
    """{job name: [JobRun, newest first]} for the status page."""
    out = {}
    for job in JOBS:
        out[job.name] = session.scalars(select(JobRun).where(JobRun.job == job.name)
                                        .order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(per_job)).all()
    return out


def next_runs(session, now: datetime | None = None) -> dict:
    """{job name: the next run time}: the last start plus the interval (or now when it never ran)."""
    now = now or clock.now()
    out = {}
    for job in JOBS:
        last = session.scalar(select(func.max(JobRun.started_at)).where(JobRun.job == job.name))
        out[job.name] = max(now, last + timedelta(seconds=job.seconds)) if last else now
    return out
