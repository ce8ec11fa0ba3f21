"""POST /api/v1/auth/token: trade a username and password for an API token."""
from __future__ import annotations

from flask import Blueprint, request

from farm.api import Out, created, doc, json_body
from farm.db import request_session
from farm.errors import Throttled, Unauthorized
from farm.inputs.auth import LoginIn
from farm.permissions import PUBLIC, allow
from farm.services import users

bp = Blueprint("auth", __name__)


class TokenOut(Out):
    token: str


@bp.post("/auth/token")
@allow(PUBLIC)
@doc("Get an API token for a username and password", body=LoginIn, response=TokenOut, status=201, tag="auth",
     errors={429: "Too many failed logins (for this name, this address or the pair; wait and try again), or the "
                  "login already holds the most live tokens allowed (setting api.max_tokens; reuse or revoke one)"})
def token():
    data = json_body(LoginIn)
    db = request_session()
    try:
        user = users.authenticate(db, data.username, data.password, request.remote_addr or "")
    except (Unauthorized, Throttled):
        db.commit()  # the failed attempt counts toward the throttle
        raise
    try:
        value = users.issue_token(db, user, name="api")
    except Throttled:
        db.commit()  # the successful login is still recorded
        raise
    db.commit()
    return created(TokenOut, None, token=value)
