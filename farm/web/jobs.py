"""The day's job board: plan jobs, copy yesterday's plan, record attendance in one pass, mark jobs done."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from farm import clock
from farm.db import request_session
from farm.errors import Invalid
from farm.inputs import parse
from farm.inputs.people import CopyDayIn, JobIn, JobWorkersIn
from farm.limits import MAX_ID
from farm.models.park import Greenhouse
from farm.permissions import allow
from farm.services import payroll, people
from farm.vocab import JobKind
from farm.web import PEOPLE, FormState, form_action, nav

bp = Blueprint("jobs", __name__, url_prefix="/jobs")
nav("jobs.board", _l("Job board"), PEOPLE, 45)


def _day() -> date | None:
    """The board's day from ?date= (default today); None when it is not a date."""
    try:
        return clock.parse_day(request.values.get("date"), default=clock.today())
    except Invalid:
        return None


def _board(day: date, values=None, errors=None, message=None, status=200):
    db = request_session()
    return render_template(
        "jobs/board.html", day=day, jobs=people.jobs_on(db, day), kinds=JobKind.choices(),
        greenhouses=list(db.scalars(select(Greenhouse).order_by(Greenhouse.code))),
        workers=people.worker_choices(db, day), values=values or {"hours": "8", "kind": JobKind.HARVEST},
        errors=errors or {}, message=message, closed=payroll.closed(db, clock.month_of(day)) is not None,
        prev=day - timedelta(days=1), next=day + timedelta(days=1), today=clock.today()), status


@bp.get("")
@allow("people.read")
def board():
    day = _day()
    if day is None:
        return _board(clock.today(), message=_("“%(value)s” is not a date; showing today.",
                                               value=request.args.get("date", "")), status=400)
    return _board(day)


@bp.post("")
@allow("people.manage")
def create():
    db = request_session()

    def save():
        data = parse(JobIn, {**request.form.to_dict(), "workers": request.form.getlist("workers")})
        people.create_job(db, data)
        return url_for("jobs.board", date=data.day.isoformat()), _("Job added.")

    state = form_action({}, save, "ok")
    if not isinstance(state, FormState):
        return state
    # The typed job stays in the form after a refusal.
    return _board(_day() or clock.today(), state.values, state.errors, state.message, state.status)


@bp.post("/copy")
@allow("people.manage")
def copy():
    db = request_session()
    day = None

    def save():
        nonlocal day  # the board shows the day asked for, when it was one, after a refusal
        day = clock.parse_day(request.values.get("date"), "to", default=clock.today())
        data = parse(CopyDayIn, {"from": request.form.get("from") or (day - timedelta(days=1)).isoformat(),
                                 "to": day.isoformat()})
        copies = people.copy_day(db, data.source, data.target)
        return (url_for("jobs.board", date=day.isoformat()),
                _("%(n)d jobs copied from %(day)s.", n=len(copies), day=data.source.isoformat()))

    state = form_action({}, save, "ok")
    return _refused(state, day or clock.today())


@bp.post("/attendance")
@allow("people.manage")
def attendance():
    """Every booking on the board in one form: `present_<id>` ticked or not, `hours_<id>`."""
    db = request_session()
    day = _day() or clock.today()
    entries, errors = [], {}
    for key in request.form:
        if not key.startswith("booking_"):
            continue
        number = key.removeprefix("booking_")
        # only ASCII digits ("²".isdigit() holds, int() refuses it) and within a database integer
        booking = int(number) if number.isascii() and number.isdigit() else None
        if booking is None or booking > MAX_ID:
            continue
        present = request.form.get(f"present_{booking}") == "1"
        raw = (request.form.get(f"hours_{booking}") or "0").strip()
        try:
            hours = Decimal(raw)
            if not hours.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            errors[f"hours_{booking}"] = _("Enter a number.")
            continue
        entries.append((booking, present, hours))

    def save():
        if errors:
            raise Invalid(_l("Some fields are not valid."), errors)
        people.record_attendance(db, entries)
        return url_for("jobs.board", date=day.isoformat()), _("Attendance saved.")

    state = form_action({}, save, "ok")
    return _refused(state, day)


@bp.route("/<int:job_id>/workers", methods=["GET", "POST"])
@allow("people.manage")
def workers(job_id: int):
    """Change who is on an existing job: tick the workers, untick those who come off it."""
    db = request_session()
    job = people.get_job(db, job_id)

    def save():
        people.set_job_workers(db, job_id, parse(JobWorkersIn, {"workers": request.form.getlist("workers")}))
        return url_for("jobs.board", date=job.day.isoformat()) + f"#job-{job.id}", _("Workers changed.")

    state = form_action({}, save, "ok")
    if not isinstance(state, FormState):
        return state
    chosen = ({int(w) for w in request.form.getlist("workers") if w.isdigit()} if request.method == "POST"
              else {a.worker_id for a in job.assignments})
    return state.render("jobs/workers.html", job=job, chosen=chosen, workers=people.worker_choices(db, job.day),
                        closed=payroll.closed(db, clock.month_of(job.day)) is not None)


@bp.post("/<int:job_id>/done")
@allow("people.manage")
def done(job_id: int):
    db = request_session()
    day = _day() or clock.today()

    def save():
        job = people.mark_done(db, job_id, request.form.get("undo") != "1")
        return url_for("jobs.board", date=job.day.isoformat()), None  # the ticked box says it; no message

    state = form_action({}, save, "ok")
    return _refused(state, day)


@bp.post("/<int:job_id>/delete")
@allow("people.manage")
def delete(job_id: int):
    db = request_session()
    day = _day() or clock.today()

    def save():
        people.delete_job(db, job_id)
        return url_for("jobs.board", date=day.isoformat()), _("Job removed.")

    state = form_action({}, save, "ok")
    return _refused(state, day)


def _refused(state, day: date):
    """The redirect after a saved board action, or the board again with the refusal; its job form starts afresh."""
    if not isinstance(state, FormState):
        return state
    return _board(day, None, state.errors, state.message, state.status)
