"""Input shapes shared by the API and the pages: parse a dict, or raise Invalid with a message per field.

The same model parses a JSON body and a submitted form, and describes the body in openapi.json.
Each area keeps its input models in its own module here (park, auth, ...).
"""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, TypeVar

from flask_babel import lazy_gettext as _l
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
    field_validator,
)

from farm import clock
from farm.errors import Invalid, Malformed
from farm.limits import MAX_ID

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


def _month(value: str) -> str:
    """A month read by the park's one month parser (farm.clock), its message kept for the field."""
    try:
        return clock.parse_month(value)
    except Invalid as exc:
        raise ValueError(exc.message) from None


# "YYYY-MM", checked by clock.parse_month; the document states the same shape.
Month = Annotated[str, StringConstraints(strip_whitespace=True, max_length=7), AfterValidator(_month),
                  WithJsonSchema({"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$", "description": "YYYY-MM"})]
# Money in yuan to the fen, never negative; weights in kg to the gram, above zero.
Yuan = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
Kilograms = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=3)]


# PostgreSQL can neither store nor compare text holding a NUL character; every input refuses it with this message.
NUL_REFUSED = _l("The text holds a NUL character, which cannot be stored.")


def _bounded(value):
    """`value` when every whole number, day and text in it is one the databases can hold; ValueError otherwise.

    Every input passes here (Input's validator below), so no field needs to remember it: a whole number beyond a
    database integer (an id of 10**20 overflowed in the driver), a day outside the park's calendar (9999-12-31 has
    no next day; year 1 has no UTC offset below it) and text holding a NUL character (PostgreSQL cannot store one)
    are refused as the field's error instead of failing in the database.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if not -MAX_ID <= value <= MAX_ID:
            raise ValueError(_l("Enter a whole number between %(low)s and %(high)s.", low=-MAX_ID, high=MAX_ID))
    elif isinstance(value, (date, datetime)):
        if not clock.FIRST_YEAR <= value.year <= clock.LAST_YEAR:
            raise ValueError(_l("Enter a year between %(first)s and %(last)s.",
                                first=clock.FIRST_YEAR, last=clock.LAST_YEAR))
    elif isinstance(value, str):
        if "\x00" in value:
            raise ValueError(NUL_REFUSED)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            _bounded(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _bounded(key)
            _bounded(item)
    return value


def _document_bounds(schema: dict, _model=None) -> None:
    """State `_bounded` in an input's JSON schema (openapi.json): whole numbers get its bounds where the field has
    none narrower, days and times the years they may fall in (the NUL rule is in the document's description)."""
    if isinstance(schema, list):
        for item in schema:
            _document_bounds(item)
        return
    if not isinstance(schema, dict):
        return
    kind = schema.get("type")
    if kind == "integer":
        schema["minimum"] = max(schema.get("minimum", -MAX_ID), -MAX_ID)
        schema["maximum"] = min(schema.get("maximum", MAX_ID), MAX_ID)
    elif kind == "string" and schema.get("format") in ("date", "date-time"):
        schema.setdefault("description", f"in the years {clock.FIRST_YEAR} to {clock.LAST_YEAR}")
    for key, value in schema.items():
        if key in ("properties", "$defs"):
            for sub in value.values():
                _document_bounds(sub)
        elif key in ("items", "anyOf", "oneOf", "allOf", "additionalProperties"):
            _document_bounds(value)


class Input(BaseModel):
    """Base of every input: extra fields are ignored, strings are stripped, and every value fits the databases
    (`_bounded`, stated in openapi.json by `_document_bounds`)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, json_schema_extra=_document_bounds)

    @field_validator("*", mode="after")
    @classmethod
    def _fits_the_database(cls, value):
        return _bounded(value)


M = TypeVar("M", bound=Input)

# pydantic error type -> a message in the user's language
_MESSAGES = {
    "missing": _l("This field is required."),
    "decimal_parsing": _l("Enter a number."),
    "decimal_type": _l("Enter a number."),
    "decimal_max_digits": _l("The number is too long."),
    "decimal_max_places": _l("Too many decimal places."),
    "finite_number": _l("Enter a finite number."),
    "float_parsing": _l("Enter a number."),
    "float_type": _l("Enter a number."),
    "int_parsing": _l("Enter a whole number."),
    "int_type": _l("Enter a whole number."),
    "int_from_float": _l("Enter a whole number."),
    "date_parsing": _l("Enter a date as YYYY-MM-DD."),
    "date_from_datetime_parsing": _l("Enter a date as YYYY-MM-DD."),
    "date_from_datetime_inexact": _l("Enter a date as YYYY-MM-DD."),
    "date_type": _l("Enter a date as YYYY-MM-DD."),
    "datetime_parsing": _l("Enter a date and time."),
    "datetime_from_date_parsing": _l("Enter a date and time."),
    "datetime_type": _l("Enter a date and time."),
    "string_type": _l("Enter text."),
    "string_too_short": _l("This field is required."),
    "string_too_long": _l("This text is too long."),
    "literal_error": _l("Not one of the allowed choices."),
    "enum": _l("Not one of the allowed choices."),
    "list_type": _l("Enter a list."),
    "bool_parsing": _l("Enter yes or no."),
    "model_type": _l("Enter an object."),
    "dict_type": _l("Enter an object."),
}


def _message(error: dict):
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        bound = next(iter(ctx.values()), "")
        texts = {
            "greater_than": _l("Must be more than %(n)s.", n=bound),
            "greater_than_equal": _l("Must be at least %(n)s.", n=bound),
            "less_than": _l("Must be less than %(n)s.", n=bound),
            "less_than_equal": _l("Must be at most %(n)s.", n=bound),
        }
        return texts[kind]
    if kind == "value_error" and isinstance(ctx.get("error"), Exception) and ctx["error"].args:
        return ctx["error"].args[0]
    return _MESSAGES.get(kind, _l("This value is not valid."))


def parse(model: type[M], data, strict: bool = False) -> M:
    """Parse a mapping into `model`; raise Malformed for a non-object and Invalid for bad fields.

    A form sends text, so it is read leniently ("3" is 3) and an empty field means "not given". A JSON body is read
    with `strict`: a value of the wrong JSON type is refused rather than converted ("3" is not a count, true is not
    an id, 0 is not a date), and an empty string is a value like any other. Amounts and weights may come as a
    number or as decimal text ("1234.50"), as the document says: text keeps the fen exact.
    """
    if not isinstance(data, dict):
        raise Malformed(_l("The request body must be a JSON object."))
    try:
        if strict:
            return model.model_validate_json(json.dumps(data), strict=True)
        cleaned = {k: v for k, v in data.items() if not (isinstance(v, str) and v.strip() == "")}
        return model.model_validate(cleaned)
    except ValidationError as exc:
        fields = {}
        for error in exc.errors():
            name = ".".join(str(p) for p in error["loc"]) or "body"
            fields.setdefault(name, _message(error))
        raise Invalid(_l("Some fields are not valid."), fields) from None


OptionalDate = date | None
