"""Who is asking: session logins for pages, bearer tokens for the API, and the permission check on every request."""
from __future__ import annotations

import logging

from flask import current_app, g, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from farm.db import request_session
from farm.errors import Forbidden, Unauthorized
from farm.models.auth import User
from farm.permissions import PUBLIC, permission_of, role_may
from farm.services import users as user_service

log = logging.getLogger(__name__)
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def login(user: User) -> None:
    """Start a page session; it lasts while the login's session version stays the one it was made under."""
    session.clear()
    session["user_id"] = user.id
    session["version"] = user.session_version or 0
    session.permanent = True


def logout(user: User | None) -> None:
    """End this session and, by raising the login's session version, every other copy of it (the caller
    commits): a session cookie copied from this browser stops working too."""
    session.clear()
    if user is not None:
        user_service.end_sessions(user)


def _user_from_bearer(header: str) -> User:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(_l("Send the token as: Authorization: Bearer <token>."))
    db = request_session()
    user = user_service.user_for_token(db, token.strip())
    if user is None:
        raise Unauthorized(_l("The token is not valid or has been revoked."))
    db.commit()  # keeps the token's last-used time
    return user


def _user_from_session() -> User | None:
    user_id = session.get("user_id")
    if user_id is None:
        return None
    user = request_session().get(User, user_id)
    if user is None or not user.active or session.get("version") != (user.session_version or 0):
        # Deactivated, logged out elsewhere, or the password changed since this session began.
        session.clear()
        return None
    return user


def check_request():
    """Load the user and apply the permission policy to the view about to run."""
    g.user = None
    endpoint = request.endpoint
    if endpoint is None:
        return None  # Flask answers 404/405 itself
    if endpoint == "static":
        return None
    header = request.headers.get("Authorization", "")
    permission = permission_of(current_app.view_functions.get(endpoint))
    if is_api_request() and header:
        try:
            g.user = _user_from_bearer(header)
        except Unauthorized:
            # A stale token does not stop a client from reaching an open endpoint (such as getting a new token).
            if permission != PUBLIC:
                raise
    else:
        g.user = _user_from_session()
        if g.user is not None and is_api_request() and request.method in UNSAFE:
            # A browser using the API with its cookie must prove the request came from our pages.
            try:
                validate_csrf(request.headers.get("X-CSRFToken", ""))
            except ValidationError as exc:
                raise CSRFError(str(exc)) from None
    if permission == PUBLIC:
        return None
    if permission is None:
        log.error("view %s declares no permission; refused", endpoint)
    if g.user is None and permission is not None:
        if is_api_request():
            raise Unauthorized(_l("Log in first: send an API token."))
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if not role_may(g.user.role if g.user else None, permission):
        raise Forbidden(REFUSALS.get(permission, _l("Your role may not open this page.")))
    return None


# Why a role is refused, where the general message would not say enough.
REFUSALS = {
    "livelihoods.read": _l("Your role sees households' incomes only as totals, never a named household's income."),
}


def init_app(app) -> None:
    app.before_request(check_request)

    @app.context_processor
    def inject_user():
        from farm.permissions import can

        return {"current_user": g.get("user"), "can": lambda permission: can(g.get("user"), permission)}
