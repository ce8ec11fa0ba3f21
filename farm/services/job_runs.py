"""The scheduler's lease and run log: who may run jobs (one scheduler at a time), runs left "running" by a
scheduler that died, pruning old runs, and what the status page and the health probe read."""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from farm import clock
from farm.models.scheduler import JobRun, SchedulerLease
from farm.services import settings
from farm.services.settings import SettingSpec, _int
from farm.vocab import JobOutcome, SchedulerState

RUNS_DAYS = settings.register(SettingSpec(
    "scheduler.runs_days", 30, _int, _l("Days the scheduler's run log is kept"), _l("days"), Decimal(1)))

LEASE = "scheduler"
# The holder of a run made by `run-job` (an operator's extra run, outside the schedule), before "<host>-<pid>".
MANUAL_HOLDER = "run-job@"


# --- the lease -----------------------------------------------------------------------------------------------

def try_lease(session: Session, holder: str, now: datetime, seconds: float) -> bool:
    """Take or renew the lease; True when `holder` holds it until now + seconds."""
    expires = now + timedelta(seconds=seconds)
    result = session.execute(
        update(SchedulerLease)
        .where(SchedulerLease.name == LEASE,
               (SchedulerLease.holder == holder) | (SchedulerLease.expires_at < now))
        .values(holder=holder, renewed_at=now, expires_at=expires,
                # Taken over from another holder: held since now, not since the other took it.
                acquired_at=case((SchedulerLease.holder == holder, SchedulerLease.acquired_at), else_=now)))
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


def release_lease(session: Session, holder: str, now: datetime) -> None:
    """Let the lease expire now, so another scheduler may take it at once."""
    session.execute(update(SchedulerLease).where(SchedulerLease.name == LEASE, SchedulerLease.holder == holder)
                    .values(expires_at=now))


def lease(session: Session) -> SchedulerLease | None:
    """The lease row (who holds it, until when), or None before any scheduler ran."""
    return session.get(SchedulerLease, LEASE)


def scheduler_state(session: Session, now: datetime | None = None) -> str:
    """The health probe: "ok" while some scheduler holds an unexpired lease, "stale" after, "not running" before."""
    row = lease(session)
    if row is None:
        return SchedulerState.NOT_RUNNING.value
    now = now or clock.now()
    return (SchedulerState.OK if row.expires_at >= now else SchedulerState.STALE).value


# --- the run log ---------------------------------------------------------------------------------------------

def mark_interrupted(session: Session, holder: str, now: datetime, own: bool = False) -> int:
    """Close runs left "running": those of other holders when `holder` takes the lease (they died with their
    scheduler), or with `own`, those of `holder` itself (called while it runs nothing)."""
    result = session.execute(
        update(JobRun).where(JobRun.outcome == JobOutcome.RUNNING,
                             (JobRun.holder == holder) if own else (JobRun.holder != holder))
        .values(outcome=JobOutcome.INTERRUPTED.value, finished_at=now,
                error="the scheduler running this job stopped before it finished; the next run redoes the work"))
    return result.rowcount or 0


def prune(session: Session, now: datetime) -> int:
    """Delete runs that started more than `scheduler.runs_days` ago."""
    days = settings.get(session, RUNS_DAYS.key, on=clock.park_day(now))
    result = session.execute(delete(JobRun).where(JobRun.started_at < now - timedelta(days=days),
                                                  JobRun.outcome != JobOutcome.RUNNING))
    return result.rowcount or 0


def last_runs(session: Session, jobs: list[str], per_job: int = 5) -> dict[str, list[JobRun]]:
    """{job name: its newest runs, newest first} for the status page."""
    return {job: list(session.scalars(select(JobRun).where(JobRun.job == job)
                                      .order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(per_job)))
            for job in jobs}


def last_scheduled(session: Session, jobs: list[str]) -> dict[str, datetime]:
    """{job name: the start of its newest scheduled run}, for the jobs that have one.

    A job's interval is its slot: a scheduled run uses it, whichever scheduler made it and whether it succeeded or
    failed. An interrupted run does not (its scheduler died; the next run redoes the work), nor does an operator's
    `run-job`, which is an extra run outside the schedule."""
    rows = session.execute(
        select(JobRun.job, func.max(JobRun.started_at))
        .where(JobRun.job.in_(jobs), JobRun.outcome != JobOutcome.INTERRUPTED,
               ~JobRun.holder.startswith(MANUAL_HOLDER, autoescape=True))
        .group_by(JobRun.job))
    return dict(rows.all())


def next_runs(session: Session, intervals: dict[str, int], now: datetime | None = None) -> dict[str, datetime]:
    """{job name: its next run}: the slot after its last scheduled run (its start plus its interval in seconds),
    or now when it has none or that slot has begun."""
    now = now or clock.now()
    last = last_scheduled(session, list(intervals))
    return {job: max(now, last[job] + timedelta(seconds=seconds)) if job in last else now
            for job, seconds in intervals.items()}


def last_finished(session: Session, job: str) -> JobRun | None:
    """The newest finished run of a job (for the dashboard); None before the first."""
    return session.scalars(select(JobRun).where(JobRun.job == job, JobRun.finished_at.is_not(None))
                           .order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(1)).first()
