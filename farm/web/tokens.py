"""API tokens and the login throttle: each login sees and revokes its own tokens; the administrator sees and
revokes everyone's, and unlocks names and addresses the failed-login throttle holds."""
from __future__ import annotations

from flask import Blueprint, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from farm import clock
from farm.db import request_session
from farm.permissions import SIGNED_IN, allow
from farm.services import login_throttle, users
from farm.web import ADMIN, act_and_redirect, nav

bp = Blueprint("tokens", __name__)
nav("tokens.admin_list", _l("API tokens"), ADMIN, 92)


@bp.get("/account/tokens")
@allow(SIGNED_IN)
def own_list():
    return render_template("tokens/list.html", tokens=users.list_tokens(request_session(), g.user), everyone=False,
                           now=clock.now())


@bp.post("/account/tokens/<int:token_id>/revoke")
@allow(SIGNED_IN)
def own_revoke(token_id: int):
    def do():
        users.revoke_token(request_session(), token_id, owner=g.user)
        return _("Token revoked.")

    return act_and_redirect(do, url_for("tokens.own_list"))


@bp.get("/admin/tokens")
@allow("users.manage")
def admin_list():
    return render_template("tokens/list.html", tokens=users.list_tokens(request_session()), everyone=True,
                           now=clock.now())


@bp.post("/admin/tokens/<int:token_id>/revoke")
@allow("users.manage")
def admin_revoke(token_id: int):
    def do():
        users.revoke_token(request_session(), token_id)
        return _("Token revoked.")

    return act_and_redirect(do, url_for("tokens.admin_list"))


@bp.get("/admin/throttle")
@allow("users.manage")
def throttle():
    return render_template("tokens/throttle.html", held=login_throttle.held(request_session()))


@bp.post("/admin/throttle/unlock")
@allow("users.manage")
def unlock():
    kind = request.form.get("kind", "")
    value = request.form.get("value", "")

    def do():
        if kind not in ("username", "address") or not value:
            return _("Nothing to unlock.")
        count = login_throttle.unlock(request_session(), kind, value)
        return _("%(value)s unlocked (%(count)d failed logins forgiven).", value=value, count=count)

    return act_and_redirect(do, url_for("tokens.throttle"))
