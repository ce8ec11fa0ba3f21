"""Workers, the job board with attendance, and payroll in the API (docs/api.md)."""
from __future__ import annotations

import datetime as dt
from typing import Annotated

from flask import Blueprint, g, request
from pydantic import BeforeValidator, Field
from sqlalchemy import select

from farm import clock
from farm.api import (
    Code,
    Kg,
    Money,
    Name,
    Number,
    Out,
    Param,
    created,
    doc,
    json_body,
    listing,
    out,
    query_date,
    query_id,
    query_month,
    view,
)
from farm.db import request_session
from farm.inputs.people import AdjustmentIn, AttendanceIn, JobIn, PieceRateIn, TrainingIn, WageIn, WorkerIn
from farm.models.crops import Crop
from farm.models.people import Worker
from farm.permissions import allow
from farm.services import payroll, people
from farm.vocab import Grade, JobKind, PayLineKind, WorkerStatus

bp = Blueprint("people", __name__)


class WorkerOut(Out):
    """A worker; `phone` and `id_number` masked unless the reader may see them (`people.personal`)."""

    id: int
    name: str
    phone: str
    village_group: str
    household_id: int | None
    daily_wage: Money | None
    id_number: str
    skills: str
    status: WorkerStatus
    started_on: dt.date | None


class AssignmentOut(Out):
    worker_id: int
    worker: Name
    present: bool | None
    hours: Number


def _worker_ids(assignments) -> list[int]:
    return [a.worker_id for a in assignments]


class JobOut(Out):
    id: int
    kind: JobKind
    greenhouse: Code | None
    date: dt.date = Field(validation_alias="day")
    hours: Number
    note: str
    done: Annotated[bool, BeforeValidator(lambda at: at is not None)] = Field(validation_alias="done_at")
    workers: Annotated[list[int], BeforeValidator(_worker_ids)] = Field(validation_alias="assignments")
    assignments: list[AssignmentOut]


class PayrollItemOut(Out):
    worker_id: int
    name: str
    days: int
    hours: Number
    piece_kg: Kg
    crates: int
    wage: Money
    piece_pay: Money
    adjustments: Money
    total: Money


class LineOut(Out):
    kind: PayLineKind
    crop: str | None
    grade: Grade | None
    quantity: Number
    rate: Annotated[Number, Field(description="yuan per day, kg or crate")]
    amount: Money
    note: str


class PayslipOut(PayrollItemOut):
    month: str
    closed: bool
    lines: list[LineOut]


class PayrollAbout(Out):
    """What a month's pay list says about the month."""

    month: str
    closed: bool


class IdOut(Out):
    id: int


class ClosedOut(Out):
    month: str
    closed: bool
    workers: int
    total: Money


def _own_or_manager(worker_id: int) -> None:
    """A manager reads anyone's pay; a worker only their own (403 otherwise)."""
    people.readable_worker(g.user, worker_id)


# --- workers ---------------------------------------------------------------------------------------

@bp.post("/workers")
@allow("people.manage")
@doc("Add a worker", body=WorkerIn, response=WorkerOut, status=201, tag="people")
def create_worker():
    db = request_session()
    worker = people.create_worker(db, json_body(WorkerIn))
    db.commit()
    return created(WorkerOut, worker, **people.personal(worker, g.user))


@bp.get("/workers")
@allow("people.read")
@doc("Workers", response=WorkerOut, many=True, tag="people",
     query={"status": Param("active or left", WorkerStatus)})
def list_workers():
    status = request.args.get("status") or None
    return listing(people.list_workers(request_session(), status), WorkerOut,
                   each=lambda w: people.personal(w, g.user))


@bp.get("/workers/<int:worker_id>")
@allow("people.own")
@doc("One worker; a worker may read their own record", response=WorkerOut, tag="people")
def worker(worker_id: int):
    _own_or_manager(worker_id)
    worker = people.get_worker(request_session(), worker_id)
    return out(WorkerOut, worker, **people.personal(worker, g.user))


@bp.patch("/workers/<int:worker_id>")
@allow("people.manage")
@doc("Change a worker (all fields as for creating)", body=WorkerIn, response=WorkerOut, tag="people")
def update_worker(worker_id: int):
    db = request_session()
    worker = people.update_worker(db, worker_id, json_body(WorkerIn))
    db.commit()
    return out(WorkerOut, worker, **people.personal(worker, g.user))


@bp.post("/workers/<int:worker_id>/wages")
@allow("people.manage")
@doc("A worker's daily wage from a date on", body=WageIn, response=IdOut, status=201, tag="people")
def set_wage(worker_id: int):
    db = request_session()
    data = json_body(WageIn)
    row = people.set_wage(db, worker_id, data.daily_wage, data.valid_from)
    db.commit()
    return created(IdOut, row)


@bp.post("/workers/<int:worker_id>/trainings")
@allow("people.manage")
@doc("Record a training course of a worker", body=TrainingIn, response=IdOut, status=201, tag="people")
def add_training(worker_id: int):
    db = request_session()
    row = people.add_training(db, worker_id, json_body(TrainingIn))
    db.commit()
    return created(IdOut, row)


# --- jobs ------------------------------------------------------------------------------------------

@bp.post("/jobs")
@allow("people.manage")
@doc("Put a job on a day's board with its workers", body=JobIn, response=JobOut, status=201, tag="people")
def create_job():
    db = request_session()
    job = people.create_job(db, json_body(JobIn))
    db.commit()
    return created(JobOut, job)


@bp.get("/jobs")
@allow("people.own")
@doc("A day's jobs (default today); a worker sees their own", response=JobOut, many=True, tag="people",
     query={"date": "YYYY-MM-DD, default today", "worker": "worker id"})
def list_jobs():
    day = query_date("date") or clock.today()
    worker_id = people.readable_worker(g.user, query_id("worker"))
    return listing(people.jobs_on(request_session(), day, worker_id), JobOut)


@bp.get("/jobs/<int:job_id>")
@allow("people.read")
@doc("One job", response=JobOut, tag="people")
def job(job_id: int):
    return out(JobOut, people.get_job(request_session(), job_id))


@bp.post("/jobs/<int:job_id>/attendance")
@allow("people.manage")
@doc("Record who was present on a job and their hours", body=AttendanceIn, response=JobOut, tag="people")
def attendance(job_id: int):
    db = request_session()
    job = people.job_attendance(db, job_id, json_body(AttendanceIn).entries)
    db.commit()
    return out(JobOut, job)


@bp.post("/jobs/<int:job_id>/done")
@allow("people.manage")
@doc("Mark a job done", response=JobOut, tag="people")
def done(job_id: int):
    db = request_session()
    job = people.mark_done(db, job_id)
    db.commit()
    return out(JobOut, job)


@bp.delete("/jobs/<int:job_id>")
@allow("people.manage")
@doc("Take a job off the board", status=204, tag="people")
def delete_job(job_id: int):
    db = request_session()
    people.delete_job(db, job_id)
    db.commit()
    return "", 204


# --- payroll ---------------------------------------------------------------------------------------

@bp.get("/payroll")
@allow("people.own")
@doc("A month's pay per worker; a worker sees only their own line", response=PayrollItemOut, many=True,
     about=PayrollAbout, tag="people", query={"month": "YYYY-MM, default this month", "worker": "worker id"})
def payroll_list():
    month = query_month("month", default=clock.month_of(clock.today()))
    worker_id = people.readable_worker(g.user, query_id("worker"))
    db = request_session()
    pays = payroll.payroll(db, month, worker_id)
    names = dict(db.execute(people_names(list(pays))).all()) if pays else {}
    about = out(PayrollAbout, None, month=month, closed=payroll.closed(db, month) is not None)
    return listing([p for _, p in sorted(pays.items())], PayrollItemOut, about,
                   each=lambda p: {"name": names.get(p.worker_id, "")})


def people_names(ids: list[int]):
    return select(Worker.id, Worker.name).where(Worker.id.in_(ids))


@bp.get("/payroll/<month>/workers/<int:worker_id>")
@allow("people.payslip")
@doc("One worker's payslip for a month, line by line; a worker reads only their own, a village official only a "
     "household member's", response=PayslipOut, tag="people")
def payslip(month: str, worker_id: int):
    db = request_session()
    people.readable_payslip(db, g.user, worker_id)
    month = clock.parse_month(month)
    pay = payroll.get_worker_pay(db, month, worker_id)
    crops = {c.id: c.code for c in _crops(db)}
    lines = [view(line, crop=crops.get(line.crop_id)) for line in pay.lines]
    return out(PayslipOut, pay, name=db.get(Worker, worker_id).name, month=month,
               closed=payroll.closed(db, month) is not None, lines=lines)


def _crops(db):
    return db.scalars(select(Crop))


@bp.post("/payroll/<month>/close")
@allow("people.manage")
@doc("Close a finished month: its payroll is stored and never changes", response=ClosedOut, status=201,
     tag="people")
def close(month: str):
    db = request_session()
    record = payroll.close_month(db, month, g.user.id)
    db.commit()
    pays = payroll.payroll(db, record.month)
    return created(ClosedOut, record, closed=True, workers=len(pays),
                   total=sum((p.total for p in pays.values()), payroll.ZERO))


@bp.post("/payroll/adjustments")
@allow("people.manage")
@doc("An adjustment with its reason, into an open month", body=AdjustmentIn, response=IdOut, status=201,
     tag="people")
def adjustment():
    db = request_session()
    data = json_body(AdjustmentIn)
    row = payroll.add_adjustment(db, data.worker_id, data.month, data.amount, data.reason, g.user.id)
    db.commit()
    return created(IdOut, row)


@bp.post("/payroll/piece-rates")
@allow("people.manage")
@doc("A picking rate (yuan/kg) for a crop and grade from a date on", body=PieceRateIn, response=IdOut,
     status=201, tag="people")
def piece_rate():
    db = request_session()
    data = json_body(PieceRateIn)
    row = payroll.set_piece_rate(db, data.crop, data.grade, data.valid_from, data.rate)
    db.commit()
    return created(IdOut, row)
