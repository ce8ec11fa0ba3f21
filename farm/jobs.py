"""The scheduler process: APScheduler runs the jobs; a lease row (farm.services.job_runs) makes sure only one
scheduler runs them at a time.

Every job is one service function `job(session, now)`: the scheduler opens a session_scope for it, passes the
clock's now (farm.clock.now), and logs the run as a JobRun. A job that raises is logged with its error and simply
runs again at its next time. Never started inside the web app.
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

from flask_babel import lazy_gettext as _l

from farm import clock
from farm.config import Config
from farm.db import Database
from farm.models.scheduler import JobRun
from farm.services import alerts, backups, daily_report, job_runs, land_reminders, metrics, notify, rollups
from farm.services import warnings as household_warnings
from farm.vocab import JobOutcome

log = logging.getLogger(__name__)

# The lease's length (FARM_SCHEDULER_LEASE_SECONDS): how long a standby scheduler waits before it takes over from
# one that died. The holder renews it every third of that, so one failed renewal does not lose it.
LEASE_SECONDS = Config.scheduler_lease_seconds
# A run that comes this much before its slot still runs: timers fire a little late or early from run to run.
SLOT_TOLERANCE = timedelta(seconds=1)


@dataclass
class Job:
    """A scheduled job: its name (in the run log), the service function it calls, its interval and its label."""

    name: str
    func: Callable
    seconds: int
    label: object = None
    # Called with (session, now, error) in a transaction of its own when a run fails, e.g. to notify someone.
    on_failure: Callable | None = None

    @property
    def title(self) -> str:
        """The job's label in the current language (its name when it has none)."""
        return str(self.label) if self.label is not None else self.name


JOBS: list[Job] = [
    # Folds the complete 5-minute and hourly periods since the last run, then late deliveries.
    Job("rollups", rollups.run_rollups, 300, _l("Reading rollups")),
    Job("purge_readings", rollups.purge_raw, 3600, _l("Purge old raw readings")),
    Job("prune_job_runs", job_runs.prune, 86400, _l("Prune the scheduler's run log")),
    # Each run makes only the reports that are due and missing, so a short interval costs nothing.
    Job("daily_report", daily_report.run_daily_report, 300, _l("Daily park report")),
    # Hourly rather than daily: a reminder of a new park day goes out within the hour, even after a restart;
    # each reminder is notified once, whatever the number of runs.
    Job("land_reminders", land_reminders.run_land_reminders, 3600, _l("Land reminders")),
    # Climate and offline alerts on the readings since the last run; each opening queues one notification.
    Job("alerts", alerts.run_alerts, 60, _l("Climate and offline alerts")),
    # Households' early warning on the park day's figures: opens what is new (notified once), never closes one.
    Job("warnings", household_warnings.run_warnings, 86400, _l("Household early warning")),
    # Sends what the outbox holds; a failing or hanging channel costs one bounded attempt per run.
    Job("notifications", notify.deliver_pending, 60, _l("Send notifications")),
    # Hourly, making a backup only once a night (after 02:00 in the park) or when there is none: a scheduler that
    # was down at night still makes that night's. Fails when the newest backup is older than 36 hours.
    Job("backup", backups.run_backup, 3600, _l("Database backup"), on_failure=backups.notify_failure),
]


def _finish(database: Database, job: Job, run_id: int, now: datetime, outcome: str, error: str) -> None:
    """Close a run's log entry, count it in the metrics, and call the job's on_failure when it failed."""
    finished = max(now, clock.now())
    with database.session_scope() as session:
        run = session.get(JobRun, run_id)
        run.finished_at = finished
        run.outcome, run.error = outcome, error
    metrics.job_finished(job.name, outcome, now, finished)
    if outcome == JobOutcome.FAILED and job.on_failure is not None:
        try:
            with database.session_scope() as session:
                job.on_failure(session, now, error)
        except Exception:
            log.exception("scheduler: the failure handler of %s failed", job.name)


def find_job(name: str) -> Job | None:
    """The scheduled job of that name, or None."""
    return next((job for job in JOBS if job.name == name), None)


def run_once(database: Database, job: Job, now: datetime | None = None) -> tuple[str, str]:
    """Run one job now, outside the scheduler's lease (the operators' `run-job`), logged as a JobRun like a scheduled
    run under the holder `run-job@<host>-<pid>` (an extra run: the scheduled runs keep their slots); returns
    (outcome, error). A job is safe to run beside the scheduler: each keeps what it does in its own transaction and
    does nothing twice."""
    now = now or clock.now()
    holder = f"{job_runs.MANUAL_HOLDER}{socket.gethostname()}-{os.getpid()}"
    with database.session_scope() as session:
        run = JobRun(job=job.name, holder=holder, started_at=now, outcome=JobOutcome.RUNNING.value)
        session.add(run)
        session.flush()
        run_id = run.id
    outcome, error = JobOutcome.OK.value, ""
    try:
        with database.session_scope() as session:
            job.func(session, now)
    except Exception as exc:  # noqa: BLE001 - logged on the run, reported by the caller
        outcome, error = JobOutcome.FAILED.value, "".join(traceback.format_exception_only(exc)).strip()[:2000]
        log.warning("run-job: %s failed: %s", job.name, error)
    _finish(database, job, run_id, now, outcome, error)
    return outcome, error


class Scheduler:
    """Runs its jobs at their intervals while it holds the lease; each run in its own session, logged as a JobRun."""

    def __init__(self, database: Database, jobs: list[Job] | None = None, holder: str | None = None,
                 lease_seconds: float = LEASE_SECONDS, renew_seconds: float | None = None):
        self.database = database
        self.jobs = list(JOBS if jobs is None else jobs)
        self.holder = holder or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.lease_seconds = lease_seconds
        self.renew_seconds = renew_seconds or lease_seconds / 3
        self.holding = False
        self._lock = threading.Lock()
        self._lease_lock = threading.Lock()  # the lease job and a starting job must not race to insert the row

    def renew(self, now: datetime | None = None) -> bool:
        """Take or renew the lease; on taking it, take over from the scheduler that held it before (_take_over)."""
        now = now or clock.now()
        with self._lease_lock:
            try:
                with self.database.session_scope() as session:
                    held = job_runs.try_lease(session, self.holder, now, self.lease_seconds)
            except Exception:
                log.exception("scheduler: cannot renew the lease")
                held = False
            taken, self.holding = held and not self.holding, held
        if taken:
            self._take_over(now)
        return held

    def _take_over(self, now: datetime) -> None:
        """Close the runs a stopped scheduler left "running", and schedule each job from the run log.

        The jobs wait (paused, see run) until this scheduler holds the lease; then each runs at the slot after its
        last scheduled run, whichever scheduler made it, not at this process's own timers: a job runs once per slot,
        and after a takeover a daily job does not wait a day."""
        due = {job.name: now for job in self.jobs}
        try:
            with self.database.session_scope() as session:
                job_runs.mark_interrupted(session, self.holder, now)
                due = job_runs.next_runs(session, {job.name: job.seconds for job in self.jobs}, now)
        except Exception:
            log.exception("scheduler: cannot read the run log; each job runs now unless its slot is used")
        for job in self.jobs:
            self._reschedule(job, due[job.name])
        log.info("scheduler %s holds the lease; next runs (UTC): %s", self.holder,
                 ", ".join(f"{name} {at:%Y-%m-%d %H:%M:%S}" for name, at in due.items()))

    def _reschedule(self, job: Job, at: datetime) -> None:
        """Move the job's next run (and so its interval's phase) to `at`, when the scheduler is running."""
        aps = getattr(self, "aps", None)
        if aps is not None and aps.get_job(job.name) is not None:
            aps.modify_job(job.name, next_run_time=at)

    def run_job(self, job: Job, now: datetime | None = None) -> str:
        """Run one job if this scheduler holds the lease and the job's slot is unused (farm.services.job_runs.
        last_scheduled); returns "ok", "failed" or "skipped"."""
        now = now or clock.now()
        if not self.renew(now):
            return "skipped"
        with self._lock:
            try:
                with self.database.session_scope() as session:
                    # Under the lock nothing of this scheduler runs: a "running" row of its own was cut off
                    # (the database went away before the run could be closed).
                    job_runs.mark_interrupted(session, self.holder, now, own=True)
                    due = job_runs.next_runs(session, {job.name: job.seconds}, now)[job.name]
                    if due - now > SLOT_TOLERANCE:
                        # Another scheduler (or this one before a restart) ran it in this slot.
                        log.info("scheduler: %s already ran in this slot; next run at %s", job.name,
                                 f"{due:%Y-%m-%d %H:%M:%S}Z")
                        self._reschedule(job, due)
                        return "skipped"
                    run = JobRun(job=job.name, holder=self.holder, started_at=now, outcome=JobOutcome.RUNNING.value)
                    session.add(run)
                    session.flush()
                    run_id = run.id
            except Exception:
                log.exception("scheduler: cannot log the start of %s; it runs at its next time", job.name)
                return JobOutcome.FAILED.value
            outcome, error = JobOutcome.OK.value, ""
            try:
                with self.database.session_scope() as session:
                    job.func(session, now)
            except Exception as exc:
                outcome, error = JobOutcome.FAILED.value, "".join(traceback.format_exception_only(exc)).strip()[:2000]
                log.warning("scheduler: job %s failed: %s", job.name, error)
            try:
                _finish(self.database, job, run_id, now, outcome, error)
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
            # Paused until this scheduler takes the lease, which schedules them from the run log (_take_over).
            aps.add_job(self.run_job, "interval", args=[job], seconds=job.seconds, id=job.name, next_run_time=None)
        self.aps = aps

        def on_signal(*_):
            stop.set()

        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, on_signal)
            signal.signal(signal.SIGINT, on_signal)
        aps.start()
        log.info("scheduler %s started (lease %ss, renewed every %ss)", self.holder, self.lease_seconds,
                 self.renew_seconds)
        try:
            stop.wait()
        finally:
            aps.shutdown(wait=True)
            try:
                with self.database.session_scope() as session:
                    job_runs.release_lease(session, self.holder, clock.now())
            except Exception:
                log.exception("scheduler: cannot release the lease")
            log.info("scheduler %s stopped", self.holder)
