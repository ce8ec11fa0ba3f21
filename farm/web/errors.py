"""Error answers: the JSON envelope for the API, a translated page for people; never a bare 500."""
from __future__ import annotations

import logging

from flask import abort, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from farm.errors import DomainError, Invalid
from farm.inputs import NUL_REFUSED

log = logging.getLogger(__name__)

HTTP_CODES = {400: "malformed", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
              409: "conflict", 413: "too_large", 414: "uri_too_long", 422: "invalid", 429: "throttled",
              500: "server_error"}
# The longest URL (path and query) the app reads; gunicorn is set to pass longer request lines up to here
# (farm.server), so the answer is this envelope rather than the server's own plain text.
MAX_URL_LENGTH = 4096


def _messages():
    return {
        400: _("The request could not be understood."),
        401: _("Please log in."),
        403: _("Your role may not open this page."),
        404: _("This page does not exist."),
        405: _("This action is not allowed here."),
        413: _("The upload is too large."),
        414: _("The address is too long."),
        429: _("Too many requests; wait a moment."),
        500: _("Something went wrong on the server; nothing was saved. Please try again."),
    }


def _answer(status: int, code: str, message: str, fields: dict | None = None, headers: dict | None = None):
    from farm.auth import is_api_request

    if is_api_request() or request.path == "/healthz":
        body = {"error": {"code": code, "message": message, "fields": fields or {}}}
        return jsonify(body), status, headers or {}
    return (render_template("errors/error.html", status=status, message=message, fields=fields or {}), status,
            headers or {})


def check_address() -> None:
    """Refuse an address the app cannot read: too long (414), or holding a NUL character in its path or a query
    parameter (422; PostgreSQL cannot compare text holding one, so a lookup by it would fail with a 500).

    Bodies are checked where they are parsed (farm.inputs), so a form gets its message beside the field."""
    if len(request.full_path) > MAX_URL_LENGTH:
        abort(414)
    message = NUL_REFUSED
    if "\x00" in request.path:
        raise Invalid(message, {"path": message})
    fields = {name: message for name, value in request.args.items(multi=True) if "\x00" in name + value}
    if fields:
        raise Invalid(message, fields)


def register(app) -> None:
    app.before_request_funcs.setdefault(None, []).insert(0, check_address)

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        body = exc.as_dict()
        return _answer(exc.status, body["code"], body["message"], body["fields"])

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return _answer(400, "csrf", _("The form had expired or was not sent from this site. Reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        # A 405 names the methods the address takes (Allow), as HTTP asks; werkzeug's own answer would carry it.
        headers = {name: value for name, value in exc.get_headers() if name == "Allow"}
        return _answer(status, HTTP_CODES.get(status, "error"), _messages().get(status, exc.description or ""),
                       headers=headers)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        from flask import g

        session = g.get("db_session")
        if session is not None:
            session.rollback()
        return _answer(500, "server_error", _messages()[500])
