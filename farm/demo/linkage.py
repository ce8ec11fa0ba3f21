"""Demo 联农带农: the village households' members at work in the park over the last whole year, and 韩美兰, the
packer the park's story names, as a member of a household.

Runs after the households' categories and before their other income is drawn (that step aims each household's
income at its band from what the park paid it), with its own seeded generator. The 90 days of job history start in
the summer; last year's 联农带农 report needs last year's work, so the household members worked then too, on the
packing line and in the greenhouses, on fewer days than now. The three months a year before the demo's last three
stay without this work, so the early warning's comparison of the last three months with a year earlier (an income
drop) reads the same as without this step. Last year's months stay open (not closed), as a park that began closing
its payroll this summer would have them.
"""
from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from farm import clock
from farm.models.auth import User
from farm.models.people import Assignment, Job, Worker
from farm.vocab import JobKind, WorkerStatus

SEED = 7411
PACKER = "韩美兰"
# Share of last year's working days each household member was at work.
SHARE = 0.4
OTHER_KINDS = (JobKind.PLANTING, JobKind.PRUNING, JobKind.CLEANING)


def _packer(session: Session) -> None:
    """韩美兰 belongs to a household: the household member with the most packing days is she (her record's name
    and skills), unless the demo already has her."""
    found = session.scalar(select(Worker).where(Worker.name == PACKER))
    demo_login = session.scalar(select(User.worker_id).where(User.username == "worker"))
    if found is None:
        packing_days = (select(Assignment.worker_id, func.count().label("days")).join(Job, Job.id == Assignment.job_id)
                        .where(Job.kind == JobKind.PACKING, Assignment.present.is_(True))
                        .group_by(Assignment.worker_id).subquery())
        found = session.scalar(
            select(Worker).join(packing_days, packing_days.c.worker_id == Worker.id)
            .where(Worker.household_id.is_not(None), Worker.id != (demo_login or 0))
            .order_by(packing_days.c.days.desc(), Worker.id).limit(1))
    if found is None:
        return
    found.name = PACKER
    if "打包装箱" not in (found.skills or ""):
        found.skills = "、".join(s for s in ("打包装箱", found.skills) if s)


def _quiet_months(today: date) -> set[str]:
    """The three whole months before today's, a year earlier: the early warning compares the last three with them."""
    month, out = clock.month_of(today), set()
    for _ in range(3):
        month = clock.previous_month(month)
        year, mon = month.split("-")
        out.add(f"{int(year) - 1:04d}-{mon}")
    return out


def add_last_year_work(session: Session, ctx: dict) -> None:
    """Jobs with attendance on last year's working days for the workers who belong to a household."""
    rng = random.Random(SEED)
    today = ctx["today"]
    _packer(session)
    members = list(session.scalars(select(Worker).where(Worker.household_id.is_not(None),
                                                        Worker.status == WorkerStatus.ACTIVE).order_by(Worker.id)))
    if not members:
        return
    quiet = _quiet_months(today)
    jobs: list[dict] = []
    crews: list[list[tuple[int, Decimal]]] = []
    day, end = date(today.year - 1, 1, 1), date(today.year, 1, 1)
    while day < end:
        if day.weekday() != 6 and clock.month_of(day) not in quiet:
            present = [w for w in members if (w.started_on is None or w.started_on <= day) and rng.random() < SHARE]
            packing = [w for n, w in enumerate(present) if n % 2 == 0 or w.name == PACKER]
            others = [w for w in present if w not in packing]
            for kind, hours, crew, note in ((JobKind.PACKING, Decimal(8), packing, "打包装箱"),
                                            (rng.choice(OTHER_KINDS), Decimal(6), others, "")):
                if crew:
                    jobs.append({"day": day, "kind": kind.value, "hours": hours, "note": note})
                    crews.append([(w.id, hours) for w in crew])
        day += timedelta(days=1)
    if not jobs:
        return
    # A year of jobs in two statements (one per table), not one object at a time.
    ids = session.scalars(insert(Job).returning(Job.id, sort_by_parameter_order=True), jobs).all()
    session.execute(insert(Assignment), [
        {"job_id": job_id, "worker_id": worker_id, "day": job["day"], "present": True, "hours": hours}
        for job_id, job, crew in zip(ids, jobs, crews) for worker_id, hours in crew])
    session.flush()
