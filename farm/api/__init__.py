"""The JSON API under /api/v1: its blueprint, request parsing, list paging, the answer models' base and types, and
the doc marks openapi.json is built from.

One model per answer. Each resource has one pydantic `*Out` model; it is both what openapi.json describes (its
schema in serialization mode) and what the view answers (`out()`, `listing()`, `created()` validate the ORM row or
service object into it and dump it). No view builds an answer dict by hand, so the document cannot drift from the
answers; tests/test_openapi.py walks every documented GET on a seeded park and validates each answer against it.

Why our own `@doc` marks and not flask-openapi3 or spectree: both would take over routing (their own blueprint or
view classes) or validation, while `@doc` only adds a mark to a plain Flask view. The permission policy
(`farm.permissions.allow`) and the test that every route carries a permission walk the same plain views and the
same URL map, and openapi.json reads both marks from there (roles per operation as `x-roles`). With serialisation
going through the documented model, what those libraries would add is the coupling this module now has, at the
cost of a second routing layer; so the marks stay.

Numbers in answers: money is a JSON number with exactly two decimals (`1234.50`, the `Money` type, rounded by
`farm.units.fen`), weights a number to the gram (`Kg`, `farm.units.kg`); other decimal quantities (areas, hours,
rates) are numbers as stored (`Number`). They stay Decimals up to the JSON writer (farm/api/encoding.py), which
writes them as number literals; no float ever holds money. Dates are `YYYY-MM-DD`, times ISO-8601 with offset.

A field with a default is left out of the answer when its source does not have it (a raw reading point has no
`min`); every other field is always present, null when empty.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Callable, Iterable, NamedTuple

from flask import Blueprint, request, url_for
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, BeforeValidator, ConfigDict, WithJsonSchema
from sqlalchemy import Select

from farm import clock, units
from farm.db import request_session
from farm.errors import Invalid, Malformed
from farm.inputs import Input, parse
from farm.vocab import Term


def make_blueprint() -> Blueprint:
    """A fresh /api/v1 parent blueprint for one app; the area blueprints are nested in it."""
    return Blueprint("api", __name__, url_prefix="/api/v1")


PAGE_SIZE = 1000


# --- the answer models -------------------------------------------------------------------------------------

class Out(BaseModel):
    """Base of every answer model: read from attributes (ORM rows, service objects), nothing beyond its fields."""

    model_config = ConfigDict(from_attributes=True, extra="forbid", use_enum_values=True)


def _optional(convert: Callable) -> Callable:
    return lambda v: v if v is None else convert(v)


# Money in yuan to the fen, written with exactly two decimals.
Money = Annotated[Decimal, BeforeValidator(_optional(units.fen)), WithJsonSchema(
    {"type": "number", "description": "yuan, exactly two decimals (e.g. 1234.50)"})]
# A weight in kilograms to the gram.
Kg = Annotated[Decimal, BeforeValidator(_optional(units.kg)), WithJsonSchema(
    {"type": "number", "description": "kilograms, to the gram"})]
# Another decimal quantity (an area, hours, a rate), as stored.
Number = Annotated[Decimal, BeforeValidator(_optional(units.decimal)), WithJsonSchema({"type": "number"})]
# A related object shown by its code (a greenhouse, a crop, a device).
Code = Annotated[str, BeforeValidator(lambda v: getattr(v, "code", v))]
# A related login shown by its username.
Username = Annotated[str, BeforeValidator(lambda v: getattr(v, "username", v))]
# A related person shown by their name.
Name = Annotated[str, BeforeValidator(lambda v: getattr(v, "name", v))]


class _View:
    """An object's attributes with some replaced or added: what a model reads when a view supplies a value."""

    __slots__ = ("_obj", "_fields")

    def __init__(self, obj, fields: dict):
        self._obj, self._fields = obj, fields

    def __getattr__(self, name: str):
        if name in self._fields:
            return self._fields[name]
        return getattr(self._obj, name)


def view(obj, **fields):
    """`obj` as a model reads it, with `fields` in place of (or beside) its own attributes."""
    return _View(obj, fields) if fields else obj


def dump(model: type[Out], obj, **fields) -> Out:
    """`obj` (with `fields` replacing its attributes) validated into `model`."""
    return model.model_validate(view(obj, **fields), from_attributes=True)


def out(model: type[Out], obj, **fields) -> dict:
    """The answer for `obj` (None when `fields` hold everything) shaped by `model`: its fields by their public
    names, Decimals kept for the JSON writer."""
    return dump(model, obj, **fields).model_dump(by_alias=True, exclude_unset=True)


def created(model: type[Out], obj, **fields):
    """A 201 answer for a new `obj` shaped by `model`."""
    return out(model, obj, **fields), 201


def listing(source, model: type[Out], about: dict | None = None, each: Callable[[object], dict] | None = None):
    """The list answer: up to PAGE_SIZE items shaped by `model` and the URL of the next page, or null.

    `source` is a list, or a SQLAlchemy select that is paged in the database. `each(item)` gives fields to read
    beside an item's own (see `out`); `about` adds figures about the whole list (an `out()` of the model named in
    the route's `@doc(about=...)`).
    """
    offset = query_int("offset", 0)
    limit = query_int("limit", PAGE_SIZE, minimum=1, maximum=PAGE_SIZE)
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
    items = [out(model, row, **(each(row) if each else {})) for row in page]
    return {**(about or {}), "items": items, "next": next_url}


# --- the document's marks ----------------------------------------------------------------------------------

class Param(NamedTuple):
    """A documented query parameter: what it means, the values it takes (a vocabulary or a tuple), required."""

    text: str
    values: Iterable[str] | type[Term] | None = None
    required: bool = False


def doc(summary: str, body: type[Input] | None = None, response: type[BaseModel] | None = None,
        query: dict | None = None, status: int = 200, tag: str = "", many: bool = False,
        errors: dict | None = None, also: dict | None = None, about: type[BaseModel] | None = None) -> Callable:
    """Describe an endpoint for openapi.json: its body model, response model (a list of them when `many`, with
    the fields of `about` beside the list), success status and query parameters (name: description, or name:
    `Param` for a parameter with fixed values or a required one); `errors` adds error
    statuses beyond the usual ones ({429: "why"}), `also` other statuses answered with the response model."""

    def mark(view_function):
        view_function.api_doc = {"summary": summary, "body": body, "response": response, "query": query or {},
                                 "status": status, "tag": tag, "many": many, "errors": errors or {},
                                 "also": also or {}, "about": about}
        return view_function

    return mark


# --- reading the request -----------------------------------------------------------------------------------

def json_body(model: type[Input]):
    """The request's JSON body parsed into `model` (400 when it is not JSON, 422 for bad fields)."""
    data = request.get_json(silent=True)
    if data is None:
        raise Malformed(_l("The request body must be JSON (Content-Type: application/json)."))
    return parse(model, data, strict=True)


def query_id(name: str) -> int | None:
    """A list's filter by a record's id (`?buyer=3`, `?worker=7`): None when absent; 422 unless a whole number of at
    least 1."""
    return query_int(name, 0, minimum=1) if request.args.get(name) else None


def query_int(name: str, default: int, minimum: int = 0, maximum: int = 2_000_000_000) -> int:
    """A whole number from the query string, `default` when absent; 422 naming the parameter otherwise."""
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
    """A YYYY-MM-DD day from the query string (the park's one reading of a typed day, `clock.parse_day`)."""
    return clock.parse_day(request.args.get(name), name, required=required)


def query_month(name: str = "month", default: str | None = None) -> str:
    """A YYYY-MM month from the query string, `default` when absent (`clock.parse_month`)."""
    return clock.parse_month(request.args.get(name), name, default=default)
