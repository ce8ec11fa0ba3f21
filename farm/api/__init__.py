"""The JSON API under /api/v1: its blueprint, request parsing, list paging and the doc marks openapi.json is built from."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Callable

from flask import Blueprint, jsonify, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select

from farm.db import request_session
from farm.errors import Invalid, Malformed
from farm.inputs import Input, parse


def make_blueprint() -> Blueprint:
    """A fresh /api/v1 parent blueprint for one app; the area blueprints are nested in it."""
    return Blueprint("api", __name__, url_prefix="/api/v1")

PAGE_SIZE = 1000


def doc(summary: str, body: type[Input] | None = None, response=None, query: dict | None = None,
        status: int = 200, tag: str = "", many: bool = False, errors: dict | None = None,
        also: dict | None = None) -> Callable:
    """Describe an endpoint for openapi.json: its body model, response model (a list of them when
    `many`), success status and query parameters; `errors` adds error statuses beyond the usual ones
    ({429: "why"}), `also` other statuses answered with the response model ({503: "why"})."""

    def mark(view):
        view.api_doc = {"summary": summary, "body": body, "response": response, "query": query or {},
                        "status": status, "tag": tag, "many": many, "errors": errors or {},
                        "also": also or {}}
        return view

    return mark


def json_body(model: type[Input]):
    """The request's JSON body parsed into `model` (400 when it is not JSON, 422 for bad fields)."""
    data = request.get_json(silent=True)
    if data is None:
        raise Malformed(_l("The request body must be JSON (Content-Type: application/json)."))
    return parse(model, data)


def query_int(name: str, default: int, minimum: int = 0, maximum: int = 2_000_000_000) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Invalid(_l("Enter a whole number."), {name: _l("Enter a whole number.")}) from None
    if value < minimum:
        msg = _l("Must be at least %(n)s.", n=minimum)
        raise Invalid(msg, {name: msg})
    if value > maximum:  # keeps an offset within what every database accepts
        msg = _l("Must be at most %(n)s.", n=maximum)
        raise Invalid(msg, {name: msg})
    return value


def query_date(name: str, required: bool = False) -> date | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        if required:
            raise Invalid(_l("This field is required."), {name: _l("This field is required.")})
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        msg = _l("Enter a date as YYYY-MM-DD.")
        raise Invalid(msg, {name: msg}) from None


def plain(value):
    """Turn Decimals, dates and models' dumps into JSON-ready values (money and weights as numbers)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def listing(source, serialise: Callable, **extra):
    """The contract's list answer: up to PAGE_SIZE items and the URL of the next page, or null.

    `source` is a list, or a SQLAlchemy select that is paged in the database.
    """
    offset = query_int("offset", 0)
    limit = min(query_int("limit", PAGE_SIZE, minimum=1), PAGE_SIZE)
    if isinstance(source, Select):
        rows = list(request_session().scalars(source.offset(offset).limit(limit + 1)))
        page, more = rows[:limit], len(rows) > limit
    else:
        rows = list(source)
        page, more = rows[offset:offset + limit], offset + limit < len(rows)
    next_url = None
    if more:
        args = request.args.to_dict()
        args.update(offset=offset + limit, limit=limit)
        next_url = url_for(request.endpoint, **(request.view_args or {}), **args)
    return jsonify({"items": [plain(serialise(row)) for row in page], "next": next_url, **plain(extra)})


def created(payload: dict):
    return jsonify(plain(payload)), 201
