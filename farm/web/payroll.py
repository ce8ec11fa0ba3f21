"""Payroll pages: the month per worker with closing and adjustments, the Excel export, and payslips."""
from __future__ import annotations

from flask import Blueprint, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from farm import clock
from farm.db import request_session
from farm.errors import DomainError
from farm.inputs.people import AdjustmentIn, PieceRateIn
from farm.models.crops import Crop
from farm.models.people import PayAdjustment, Worker
from farm.permissions import allow
from farm.services import payroll, people
from farm.vocab import Grade
from farm.web import PEOPLE, FormState, form_action, form_input, nav
from farm.web.exports import send_table

bp = Blueprint("payroll", __name__, url_prefix="/payroll")
nav("payroll.month", _l("Payroll"), PEOPLE, 46)


def _month(raw: str | None) -> str:
    """The month a query asks for, this month when it asks for none; Invalid when it is no month."""
    return clock.parse_month(raw, default=clock.month_of(clock.today()))


def _rows(db, month: str):
    pays = payroll.payroll(db, month)
    workers = {w.id: w for w in db.scalars(select(Worker).where(Worker.id.in_(list(pays))))} if pays else {}
    return [(workers[wid], pay) for wid, pay in sorted(pays.items(), key=lambda kv: (workers[kv[0]].name, kv[0]))]


def _page(month: str, values=None, errors=None, message=None, status=200):
    db = request_session()
    rows = _rows(db, month)
    record = payroll.closed(db, month)
    workers = list(db.scalars(select(Worker).order_by(Worker.name)))
    names = {w.id: w.name for w in workers}
    end = clock.month_range(month)[1]
    return render_template(
        "payroll/month.html", month=month, rows=rows, record=record, workers=workers, names=names,
        total=sum((p.total for _, p in rows), payroll.ZERO), ended=end <= clock.today(),
        drift=payroll.drift(db, month) if record else {},
        adjustments=list(db.scalars(select(PayAdjustment).where(PayAdjustment.month == month)
                                    .order_by(PayAdjustment.id))),
        prev=clock.previous_month(month), next=clock.next_month(month),
        open_month=clock.next_month(month) if record else month,
        values=values or {"month": month if not record else clock.next_month(month)}, errors=errors or {},
        message=message, rates=payroll.piece_rates(db), crops={c.id: c for c in db.scalars(select(Crop))},
        grades=Grade.choices(), today=clock.today()), status


@bp.get("")
@allow("people.read")
def month():
    return _page(_month(request.args.get("month")))


@bp.post("/<month>/close")
@allow("people.manage")
def close(month: str):
    db = request_session()

    def save():
        payroll.close_month(db, month, g.user.id)
        return url_for("payroll.month", month=month), _("The payroll of %(month)s is closed.", month=month)

    state = form_action({}, save, "ok")
    if not isinstance(state, FormState):
        return state
    return _page(_shown(month), None, state.errors, state.message, state.status)


def _shown(month: str | None) -> str:
    """The month a form came from, to show again after an error; this month when it is no month."""
    try:
        return _month(month)
    except DomainError:
        return clock.month_of(clock.today())


@bp.post("/adjustments")
@allow("people.manage")
def adjustment():
    db = request_session()

    def save():
        data = form_input(AdjustmentIn)
        payroll.add_adjustment(db, data.worker_id, data.month, data.amount, data.reason, g.user.id)
        return url_for("payroll.month", month=data.month), _("Adjustment saved.")

    state = form_action({}, save, "ok")
    if not isinstance(state, FormState):
        return state
    # The typed adjustment stays in its form.
    return _page(_shown(state.values.get("shown")), state.values, state.errors, state.message, state.status)


@bp.post("/piece-rates")
@allow("people.manage")
def piece_rate():
    db = request_session()
    shown = _shown(request.form.get("shown"))

    def save():
        data = form_input(PieceRateIn)
        payroll.set_piece_rate(db, data.crop, data.grade, data.valid_from, data.rate)
        return url_for("payroll.month", month=shown), _("Piece rate saved.")

    state = form_action({}, save, "ok")
    if not isinstance(state, FormState):
        return state
    return _page(shown, None, state.errors, state.message, state.status)


@bp.get("/<month>.xlsx")
@allow("people.read")
def export(month: str):
    month = clock.parse_month(month)
    db = request_session()
    headers = [_("Worker"), _("Village group"), _("Days"), _("Hours"), _("Picked (kg)"), _("Crates"),
               _("Wage (yuan)"), _("Piece pay (yuan)"), _("Adjustments (yuan)"), _("Total (yuan)")]
    rows = [[w.name, w.village_group, p.days, p.hours, p.piece_kg, p.crates, p.wage, p.piece_pay, p.adjustments,
             p.total] for w, p in _rows(db, month)]
    return send_table(f"payroll-{month}", _("Payroll %(month)s", month=month), headers, rows, "xlsx",
                      total_columns=(2, 3, 4, 5, 6, 7, 8, 9))


def _slip(month: str, worker_id: int):
    """A worker's pay for the month, line by line; a worker may only open their own, an official only a household
    member's (403)."""
    db = request_session()
    worker = people.readable_payslip(db, g.user, worker_id)
    month = clock.parse_month(month)
    pay = payroll.get_worker_pay(db, month, worker_id)
    crops = {c.id: c for c in db.scalars(select(Crop))}
    return dict(month=month, worker=worker, pay=pay, crops=crops, closed=payroll.closed(db, month) is not None,
                prev=clock.previous_month(month), next=clock.next_month(month))


@bp.get("/<month>/workers/<int:worker_id>")
@allow("people.payslip")
def payslip(month: str, worker_id: int):
    return render_template("payroll/payslip.html", **_slip(month, worker_id))


@bp.get("/<month>/workers/<int:worker_id>/print")
@allow("people.payslip")
def printable(month: str, worker_id: int):
    return render_template("payroll/print.html", **_slip(month, worker_id))
