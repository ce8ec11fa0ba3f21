"""The scheduler's run log: runs left "running" by a scheduler that died, and pruning of old runs."""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from farm import clock
from farm.models.scheduler import JobRun
from farm.services import settings
from farm.services.settings import SettingSpec, _int

RUNS_DAYS = settings.register(SettingSpec(
    "scheduler.runs_days", 30, _int, _l("Days the scheduler's run log is kept"), _l("days"), Decimal(1)))


def mark_interrupted(session: Session, holder: str, now: datetime, own: bool = False) -> int:
    """Close runs left "running": those of other holders when `holder` takes the lease (they died with their
    scheduler), or with `own`, those of `holder` itself (called while it runs nothing)."""
    result = session.execute(
        update(JobRun).where(JobRun.outcome == "running",
                             (JobRun.holder == holder) if own else (JobRun.holder != holder))
        .values(outcome="interrupted", finished_at=now,
                error="the scheduler running this job stopped before it finished; the next run redoes the work"))
    return result.rowcount or 0


def prune(session: Session, now: datetime) -> int:
    """Delete runs that started more than `scheduler.runs_days` ago."""
    days = settings.get(session, RUNS_DAYS.key, on=clock.local(now).date())
    result = session.execute(delete(JobRun).where(JobRun.started_at < now - timedelta(days=days),
                                                  JobRun.outcome != "running"))
    return result.rowcount or 0
