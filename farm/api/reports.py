"""Reports in the API. Each report is one view here; the figures come from its service module."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, jsonify, request
from pydantic import BaseModel

from farm import clock
from farm.api import doc, plain, query_date
from farm.db import request_session
from farm.i18n import current_language
from farm.permissions import allow
from farm.services import yield_report

bp = Blueprint("reports", __name__)


# --- yield ---------------------------------------------------------------------------------------

class YieldRowOut(BaseModel):
    key: str
    label: str
    weight_kg: float
    count: int


class YieldOut(BaseModel):
    from_: str
    to: str
    by: str
    rows: list[YieldRowOut]
    total_kg: float
    count: int


def default_range() -> tuple:
    """This month, in the park's days."""
    first = clock.today().replace(day=1)
    return first, yield_report.next_period(first, "month")


def yield_json(report: yield_report.YieldReport) -> dict:
    return {
        "from": report.since, "to": report.until, "by": report.by,
        "rows": [{"key": r.key, "label": r.label, "weight_kg": r.weight_kg, "count": r.count, **r.extra}
                 for r in report.rows],
        "total_kg": report.total_kg, "count": report.count,
    }


@bp.get("/reports/yield")
@allow("reports.read")
@doc("Harvest weight over the park's days [from, to), grouped by day, week, month, crop, greenhouse, worker, "
     "grade or planting (planting rows add area_m2, area_mu, kg_per_m2, kg_per_mu)", response=YieldOut,
     tag="reports", query={"from": "first day (inclusive), default the 1st of this month",
                           "to": "end day (exclusive), default the 1st of next month",
                           "by": "|".join(yield_report.GROUPINGS)})
def yield_():
    since, until = default_range()
    since = query_date("from") or since
    until = query_date("to") or (since + timedelta(days=31) if request.args.get("from") else until)
    by = request.args.get("by") or "day"
    report = yield_report.yield_report(request_session(), since, until, by, current_language())
    return jsonify(plain(yield_json(report)))
