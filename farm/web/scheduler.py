"""The scheduler's status page: who holds the lease, each job's last runs and its next run time."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from farm import clock, jobs
from farm.db import request_session
from farm.permissions import allow
from farm.services import job_runs
from farm.web import ADMIN, nav

bp = Blueprint("scheduler", __name__, url_prefix="/scheduler")
nav("scheduler.status", _l("Scheduler"), ADMIN, 90)


@bp.get("/")
@allow("park.manage")
def status():
    db = request_session()
    now = clock.now()
    return render_template("scheduler/status.html", lease=job_runs.lease(db), state=job_runs.scheduler_state(db, now),
                           jobs=jobs.JOBS, runs=job_runs.last_runs(db, [j.name for j in jobs.JOBS]),
                           next_runs=job_runs.next_runs(db, {j.name: j.seconds for j in jobs.JOBS}, now))
