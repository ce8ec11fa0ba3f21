"""Demo step of the people area: workers' households, ID numbers, skills and training; piece rates; 90 days of
jobs with attendance that match the harvest history; today's plan; and the last three finished months closed."""
from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from farm import clock
from farm.models.auth import User
from farm.models.crops import Crop
from farm.models.harvest import Harvest
from farm.models.land import Household
from farm.models.people import Assignment, Job, PayRate, Training, Worker
from farm.services import payroll
from farm.vocab import Grade, HouseholdStatus, JobKind, RateKind, WorkerStatus

SEED = 4004
PIECE_RATES = {Grade.PREMIUM: Decimal("0.30"), Grade.GRADE1: Decimal("0.22"), Grade.GRADE2: Decimal("0.15"),
               Grade.OFFGRADE: Decimal("0.08")}
COURSES = [("日光温室黄瓜栽培管理", "合格"), ("番茄整枝打杈技术", "合格"), ("农药安全使用", "合格"),
           ("蔬菜分级与包装", "优秀"), ("滴灌系统操作", "合格")]
SKILLS = ["采摘", "打包装箱", "整枝打杈", "浇水", "打药", "育苗"]
OTHER_KINDS = (JobKind.PRUNING, JobKind.IRRIGATION, JobKind.SPRAYING, JobKind.CLEANING, JobKind.PLANTING)
WATCHED = (HouseholdStatus.LIFTED, HouseholdStatus.MONITORED)


def _id_number(rng: random.Random, born: date) -> str:
    """A resident ID number of 乌海市海南区 for someone born on `born`."""
    body = f"150303{born:%Y%m%d}{rng.randint(100, 999)}"
    return body + rng.choice("0123456789X")


def _details(session: Session, rng: random.Random, workers: list[Worker], today: date) -> None:
    """Households (some lifted out of poverty), ID numbers, skills and the training each had before starting."""
    households = list(session.scalars(select(Household).order_by(Household.id)))
    lifted = [h for h in households if h.status in WATCHED]
    others = [h for h in households if h.status not in WATCHED]
    for index, worker in enumerate(workers):
        if worker.started_on is None:
            worker.started_on = today - timedelta(days=400)
        if worker.daily_wage is None:
            worker.daily_wage = Decimal(150)
        worker.id_number = _id_number(rng, date(rng.randint(1965, 2000), rng.randint(1, 12), rng.randint(1, 28)))
        worker.skills = "、".join(rng.sample(SKILLS, rng.randint(1, 3)))
        if lifted and index % 4 == 0:
            worker.household_id = lifted[(index // 4) % len(lifted)].id
        elif others and index % 3 == 0:
            worker.household_id = others[index % len(others)].id
        for course, result in rng.sample(COURSES, rng.randint(1, 2)):
            session.add(Training(worker=worker, course=course, result=result,
                                 taken_on=worker.started_on - timedelta(days=rng.randint(5, 40))))


def _rates(session: Session, start: date, today: date) -> None:
    """Piece rates per crop and grade from the start of the history; cucumber premium rises mid-history."""
    crops = list(session.scalars(select(Crop).order_by(Crop.id)))
    for crop in crops:
        for grade, rate in PIECE_RATES.items():
            session.add(PayRate(kind=RateKind.PIECE, crop_id=crop.id, grade=grade, valid_from=start.replace(day=1),
                                amount=rate))
    cucumber = next((c for c in crops if c.code == "cucumber"), None)
    if cucumber is not None:
        session.add(PayRate(kind=RateKind.PIECE, crop_id=cucumber.id, grade=Grade.PREMIUM, amount=Decimal("0.32"),
                            valid_from=(today - timedelta(days=45))))


def add_people(session: Session, ctx: dict) -> None:
    """The people area's part of the demo park."""
    rng = random.Random(SEED)
    today = ctx["today"]
    session.flush()
    workers = list(session.scalars(select(Worker).where(Worker.status == WorkerStatus.ACTIVE).order_by(Worker.id)))
    if not workers:
        return
    _details(session, rng, workers, today)
    # The three last finished months are paid and closed; the board's history starts with the first of them
    # (before the harvest history begins, the park plants, prunes and waters).
    month = clock.previous_month(clock.month_of(today))
    months = []
    for _ in range(3):
        months.append(month)
        month = clock.previous_month(month)
    first_day = clock.month_range(months[-1])[0]
    _rates(session, first_day, today)
    session.flush()

    # Who picked where, each day, from the harvest history: one harvest job per greenhouse and day.
    picked: dict[date, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    rows = session.execute(select(Harvest.day, Harvest.greenhouse_id, Harvest.worker_id)
                           .where(Harvest.voided_at.is_(None), Harvest.worker_id.is_not(None)).distinct())
    for day, greenhouse_id, worker_id in rows:
        picked[day][greenhouse_id].add(worker_id)
    by_id = {w.id: w for w in workers}
    greenhouse_ids = sorted({g for day in picked.values() for g in day}) or [None]
    demo_worker = session.scalar(select(User.worker_id).where(User.username == "worker"))

    day = first_day
    while day <= today:
        busy: set[int] = set()
        recorded = day < today  # today's plan waits for its attendance
        done = datetime(day.year, day.month, day.day, 9, tzinfo=timezone.utc) if recorded else None
        teams = picked.get(day, {})
        for greenhouse_id, ids in sorted(teams.items()):
            job = Job(day=day, kind=JobKind.HARVEST, greenhouse_id=greenhouse_id, hours=Decimal(6), done_at=done)
            for worker_id in sorted(ids):
                if worker_id in by_id and worker_id not in busy:
                    _book(job, worker_id, day, Decimal(6), recorded, rng)
                    busy.add(worker_id)
            session.add(job)
        free = [w for w in workers if w.id not in busy and (w.started_on is None or w.started_on <= day)]
        rng.shuffle(free)
        if day.weekday() != 6:
            packing = Job(day=day, kind=JobKind.PACKING, greenhouse_id=None, hours=Decimal(8), done_at=done)
            for w in free[:6]:
                _book(packing, w.id, day, Decimal(8), recorded, rng)
            session.add(packing)
            for n, kind in enumerate(rng.sample(OTHER_KINDS, 2 if teams else 4)):
                other = Job(day=day, kind=kind, greenhouse_id=rng.choice(greenhouse_ids), hours=Decimal(4), done_at=done)
                for w in free[6 + n * 4: 10 + n * 4]:
                    _book(other, w.id, day, Decimal(4), recorded, rng)
                session.add(other)
        if day == today and demo_worker is not None and demo_worker not in busy:
            job = Job(day=day, kind=JobKind.PACKING, greenhouse_id=None, hours=Decimal(4), note="下午打包装箱")
            job.assignments.append(Assignment(worker_id=demo_worker, day=day, hours=Decimal(4)))
            session.add(job)
        day += timedelta(days=1)
    session.flush()

    for month in reversed(months):
        payroll.close_month(session, month, today=today)
    # a correction found after closing, paid in the open month with its reason
    some = workers[len(workers) // 2]
    payroll.add_adjustment(session, some.id, clock.month_of(today), Decimal("18.60"),
                           f"{months[0]} 采摘称重更正补发")


def _book(job: Job, worker_id: int, day: date, hours: Decimal, recorded: bool, rng: random.Random) -> None:
    """Book a worker on a job; on a past day also their attendance (a few absent, some an hour more or less)."""
    a = Assignment(worker_id=worker_id, day=day, hours=hours)
    if recorded:
        a.present = rng.random() > 0.04
        a.hours = hours + Decimal(rng.choice((0, 0, 0, 1, -1))) if a.present else Decimal(0)
    job.assignments.append(a)
