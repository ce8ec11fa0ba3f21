"""Administration: logins and their roles, and the park's settings."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from farm.db import request_session
from farm.errors import DomainError
from farm.inputs.auth import SettingIn, UserChange, UserIn
from farm.permissions import allow
from farm.services import settings, users
from farm.vocab import Role
from farm.web import field_errors, form_input, nav

bp = Blueprint("admin", __name__, url_prefix="/admin")
nav("admin.user_list", _l("Logins"), "users.manage", 90)
nav("admin.settings_list", _l("Settings"), "settings.manage", 91)


@bp.route("/users", methods=["GET", "POST"])
@allow("users.manage")
def user_list():
    db = request_session()
    values, errors, message, status = {"role": "viewer"}, {}, None, 200
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            data = form_input(UserIn)
            users.create_user(db, data.username, data.role, data.password, data.worker, data.display_name)
            db.commit()
            flash(_("Login %(name)s created.", name=data.username), "success")
            return redirect(url_for("admin.user_list"))
        except DomainError as exc:
            db.rollback()
            errors, message, status = field_errors(exc), str(exc.message), exc.status
    return render_template("admin/users.html", users=users.list_users(db), roles=Role.values(), values=values,
                           errors=errors, message=message), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@allow("users.manage")
def user_edit(user_id: int):
    db = request_session()
    user = users.get_user(db, user_id)
    errors, message, status = {}, None, 200
    if request.method == "POST":
        try:
            data = form_input(UserChange)
            users.update_user(db, user, data.role, data.active, data.password, g.user)
            db.commit()
            flash(_("Login %(name)s saved.", name=user.username), "success")
            return redirect(url_for("admin.user_list"))
        except DomainError as exc:
            db.rollback()
            user = users.get_user(db, user_id)
            errors, message, status = field_errors(exc), str(exc.message), exc.status
    return render_template("admin/user.html", user=user, roles=Role.values(), errors=errors, message=message), status


@bp.get("/settings")
@allow("settings.manage")
def settings_list():
    db = request_session()
    rows = [(spec, settings.get(db, spec.key), settings.history(db, spec.key)) for spec in settings.specs()]
    return render_template("admin/settings.html", rows=rows, errors={}, message=None, key=None)


@bp.post("/settings/<key>")
@allow("settings.manage")
def settings_put(key: str):
    db = request_session()
    try:
        data = form_input(SettingIn)
        settings.put(db, key, data.value, data.valid_from, g.user.id)
        db.commit()
        flash(_("Setting saved."), "success")
        return redirect(url_for("admin.settings_list"))
    except DomainError as exc:
        db.rollback()
        rows = [(spec, settings.get(db, spec.key), settings.history(db, spec.key)) for spec in settings.specs()]
        return render_template("admin/settings.html", rows=rows, errors=field_errors(exc), message=str(exc.message),
                               key=key), exc.status
