"""How the app writes JSON: Decimals as number literals (money `1234.50`, weights `0.500`), dates and times as
ISO-8601 (times with their offset).

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
