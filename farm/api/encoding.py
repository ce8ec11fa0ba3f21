"""How the app writes JSON: Decimals as number literals (money `1234.50`, weights `0.500`), dates and times as
ISO-8601 (times with their offset); and how it reads JSON: no deeper than MAX_JSON_DEPTH.

Flask's default writer turns a Decimal into a string and a date into an HTTP date. The app writes with orjson: a
Decimal goes in as its own digits (an `orjson.Fragment`), so an amount rounded to the fen keeps its two decimals and
never passes through a float; dates and times are written by orjson itself, as `isoformat()` writes them. orjson
writes a chart's points several times faster than the pure encoders, which is most of a readings answer's cost. The
same writer serves `jsonify`, views returning a dict and the `tojson` filter. Text is written as UTF-8, not escaped
to ASCII (every answer and page is UTF-8).
"""
from __future__ import annotations

import dataclasses
from datetime import date, datetime, time
from decimal import Decimal
from uuid import UUID

import orjson
import simplejson
from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext as _l

from farm.errors import Malformed
from farm.limits import MAX_JSON_DEPTH

# Subclasses (a StrEnum, markup, a named tuple) come to _default, which writes them as their plain kind would be.
_OPTIONS = orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_NON_STR_KEYS


def _default(value):
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise TypeError(f"{value} is not a JSON number")
        return orjson.Fragment(str(value))
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, tuple) and hasattr(value, "_asdict"):  # a named tuple is an object, its fields by name
        return value._asdict()
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def dumps(obj, *, sort_keys: bool = True, indent: bool = False) -> str:
    """`obj` as JSON text, the app's one writer (see the module's note)."""
    option = _OPTIONS | (orjson.OPT_SORT_KEYS if sort_keys else 0) | (orjson.OPT_INDENT_2 if indent else 0)
    try:
        return orjson.dumps(obj, default=_default, option=option).decode("utf-8")
    except orjson.JSONEncodeError:
        # What orjson cannot write (an integer beyond 64 bits, echoed back in an error) simplejson writes the same way.
        return simplejson.dumps(obj, use_decimal=True, default=_default_plain, sort_keys=sort_keys,
                                ensure_ascii=False, indent=2 if indent else None)


def _default_plain(value):
    """_default for simplejson, which writes Decimals and subclasses itself."""
    if isinstance(value, orjson.Fragment):
        raise TypeError("a fragment is orjson's")
    return _default(value)


class JSONProvider(DefaultJSONProvider):
    """The app's JSON: Decimals as numbers, dates and times as ISO-8601; reading stays Flask's."""

    def dumps(self, obj, **kwargs) -> str:
        """`obj` as JSON text (keys sorted as Flask's default; indented when Flask asks for an indent)."""
        return dumps(obj, sort_keys=kwargs.get("sort_keys", self.sort_keys), indent=bool(kwargs.get("indent")))

    def loads(self, s, **kwargs):
        """A JSON document read by Flask's reader, refused (400) when it nests deeper than MAX_JSON_DEPTH.

        Python's reader recurses once per level and fails with a RecursionError (a 500) on a few thousand levels,
        and every later walk of the value recurses as well; no input of the park nests more than a few levels.
        The depth is counted on the text before reading it, so the reader never sees a deep document.
        """
        text = s.decode("utf-8", "replace") if isinstance(s, (bytes, bytearray)) else s
        if _too_deep(text):
            raise Malformed(_l("The JSON body nests deeper than %(n)s levels.", n=MAX_JSON_DEPTH))
        return super().loads(s, **kwargs)


def _too_deep(text: str) -> bool:
    """Whether arrays and objects in JSON `text` nest deeper than MAX_JSON_DEPTH (brackets in strings not counted)."""
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:  # nearly every body: too few brackets to be too deep
        return False
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        elif char in "]}":
            depth -= 1
    return False
