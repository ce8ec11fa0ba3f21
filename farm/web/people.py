"""Worker pages: the list, a worker's record with training and wage history (managers)."""
from __future__ import annotations

from flask import Blueprint, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from farm import clock
from farm.db import request_session
from farm.inputs.auth import WorkerLoginIn
from farm.inputs.people import TrainingIn, WageIn, WorkerIn
from farm.permissions import allow
from farm.services import people, privacy, users
from farm.vocab import WorkerStatus
from farm.web import PEOPLE, FormState, act_and_redirect, form_action, form_input, nav

bp = Blueprint("people", __name__, url_prefix="/workers")
nav("people.index", _l("Workers"), PEOPLE, 50)


@bp.get("")
@allow("people.read")
def index():
    db = request_session()
    # Working people by default; `?status=all` (or anything that is no status) lists everyone.
    status = WorkerStatus.get(request.args.get("status", WorkerStatus.ACTIVE))
    workers = list(db.scalars(people.list_workers(db, status)))
    return render_template("people/index.html", workers=workers, status=status, statuses=WorkerStatus.choices(),
                           personal=people.personal)


def _form(worker=None):
    db = request_session()
    values = {"status": WorkerStatus.ACTIVE}
    if worker is not None:
        values = privacy.form_values({name: getattr(worker, name) for name in WorkerIn.model_fields}, g.user,
                                     people.PERSONAL_FIELDS)

    def save():
        data = form_input(WorkerIn, **privacy.kept(request.form, worker, g.user, people.PERSONAL_FIELDS))
        saved = people.create_worker(db, data) if worker is None else people.update_worker(db, worker.id, data)
        return url_for("people.edit", worker_id=saved.id), _("Saved.")

    state = form_action(values, save, "ok")
    if not isinstance(state, FormState):
        return state
    return state.render("people/edit.html", worker=worker, households=people.households(db),
                        seen=people.personal(worker, g.user) if worker else {},
                        unseen=privacy.unseen(g.user, people.PERSONAL_FIELDS) if worker else (),
                        statuses=WorkerStatus.choices(),
                        wages=people.wage_history(db, worker.id) if worker else [], today=clock.today(),
                        login=users.login_of_worker(db, worker.id) if worker else None)


@bp.route("/new", methods=["GET", "POST"])
@allow("people.manage")
def new():
    return _form()


@bp.route("/<int:worker_id>", methods=["GET", "POST"])
@allow("people.manage")
def edit(worker_id: int):
    return _form(people.get_worker(request_session(), worker_id))


@bp.post("/<int:worker_id>/trainings")
@allow("people.manage")
def training(worker_id: int):
    db = request_session()

    def do():
        people.add_training(db, worker_id, form_input(TrainingIn))
        return _("Training recorded.")

    return act_and_redirect(do, url_for("people.edit", worker_id=worker_id), "ok")


@bp.post("/<int:worker_id>/login")
@allow("people.logins")
def make_login(worker_id: int):
    """Make the worker's own login from their page, so they can log harvests and see their pay."""
    db = request_session()

    def do():
        user = users.create_worker_login(db, worker_id, form_input(WorkerLoginIn))
        return _("Login %(name)s made; the worker signs in with it.", name=user.username)

    return act_and_redirect(do, url_for("people.edit", worker_id=worker_id), "ok")


@bp.post("/<int:worker_id>/wages")
@allow("people.manage")
def wage(worker_id: int):
    db = request_session()

    def do():
        data = form_input(WageIn)
        people.set_wage(db, worker_id, data.daily_wage, data.valid_from)
        return _("Daily wage saved.")

    return act_and_redirect(do, url_for("people.edit", worker_id=worker_id), "ok")
