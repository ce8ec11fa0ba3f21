"""How the app writes JSON: Decimals as number literals (money `1234.50`, weights `0.500`), dates and times as
ISO-8601 (times with their offset); and how it reads JSON: no deeper than MAX_JSON_DEPTH.

Flask's default writer turns a Decimal into a string and a date into an HTTP date. simplejson with `use_decimal`
writes a Decimal's own digits as a JSON number, so an amount rounded to the fen keeps its two decimals and never
passes through a float. The same writer serves `jsonify`, views returning a dict and the `tojson` filter.
"""
from __future__ import annotations

import dataclasses
from datetime import date, datetime
from uuid import UUID

import simplejson
from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext as _l

from farm.errors import Malformed
from farm.limits import MAX_JSON_DEPTH


def _default(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class JSONProvider(DefaultJSONProvider):
    """The app's JSON: Decimals as numbers, dates and times as ISO-8601; reading stays Flask's."""

    def dumps(self, obj, **kwargs) -> str:
        """`obj` as JSON text (keys sorted, ASCII-safe, as Flask's default)."""
        kwargs.setdefault("default", _default)
        kwargs.setdefault("ensure_ascii", self.ensure_ascii)
        kwargs.setdefault("sort_keys", self.sort_keys)
        return simplejson.dumps(obj, use_decimal=True, **kwargs)

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
