"""Readings and ingest rejects in the API: GET /readings (raw or rolled up) and GET /ingest/rejects."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Literal

from flask import Blueprint, request
from flask_babel import lazy_gettext as _l
from pydantic import Field

from farm import clock
from farm.api import Out, Param, doc, listing, out
from farm.db import request_session
from farm.errors import Invalid
from farm.permissions import allow
from farm.services import devices
from farm.services import readings as reading_service
from farm.vocab import Metric

bp = Blueprint("readings", __name__)


class Point(Out):
    """A raw point has `ts` and `value`; a rolled-up one `ts` (the period's start), `min`, `mean`, `max`, `count`."""

    ts: datetime
    value: float | None = None
    min: float | None = None
    mean: float | None = None
    max: float | None = None
    count: int | None = None


class ReadingsOut(Out):
    greenhouse: str
    metric: Metric
    resolution: Literal[tuple(reading_service.RESOLUTIONS)]
    device: str | None
    from_: datetime = Field(validation_alias="start", serialization_alias="from")
    to: datetime = Field(validation_alias="end")
    points: list[Point]


class RejectOut(Out):
    id: int
    received_at: datetime
    topic: str
    payload: str
    reason: str
    detail: str


def query_time(name: str, default: datetime) -> datetime:
    """An ISO-8601 time with offset (a bare date means that day's start in the park's time zone)."""
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return default
    # An unescaped "+08:00" in a query string arrives as " 08:00".
    raw = raw.replace(" ", "+")
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        msg = _l("Enter a time as ISO-8601 with an offset, e.g. 2026-11-28T08:00:00+08:00.")
        raise Invalid(msg, {name: msg}) from None
    if value.tzinfo is None:
        if "T" in raw:
            msg = _l("Give the time's UTC offset, e.g. +08:00.")
            raise Invalid(msg, {name: msg})
        return clock.at_local(value.date())
    return value.astimezone(timezone.utc)


@bp.get("/readings")
@allow("park.read")
@doc("Readings of one metric in one greenhouse: raw points, or min/mean/max/count per period read from the rollups "
     "(merged over the greenhouse's devices; the newest minutes not yet rolled up are added from raw readings)",
     response=ReadingsOut,
     tag="sensors", query={"greenhouse": Param("greenhouse code", required=True),
                           "metric": Param("the metric", Metric, required=True),
                           "from": "ISO-8601 time with offset, inclusive (default: 24 hours ago); a period counts "
                                   "when it starts in [from, to)",
                           "to": "ISO-8601 time with offset, exclusive (default: now)",
                           "resolution": Param(f"raw (default; a window of more than "
                                               f"{reading_service.MAX_POINTS:,} raw readings is refused with 422: ask "
                                               "for a rollup or a shorter window), 5m, 1h or 1d (a park day from "
                                               "local midnight)",
                                               tuple(reading_service.RESOLUTIONS)),
                           "device": "one device's code"})
def readings():
    greenhouse = (request.args.get("greenhouse") or "").strip()
    metric = (request.args.get("metric") or "").strip()
    missing = {name: _l("This field is required.") for name, v in (("greenhouse", greenhouse), ("metric", metric))
               if not v}
    if missing:
        raise Invalid(_l("Some fields are not valid."), missing)
    end = query_time("to", clock.now())
    start = query_time("from", end - timedelta(days=1))
    q = reading_service.ReadingQuery(greenhouse=greenhouse, metric=metric, start=start, end=end,
                             resolution=(request.args.get("resolution") or "raw").strip(),
                             device=(request.args.get("device") or "").strip() or None)
    return readings_answer(q, greenhouse.upper(), reading_service.points(request_session(), q))


def readings_answer(q: reading_service.ReadingQuery, greenhouse: str, points: list[dict]) -> dict:
    """The answer: the query's fields validated by ReadingsOut, the points added as the service made them.

    The service's points are Point's own shape (a raw point ts and value, a rolled one ts, min, mean, max and count;
    tests/park_charts/test_readings_rollups.py holds the two equal), so they skip the model's per-point validation
    and dump: on a long chart those were most of the cost of each extra point (issue 16, goal 5).
    """
    body = out(ReadingsOut, q, greenhouse=greenhouse, points=[])
    body["points"] = points
    return body


@bp.get("/ingest/rejects")
@allow("sensors.manage")
@doc("The newest messages the ingest could not store, with their reason", response=RejectOut, many=True,
     tag="sensors", query={"reason": "only this reason code"})
def rejects():
    query = devices.rejects_query((request.args.get("reason") or "").strip() or None)
    return listing(query, RejectOut)
