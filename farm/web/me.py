"""A worker's own home page on the phone: today's jobs and a link to this month's payslip."""
from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l

from farm import clock
from farm.db import request_session
from farm.permissions import allow
from farm.services import payroll, people
from farm.web import TODAY, nav

bp = Blueprint("me", __name__)
nav("me.home", _l("Me"), TODAY, 5)


@bp.get("/me")
@allow("self.read")
def home():
    worker = g.user.worker
    today = clock.today()
    jobs, pay = [], None
    if worker is not None:
        db = request_session()
        jobs = people.jobs_on(db, today, worker.id)
        pay = payroll.get_worker_pay(db, clock.month_of(today), worker.id)
    return render_template("me/home.html", worker=worker, today=today.isoformat(), jobs=jobs, pay=pay,
                           month=clock.month_of(today))


@bp.get("/me/payslip")
@allow("self.read")
def payslip():
    """This month's payslip of the signed-in worker."""
    worker_id = g.user.worker_id or 0
    return redirect(url_for("payroll.payslip", month=clock.month_of(clock.today()), worker_id=worker_id))
