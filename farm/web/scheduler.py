"""The scheduler's status page: who holds the lease, each job's last runs and its next run time."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from farm import clock, jobs
from farm.db import request_session
from farm.models.scheduler import SchedulerLease
from farm.permissions import allow
from farm.web import nav

bp = Blueprint("scheduler", __name__, url_prefix="/scheduler")
nav("scheduler.status", _l("Scheduler"), "park.manage", 90)

JOB_LABELS = {
    "rollups": _l("Reading rollups"),
    "purge_readings": _l("Purge old raw readings"),
    "prune_job_runs": _l("Prune the scheduler's run log"),
    "daily_report": _l("Daily park report"),
    "land_reminders": _l("Land reminders"),
    "alerts": _l("Climate and offline alerts"),
    "notifications": _l("Send notifications"),
}
OUTCOME_LABELS = {"ok": _l("ok"), "failed": _l("failed"), "running": _l("running"),
                  "interrupted": _l("interrupted")}
STATE_LABELS = {"ok": _l("running"), "stale": _l("not answering"), "not running": _l("not running")}


@bp.get("/")
@allow("park.manage")
def status():
    db = request_session()
    now = clock.now()
    state = jobs.scheduler_state(db, now)
    return render_template("scheduler/status.html", lease=db.get(SchedulerLease, jobs.LEASE), state=state,
                           state_text=STATE_LABELS.get(state, state), runs=jobs.last_runs(db),
                           next_runs=jobs.next_runs(db, now), job_labels=JOB_LABELS, outcomes=OUTCOME_LABELS)
