"""Demo early warning: the warnings job run at the demo's today, so a handful of open warnings of different kinds
exist, one of them already followed up by the village official.

Runs last, with its own seeded generator. Before the job it adds one story the earlier steps do not hold: a former
packer who worked in the autumn a year ago and has not come back (`income_drop`; jobs a year earlier, in months no
payroll closed). Below and near the line come from the income step, rent overdue from the land step. The demo
shows no `stopped_working`: its 90 days of attendance end in closed payroll months whose attendance must not
change, so no regular member can have been away for 30 days.
"""
from __future__ import annotations

import random
from datetime import date, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from farm import clock
from farm.inputs.warnings import FollowUpIn
from farm.models.auth import User
from farm.models.land import Household
from farm.models.people import Assignment, Job, PayrollMonth, Worker
from farm.models.warnings import Warning
from farm.services import warnings as rules
from farm.vocab import FollowUpMeasure, JobKind, Role, WarningKind, WorkerStatus

SEED = 7701


def _closed_months(session: Session) -> set[str]:
    return set(session.scalars(select(PayrollMonth.month)))


def _former_packer(session: Session, rng: random.Random, today: date) -> None:
    """A member of a household without a worker in the park, who packed last autumn (about 18 days a month in the
    three months the drop is measured on) and left."""
    months, earlier = rules.drop_months(today)
    if set(earlier) & _closed_months(session):
        return
    with_workers = select(Worker.household_id).where(Worker.household_id.is_not(None))
    homes = list(session.scalars(select(Household).where(Household.id.not_in(with_workers)).order_by(Household.id)))
    if not homes:
        return
    home = rng.choice(homes)
    first_day = clock.month_range(earlier[0])[0]
    worker = Worker(name=home.name[0] + "秀云", village_group=home.village_group, household_id=home.id,
                    status=WorkerStatus.LEFT.value, daily_wage=Decimal("140.00"),
                    started_on=first_day - timedelta(days=200), skills="打包装箱",
                    notes="去年秋季在包装车间务工，之后外出")
    session.add(worker)
    session.flush()
    for month in earlier:
        begin, end = clock.month_range(month)
        days = sorted(rng.sample(range((end - begin).days), 18))
        for offset in days:
            on = begin + timedelta(days=offset)
            job = Job(day=on, kind=JobKind.PACKING.value, hours=Decimal("8"), note="包装装箱", done_at=None)
            session.add(job)
            session.flush()
            session.add(Assignment(job_id=job.id, worker_id=worker.id, day=on, present=True, hours=Decimal("8")))
    session.flush()


def add_warnings(session: Session, ctx: dict) -> None:
    """Run the warnings job at the demo's today and follow one warning up as the village official."""
    rng = random.Random(SEED)
    today = ctx["today"]
    now = clock.now() if clock.park_day(clock.now()) == today else clock.at_local(today, time(9))
    _former_packer(session, rng, today)
    rules.run_warnings(session, now)
    official = session.scalar(select(User).where(User.role == Role.OFFICIAL).order_by(User.id))
    followed = session.scalar(select(Warning).where(Warning.kind == WarningKind.RENT_OVERDUE).order_by(Warning.id))
    followed = followed or session.scalar(select(Warning).order_by(Warning.id))
    if official is not None and followed is not None:
        rules.follow_up(session, followed.id, FollowUpIn(
            measure=FollowUpMeasure.OTHER, note="已联系园区财务，园区承诺本月底前付清所欠租金，届时回访核实。"),
            official, now)
    session.flush()
