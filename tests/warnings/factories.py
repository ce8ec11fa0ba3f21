"""Factories of the warning tests: a household's member working on given days, a warning as the job opens it."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from farm.models.people import Assignment, Job, Worker
from farm.models.warnings import Warning
from farm.vocab import JobKind, WarningKind, WarningState
from tests.land.factories import make_household

T0 = datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)  # 10:00 in the park on 2026-11-28


def make_member(session, household, name="韩美兰") -> Worker:
    worker = Worker(name=name, household_id=household.id, daily_wage=Decimal("150.00"))
    session.add(worker)
    session.flush()
    return worker


def attend(session, worker, days, present=True) -> None:
    """One packing job a day on each of `days` with `worker` on it, attendance `present`."""
    for day in days:
        job = Job(day=day, kind=JobKind.PACKING.value, hours=Decimal("8"))
        session.add(job)
        session.flush()
        session.add(Assignment(job_id=job.id, worker_id=worker.id, day=day, present=present, hours=Decimal("8")))
    session.flush()


def days(first: date, count: int, step: int = 1) -> list[date]:
    return [first + timedelta(days=n * step) for n in range(count)]


def make_warning(session, household=None, kind=WarningKind.RENT_OVERDUE, state=WarningState.OPEN,
                 opened_at=T0, figures=None) -> Warning:
    household = household or make_household(session)
    warning = Warning(household_id=household.id, kind=kind.value if hasattr(kind, "value") else kind,
                      state=state.value if hasattr(state, "value") else state, opened_at=opened_at,
                      reason="拖欠租金", figures=figures if figures is not None else
                      {"days": 15, "owed": "8000.00", "dues": [{"contract_id": 1, "contract": "TZ-1",
                                                                 "due_date": "2026-11-01", "outstanding": "8000.00",
                                                                 "days_late": 27}]},
                      condition_holds=True, checked_at=opened_at, close_reason="")
    session.add(warning)
    session.flush()
    return warning
