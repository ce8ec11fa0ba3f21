"""Administration: logins and their roles, and the park's settings."""
from __future__ import annotations

from flask import Blueprint, g, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from farm import auth
from farm.db import request_session
from farm.inputs.auth import SettingIn, UserChange, UserIn
from farm.permissions import allow
from farm.services import settings, users
from farm.vocab import Role
from farm.web import ADMIN, FormState, form_action, form_input, nav

bp = Blueprint("admin", __name__, url_prefix="/admin")
nav("admin.user_list", _l("Logins"), ADMIN, 90)
nav("admin.settings_list", _l("Settings"), ADMIN, 91)


@bp.route("/users", methods=["GET", "POST"])
@allow("users.manage")
def user_list():
    db = request_session()

    def save():
        data = form_input(UserIn)
        users.create_user(db, data.username, data.role, data.password, data.worker, data.display_name)
        return url_for("admin.user_list"), _("Login %(name)s created.", name=data.username)

    state = form_action({"role": Role.VIEWER.value}, save)
    if not isinstance(state, FormState):
        return state
    return state.render("admin/users.html", users=users.list_users(db), roles=Role.values())


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@allow("users.manage")
def user_edit(user_id: int):
    db = request_session()
    user = users.get_user(db, user_id)

    def save():
        data = form_input(UserChange)
        users.update_user(db, user, data.role, data.active, data.password, g.user)
        if user.id == g.user.id:
            auth.login(user)  # a new password of one's own ends the other sessions, not this one
        return url_for("admin.user_list"), _("Login %(name)s saved.", name=user.username)

    state = form_action({}, save)
    if not isinstance(state, FormState):
        return state
    return state.render("admin/user.html", user=user, roles=Role.values())


@bp.get("/settings")
@allow("settings.manage")
def settings_list():
    return FormState({}).render("admin/settings.html", rows=_setting_rows(request_session()), key=None)


def _setting_rows(db) -> list:
    """(spec, value in force today, its history) for every known setting."""
    return [(spec, settings.get(db, spec.key), settings.history(db, spec.key)) for spec in settings.specs()]


@bp.post("/settings/<key>")
@allow("settings.manage")
def settings_put(key: str):
    db = request_session()

    def save():
        data = form_input(SettingIn)
        settings.put(db, key, data.value, data.valid_from, g.user.id)
        return url_for("admin.settings_list"), _("Setting saved.")

    state = form_action({}, save)
    if not isinstance(state, FormState):
        return state
    return state.render("admin/settings.html", rows=_setting_rows(db), key=key)
