"""Login, logout and the remembered language switch."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from farm import auth
from farm.config import LANGUAGES
from farm.db import request_session
from farm.errors import DomainError
from farm.i18n import LANGUAGE_COOKIE
from farm.inputs.auth import LoginIn
from farm.permissions import PUBLIC, SIGNED_IN, allow, can
from farm.services import users
from farm.web import form_input

bp = Blueprint("auth", __name__)


def home_for(user) -> str:
    """Where a user lands after logging in: a worker (who reads only their own) on their page; a village official
    (who reads households, not the park's operations) on the livelihoods overview."""
    if can(user, "self.read"):
        return url_for("me.home")
    if not can(user, "park.read") and can(user, "livelihoods.read"):
        return url_for("linkage.overview")
    return url_for("dashboard.index")


def _safe_next(target: str | None) -> str | None:
    # Only same-site paths, so a login link cannot send people elsewhere.
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    # Browsers read a backslash as a slash and drop tabs and newlines: "/\\evil" or "/\t/evil" leave the site.
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@allow(PUBLIC)
def login():
    if request.method == "GET":
        if g.user is not None:
            return redirect(home_for(g.user))
        return render_template("auth/login.html", username="", error=None)
    db = request_session()
    username = request.form.get("username", "")
    try:
        data = form_input(LoginIn)
        user = users.authenticate(db, data.username, data.password, request.remote_addr or "")
    except DomainError as exc:
        db.commit()  # failed attempts count toward the throttle
        status = exc.status if exc.status in (401, 429) else 422
        if exc.fields:
            message = _("Enter your username and password.")
        else:
            message = str(exc.message)
        return render_template("auth/login.html", username=username, error=message), status
    db.commit()
    auth.login(user)
    return redirect(_safe_next(request.args.get("next")) or home_for(user))


@bp.post("/logout")
@allow(SIGNED_IN)
def logout():
    auth.logout(g.user)
    request_session().commit()
    return redirect(url_for("auth.login"))


@bp.get("/")
@allow(SIGNED_IN)
def index():
    return redirect(home_for(g.user))


@bp.post("/language")
@allow(PUBLIC)
def language():
    """Switch the interface language; remembered in a cookie and, when logged in, on the user."""
    choice = request.form.get("language")
    if choice not in LANGUAGES:
        choice = None
    target = _safe_next(request.form.get("next")) or url_for("auth.index")
    response = make_response(redirect(target))
    if choice:
        response.set_cookie(LANGUAGE_COOKIE, choice, max_age=5 * 365 * 24 * 3600, samesite="Lax", httponly=True,
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
        if g.user is not None:
            g.user.language = choice
            request_session().commit()
    return response
