"""Reports in the API. Each report is one view here; the figures come from its service module."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from flask import Blueprint, request
from pydantic import Field, model_validator

from farm import clock
from farm.api import Kg, Number, Out, Param, doc, out, query_date, view
from farm.db import request_session
from farm.i18n import current_language
from farm.permissions import allow
from farm.services import yield_report

bp = Blueprint("reports", __name__)


# --- yield ---------------------------------------------------------------------------------------

class YieldRowOut(Out):
    """One line of the report; rows by crop add `color`, by grade `share_percent`, by planting the planting's
    greenhouse, day, area and yield per area."""

    key: str
    label: str
    weight_kg: Kg
    count: int
    color: str | None = None
    share_percent: Number | None = None
    greenhouse: str | None = None
    planted_on: date | None = None
    area_m2: Number | None = None
    area_mu: Number | None = None
    kg_per_m2: Number | None = None
    kg_per_mu: Number | None = None

    @model_validator(mode="before")
    @classmethod
    def _extras(cls, row):
        """The row's extras read as its own fields."""
        return view(row, **getattr(row, "extra", {}))


class YieldOut(Out):
    from_: date = Field(validation_alias="since", serialization_alias="from")
    to: date = Field(validation_alias="until")
    by: Literal[yield_report.GROUPINGS]
    rows: list[YieldRowOut]
    total_kg: Kg
    count: int


def default_range() -> tuple:
    """This month, in the park's days."""
    first = clock.today().replace(day=1)
    return first, yield_report.next_period(first, "month")


@bp.get("/reports/yield")
@allow("reports.read")
@doc("Harvest weight over the park's days [from, to), grouped by day, week, month, crop, greenhouse, worker, "
     "grade or planting (planting rows add area_m2, area_mu, kg_per_m2, kg_per_mu)", response=YieldOut,
     tag="reports", query={"from": "first day (inclusive), default the 1st of this month",
                           "to": "end day (exclusive), default the 1st of next month",
                           "by": Param("grouping, default day", yield_report.GROUPINGS)})
def yield_():
    since, until = default_range()
    since = query_date("from") or since
    until = query_date("to") or (since + timedelta(days=31) if request.args.get("from") else until)
    by = request.args.get("by") or "day"
    report = yield_report.yield_report(request_session(), since, until, by, current_language())
    return out(YieldOut, report)
