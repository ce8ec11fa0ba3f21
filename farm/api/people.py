"""Workers, the job board with attendance, and payroll in the API (docs/api.md)."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from pydantic import BaseModel
from sqlalchemy import select

from farm import clock
from farm.api import created, doc, json_body, listing, plain, query_date, query_int
from farm.db import request_session
from farm.inputs.people import AdjustmentIn, AttendanceIn, JobIn, PieceRateIn, TrainingIn, WageIn, WorkerIn
from farm.models.crops import Crop
from farm.models.people import Job, Worker
from farm.permissions import allow
from farm.services import payroll, people

bp = Blueprint("people", __name__)


class WorkerOut(BaseModel):
    id: int
    name: str
    phone: str
    village_group: str
    household_id: int | None
    daily_wage: float | None
    id_number: str
    skills: str
    status: str
    started_on: str | None


class AssignmentOut(BaseModel):
    worker_id: int
    worker: str
    present: bool | None
    hours: float


class JobOut(BaseModel):
    id: int
    kind: str
    greenhouse: str | None
    date: str
    hours: float
    note: str
    done: bool
    workers: list[int]
    assignments: list[AssignmentOut]


class PayrollItemOut(BaseModel):
    worker_id: int
    name: str
    days: int
    hours: float
    piece_kg: float
    crates: int
    wage: float
    piece_pay: float
    adjustments: float
    total: float


class LineOut(BaseModel):
    kind: str
    crop: str | None
    grade: str | None
    quantity: float
    rate: float
    amount: float
    note: str


class PayslipOut(PayrollItemOut):
    month: str
    closed: bool
    lines: list[LineOut]


class IdOut(BaseModel):
    id: int


class ClosedOut(BaseModel):
    month: str
    closed: bool
    workers: int
    total: float


def worker_json(w: Worker) -> dict:
    seen = people.personal(w, g.user)
    return {"id": w.id, "name": w.name, "phone": seen["phone"], "village_group": w.village_group,
            "household_id": w.household_id, "daily_wage": w.daily_wage, "id_number": seen["id_number"],
            "skills": w.skills, "status": w.status, "started_on": w.started_on}


def job_json(j: Job) -> dict:
    return {"id": j.id, "kind": j.kind, "greenhouse": j.greenhouse.code if j.greenhouse else None, "date": j.day,
            "hours": j.hours, "note": j.note, "done": j.done_at is not None,
            "workers": [a.worker_id for a in j.assignments],
            "assignments": [{"worker_id": a.worker_id, "worker": a.worker.name, "present": a.present,
                             "hours": a.hours} for a in j.assignments]}


def item_json(pay: payroll.WorkerPay, names: dict) -> dict:
    return {"worker_id": pay.worker_id, "name": names.get(pay.worker_id, ""), "days": pay.days, "hours": pay.hours,
            "piece_kg": pay.piece_kg, "crates": pay.crates, "wage": pay.wage, "piece_pay": pay.piece_pay,
            "adjustments": pay.adjustments, "total": pay.total}


def _own_or_manager(worker_id: int) -> None:
    """A manager reads anyone's pay; a worker only their own (403 otherwise)."""
    people.readable_worker(g.user, worker_id)


# --- workers ---------------------------------------------------------------------------------------

@bp.post("/workers")
@allow("people.manage")
@doc("Add a worker", body=WorkerIn, response=IdOut, status=201, tag="people")
def create_worker():
    db = request_session()
    worker = people.create_worker(db, json_body(WorkerIn))
    db.commit()
    return created({"id": worker.id, **worker_json(worker)})


@bp.get("/workers")
@allow("people.read")
@doc("Workers", response=WorkerOut, many=True, tag="people", query={"status": "active or left"})
def list_workers():
    status = request.args.get("status") or None
    return listing(people.list_workers(request_session(), status), worker_json)


@bp.get("/workers/<int:worker_id>")
@allow("people.own")
@doc("One worker; a worker may read their own record", response=WorkerOut, tag="people")
def worker(worker_id: int):
    _own_or_manager(worker_id)
    return jsonify(plain(worker_json(people.get_worker(request_session(), worker_id))))


@bp.patch("/workers/<int:worker_id>")
@allow("people.manage")
@doc("Change a worker (all fields as for creating)", body=WorkerIn, response=WorkerOut, tag="people")
def update_worker(worker_id: int):
    db = request_session()
    worker = people.update_worker(db, worker_id, json_body(WorkerIn))
    db.commit()
    return jsonify(plain(worker_json(worker)))


@bp.post("/workers/<int:worker_id>/wages")
@allow("people.manage")
@doc("A worker's daily wage from a date on", body=WageIn, response=IdOut, status=201, tag="people")
def set_wage(worker_id: int):
    db = request_session()
    data = json_body(WageIn)
    row = people.set_wage(db, worker_id, data.daily_wage, data.valid_from)
    db.commit()
    return created({"id": row.id})


@bp.post("/workers/<int:worker_id>/trainings")
@allow("people.manage")
@doc("Record a training course of a worker", body=TrainingIn, response=IdOut, status=201, tag="people")
def add_training(worker_id: int):
    db = request_session()
    row = people.add_training(db, worker_id, json_body(TrainingIn))
    db.commit()
    return created({"id": row.id})


# --- jobs ------------------------------------------------------------------------------------------

@bp.post("/jobs")
@allow("people.manage")
@doc("Put a job on a day's board with its workers", body=JobIn, response=JobOut, status=201, tag="people")
def create_job():
    db = request_session()
    job = people.create_job(db, json_body(JobIn))
    db.commit()
    return created(job_json(job))


@bp.get("/jobs")
@allow("people.own")
@doc("A day's jobs (default today); a worker sees their own", response=JobOut, many=True, tag="people",
     query={"date": "YYYY-MM-DD, default today", "worker": "worker id"})
def list_jobs():
    day = query_date("date") or clock.today()
    worker_id = people.readable_worker(g.user, query_int("worker", 0, minimum=1) if request.args.get("worker") else None)
    return listing(people.jobs_on(request_session(), day, worker_id), job_json)


@bp.get("/jobs/<int:job_id>")
@allow("people.read")
@doc("One job", response=JobOut, tag="people")
def job(job_id: int):
    return jsonify(plain(job_json(people.get_job(request_session(), job_id))))


@bp.post("/jobs/<int:job_id>/attendance")
@allow("people.manage")
@doc("Record who was present on a job and their hours", body=AttendanceIn, response=JobOut, tag="people")
def attendance(job_id: int):
    db = request_session()
    job = people.job_attendance(db, job_id, json_body(AttendanceIn).entries)
    db.commit()
    return jsonify(plain(job_json(job)))


@bp.post("/jobs/<int:job_id>/done")
@allow("people.manage")
@doc("Mark a job done", response=JobOut, tag="people")
def done(job_id: int):
    db = request_session()
    job = people.mark_done(db, job_id)
    db.commit()
    return jsonify(plain(job_json(job)))


@bp.delete("/jobs/<int:job_id>")
@allow("people.manage")
@doc("Take a job off the board", status=204, tag="people")
def delete_job(job_id: int):
    db = request_session()
    people.delete_job(db, job_id)
    db.commit()
    return "", 204


# --- payroll ---------------------------------------------------------------------------------------

def _month_arg() -> str:
    raw = request.args.get("month")
    return payroll.parse_month(raw) if raw else payroll.month_of(clock.today())


@bp.get("/payroll")
@allow("people.own")
@doc("A month's pay per worker; a worker sees only their own line", response=PayrollItemOut, many=True,
     tag="people", query={"month": "YYYY-MM, default this month", "worker": "worker id"})
def payroll_list():
    month = _month_arg()
    worker_id = people.readable_worker(g.user, query_int("worker", 0, minimum=1) if request.args.get("worker") else None)
    db = request_session()
    pays = payroll.payroll(db, month, worker_id)
    names = dict(db.execute(people_names(list(pays))).all()) if pays else {}
    items = [item_json(p, names) for _, p in sorted(pays.items())]
    return listing(items, lambda row: row, month=month, closed=payroll.closed(db, month) is not None)


def people_names(ids: list[int]):
    return select(Worker.id, Worker.name).where(Worker.id.in_(ids))


@bp.get("/payroll/<month>/workers/<int:worker_id>")
@allow("people.own")
@doc("One worker's payslip for a month, line by line", response=PayslipOut, tag="people")
def payslip(month: str, worker_id: int):
    _own_or_manager(worker_id)
    month = payroll.parse_month(month)
    db = request_session()
    pay = payroll.get_worker_pay(db, month, worker_id)
    worker = db.get(Worker, worker_id)
    crops = {c.id: c.code for c in _crops(db)}
    lines = [{"kind": line.kind, "crop": crops.get(line.crop_id), "grade": line.grade, "quantity": line.quantity,
              "rate": line.rate, "amount": line.amount, "note": line.note} for line in pay.lines]
    return jsonify(plain({**item_json(pay, {worker_id: worker.name}), "month": month,
                          "closed": payroll.closed(db, month) is not None, "lines": lines}))


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
    return created({"month": record.month, "closed": True, "workers": len(pays),
                    "total": sum((p.total for p in pays.values()), payroll.ZERO)})


@bp.post("/payroll/adjustments")
@allow("people.manage")
@doc("An adjustment with its reason, into an open month", body=AdjustmentIn, response=IdOut, status=201,
     tag="people")
def adjustment():
    db = request_session()
    data = json_body(AdjustmentIn)
    row = payroll.add_adjustment(db, data.worker_id, data.month, data.amount, data.reason, g.user.id)
    db.commit()
    return created({"id": row.id})


@bp.post("/payroll/piece-rates")
@allow("people.manage")
@doc("A picking rate (yuan/kg) for a crop and grade from a date on", body=PieceRateIn, response=IdOut,
     status=201, tag="people")
def piece_rate():
    db = request_session()
    data = json_body(PieceRateIn)
    row = payroll.set_piece_rate(db, data.crop, data.grade, data.valid_from, data.rate)
    db.commit()
    return created({"id": row.id})
