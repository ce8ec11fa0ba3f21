"""Workers, their training, the day's job board and attendance: the rules, as plain functions on a session."""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from farm import clock
from farm.errors import Conflict, Forbidden, Invalid, NotFound
from farm.models.land import Household
from farm.models.people import Assignment, Job, PayRate, Training, Worker
from farm.services import land, park, payroll, privacy
from farm.vocab import RateKind, Role, WorkerStatus

DAY_HOURS = Decimal(24)
START = date(2000, 1, 1)


# --- workers -------------------------------------------------------------------------------------

# A worker's personal data, shown as farm.services.privacy rules.
PERSONAL_FIELDS = ("id_number", "phone")


def personal(worker: Worker, user) -> dict:
    """The worker's ID number and phone as this user may see them (farm.services.privacy)."""
    return privacy.personal(worker, user, PERSONAL_FIELDS, worker_id=worker.id)


def get_worker(session: Session, worker_id: int) -> Worker:
    worker = session.get(Worker, worker_id)
    if worker is None:
        raise NotFound(_l("There is no worker %(id)s.", id=worker_id))
    return worker


def list_workers(session: Session, status: str | None = None):
    query = select(Worker).order_by(Worker.village_group, Worker.name, Worker.id)
    if status:
        query = query.where(Worker.status == status)
    return query


def _household(session: Session, household_id: int | None) -> None:
    if household_id is not None:
        land.household_for(session, household_id)


def create_worker(session: Session, data) -> Worker:
    """A new worker; without a daily wage the park's default wage setting applies."""
    _household(session, data.household_id)
    worker = Worker(**data.model_dump())
    session.add(worker)
    session.flush()
    return worker


def update_worker(session: Session, worker_id: int, data) -> Worker:
    """Change a worker's details; a changed daily wage applies from today on (use set_wage for another date)."""
    worker = get_worker(session, worker_id)
    _household(session, data.household_id)
    values = data.model_dump()
    wage = values.pop("daily_wage")
    if wage != worker.daily_wage and wage is not None:
        set_wage(session, worker_id, wage, clock.today())
    elif wage is None:
        worker.daily_wage = None
    for name, value in values.items():
        setattr(worker, name, value)
    session.flush()
    return worker


def set_wage(session: Session, worker_id: int, wage: Decimal, valid_from: date) -> PayRate:
    """A worker's daily wage from `valid_from` on; earlier days keep the wage they had."""
    worker = get_worker(session, worker_id)
    if wage < 0:
        msg = _l("Must be at least %(n)s.", n=0)
        raise Invalid(msg, {"daily_wage": msg})
    payroll._ensure_after_closed(session, valid_from)
    rows = session.scalars(select(PayRate).where(PayRate.kind == RateKind.WAGE, PayRate.worker_id == worker_id)).all()
    if not rows and worker.daily_wage is not None:
        # Keep the wage paid so far as the first entry of the history.
        session.add(PayRate(kind=RateKind.WAGE, worker_id=worker_id, valid_from=START, amount=worker.daily_wage))
    row = next((r for r in rows if r.valid_from == valid_from), None)
    if row is None:
        row = PayRate(kind=RateKind.WAGE, worker_id=worker_id, valid_from=valid_from, amount=wage)
        session.add(row)
    row.amount = wage
    session.flush()
    # The worker's record shows the wage in force today.
    line = payroll.load_rates(session).wages.get(worker_id)
    in_force = line.at(clock.today()) if line is not None else None
    if in_force is not None:
        worker.daily_wage = in_force
    session.flush()
    return row


def wage_history(session: Session, worker_id: int) -> list[PayRate]:
    return list(session.scalars(select(PayRate).where(PayRate.kind == RateKind.WAGE, PayRate.worker_id == worker_id)
                                .order_by(PayRate.valid_from)))


def add_training(session: Session, worker_id: int, data) -> Training:
    worker = get_worker(session, worker_id)
    row = Training(worker=worker, **data.model_dump())
    session.add(row)
    session.flush()
    return row


# --- the job board ---------------------------------------------------------------------------------

def _check_worker_on(worker: Worker, day: date, name: str = "workers") -> None:
    if worker.started_on is not None and day < worker.started_on:
        msg = _l("%(name)s started on %(start)s; there is no work for them on %(day)s.", name=worker.name,
                 start=worker.started_on.isoformat(), day=day.isoformat())
        raise Invalid(msg, {name: msg})


def _workers(session: Session, ids: list[int], day: date) -> list[Worker]:
    found = []
    for worker_id in dict.fromkeys(ids):
        worker = session.get(Worker, worker_id)
        if worker is None:
            msg = _l("There is no worker %(id)s.", id=worker_id)
            raise Invalid(msg, {"workers": msg})
        _check_worker_on(worker, day)
        found.append(worker)
    return found


def _check_day_hours(session: Session, worker_ids: list[int], day: date, name: str = "hours") -> None:
    """Nobody is booked for more than 24 hours in a day across jobs (counting absent bookings as zero)."""
    if not worker_ids:
        return
    session.flush()
    booked = func.sum(Assignment.hours)
    rows = session.execute(
        select(Assignment.worker_id, booked)
        .where(Assignment.day == day, Assignment.worker_id.in_(worker_ids), Assignment.present.is_not(False))
        .group_by(Assignment.worker_id)
    ).all()
    for worker_id, hours in rows:
        if Decimal(hours or 0) > DAY_HOURS:
            worker = session.get(Worker, worker_id)
            msg = _l("%(name)s would be booked for %(hours)s hours on %(day)s; a day has 24.", name=worker.name,
                     hours=str(Decimal(hours).normalize()), day=day.isoformat())
            raise Invalid(msg, {name: msg})


def create_job(session: Session, data) -> Job:
    """A job on a day's board with its workers; each is booked for the job's hours."""
    greenhouse = park.greenhouse_named(session, data.greenhouse) if data.greenhouse else None
    workers = _workers(session, data.workers, data.day)
    payroll.ensure_open(session, data.day)
    job = Job(day=data.day, kind=data.kind, greenhouse=greenhouse, hours=data.hours, note=data.note)
    session.add(job)
    for worker in workers:
        job.assignments.append(Assignment(worker=worker, day=data.day, hours=data.hours))
    _check_day_hours(session, [w.id for w in workers], data.day)
    return job


def set_job_workers(session: Session, job_id: int, data) -> Job:
    """Change who is on a job: the workers listed stay (with their attendance) or are booked for the job's hours,
    the others come off it. A worker whose attendance is recorded as present stays until it is undone (their pay
    counts it); the month must be open."""
    job = get_job(session, job_id)
    payroll.ensure_open(session, job.day)
    wanted = _workers(session, data.workers, job.day)
    wanted_ids = {w.id for w in wanted}
    for a in list(job.assignments):
        if a.worker_id in wanted_ids:
            continue
        if a.present:
            msg = _l("%(name)s was present on this job; record them absent first, then take them off.",
                     name=a.worker.name)
            raise Invalid(msg, {"workers": msg})
        job.assignments.remove(a)
    on_job = {a.worker_id for a in job.assignments}
    added = [w for w in wanted if w.id not in on_job]
    for worker in added:
        job.assignments.append(Assignment(worker=worker, day=job.day, hours=job.hours))
    _check_day_hours(session, [w.id for w in added], job.day, "workers")
    session.flush()
    return job


def get_job(session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(_l("There is no job %(id)s.", id=job_id))
    return job


def jobs_on(session: Session, day: date, worker_id: int | None = None) -> list[Job]:
    """A day's board, or one worker's jobs that day."""
    query = (select(Job).where(Job.day == day).order_by(Job.kind, Job.greenhouse_id, Job.id)
             .options(selectinload(Job.assignments).selectinload(Assignment.worker), selectinload(Job.greenhouse)))
    if worker_id is not None:
        query = query.where(Job.assignments.any(Assignment.worker_id == worker_id))
    return list(session.scalars(query))


def delete_job(session: Session, job_id: int) -> None:
    job = get_job(session, job_id)
    payroll.ensure_open(session, job.day)
    session.delete(job)
    session.flush()


def mark_done(session: Session, job_id: int, done: bool = True) -> Job:
    job = get_job(session, job_id)
    payroll.ensure_open(session, job.day)
    job.done_at = clock.now() if done else None
    session.flush()
    return job


def copy_day(session: Session, source: date, target: date) -> list[Job]:
    """Plan `target` like `source`: the same jobs with the same workers (those who have left are skipped)."""
    payroll.ensure_open(session, target, "to")
    if source == target:
        msg = _l("Choose another day to copy from.")
        raise Invalid(msg, {"from": msg})
    if session.scalar(select(func.count()).select_from(Job).where(Job.day == target)):
        msg = _l("%(day)s already has jobs; copy only onto an empty day.", day=target.isoformat())
        raise Conflict(msg, {"to": msg})
    copies = []
    for job in jobs_on(session, source):
        new = Job(day=target, kind=job.kind, greenhouse_id=job.greenhouse_id, hours=job.hours, note=job.note)
        for a in job.assignments:
            w = a.worker
            if w.status != WorkerStatus.ACTIVE or (w.started_on is not None and target < w.started_on):
                continue
            new.assignments.append(Assignment(worker_id=w.id, day=target, hours=job.hours))
        session.add(new)
        copies.append(new)
    session.flush()
    return copies


def record_attendance(session: Session, entries: list[tuple[int, bool, Decimal]]) -> int:
    """Attendance in one pass: (assignment id, present, hours) for any jobs; all or nothing.

    An absent worker is booked for zero hours; hours are never negative and at most 24 a day per worker.
    """
    touched: dict[date, set[int]] = defaultdict(set)
    for assignment_id, present, hours in entries:
        a = session.get(Assignment, assignment_id)
        if a is None:
            raise NotFound(_l("There is no such booking."))
        if hours is None or hours < 0:
            msg = _l("Hours cannot be negative.")
            raise Invalid(msg, {f"hours_{assignment_id}": msg})
        if hours > DAY_HOURS:
            msg = _l("Must be at most %(n)s.", n=24)
            raise Invalid(msg, {f"hours_{assignment_id}": msg})
        payroll.ensure_open(session, a.day)
        _check_worker_on(a.worker, a.day, f"hours_{assignment_id}")
        a.present = bool(present)
        a.hours = Decimal(hours) if present else Decimal(0)
        touched[a.day].add(a.worker_id)
    for day, ids in touched.items():
        _check_day_hours(session, sorted(ids), day)
    session.flush()
    return len(entries)


def job_attendance(session: Session, job_id: int, entries) -> Job:
    """Attendance for one job from the API: entries by worker id."""
    job = get_job(session, job_id)
    by_worker = {a.worker_id: a for a in job.assignments}
    rows = []
    for e in entries:
        a = by_worker.get(e.worker_id)
        if a is None:
            msg = _l("Worker %(id)s is not on this job.", id=e.worker_id)
            raise Invalid(msg, {"entries": msg})
        rows.append((a.id, e.present, e.hours))
    record_attendance(session, rows)
    return job


def worker_choices(session: Session, day: date | None = None, active_only: bool = True) -> list[Worker]:
    """The workers a manager may pick (for a job, a harvest, a spray, a packing), by village group and name: the
    active ones who had started by `day` (any day when None); with active_only False everyone, as the filters
    and corrections of older records need."""
    query = select(Worker).order_by(Worker.village_group, Worker.name)
    if active_only:
        query = query.where(Worker.status == WorkerStatus.ACTIVE)
    if day is not None:
        query = query.where((Worker.started_on.is_(None)) | (Worker.started_on <= day))
    return list(session.scalars(query))


def households(session: Session) -> list[Household]:
    return list(session.scalars(select(Household).order_by(Household.village_group, Household.name)))


def readable_worker(user, requested: int | None) -> int | None:
    """Whose jobs and pay `user` may read: anyone's (None = everyone) for a manager, a worker only their own.

    A worker asking for no one in particular gets their own; asking for someone else is Forbidden.
    """
    from farm.permissions import can

    if can(user, "people.read"):
        return requested
    if user is None or user.role != Role.WORKER or user.worker_id is None or requested not in (None, user.worker_id):
        raise Forbidden(_l("You may only see your own jobs and pay."))
    return user.worker_id


def readable_payslip(session: Session, user, worker_id: int) -> Worker:
    """The worker whose payslip `user` asks for, when they may read it: a manager anyone's, a worker their own, a
    village official only a member of a household (the pay that is a household's income): for them any other
    worker is NotFound, with that reason, as a worker that does not exist. Forbidden for a worker's other ids."""
    from farm.permissions import can

    if not can(user, "people.read") and can(user, "livelihoods.read"):
        worker = session.get(Worker, worker_id)
        if worker is None or worker.household_id is None:
            raise NotFound(_l("Worker %(id)s is not a member of any household: an official reads the pay of "
                              "household members only.", id=worker_id))
        return worker
    readable_worker(user, worker_id)
    return get_worker(session, worker_id)
