"""The sales report in the API (the figures come from farm.services.sales_report)."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from flask import Blueprint, request
from pydantic import Field

from farm.api import Kg, Money, Number, Out, Param, doc, out, query_date
from farm.db import request_session
from farm.i18n import current_language
from farm.permissions import allow
from farm.services import sales_report

bp = Blueprint("sales_report", __name__)


class SalesRowOut(Out):
    """One group: weight, revenue and average price, and the 消费帮扶 (consumption-aid) part of weight and revenue."""

    key: str
    label: str
    weight_kg: Kg
    revenue: Money
    avg_price_per_kg: Money | None
    aid_kg: Kg
    aid_revenue: Money


class CropBalanceOut(Out):
    """The range's harvest of one crop and what became of that harvest: shipped (and its revenue), lost, on hand."""

    key: str
    label: str
    harvested_kg: Kg
    sold_kg: Kg
    lost_kg: Kg
    on_hand_kg: Kg
    revenue: Money
    sold_percent: Number | None
    revenue_per_kg_harvested: Money | None


class SalesOut(Out):
    from_: date = Field(validation_alias="since", serialization_alias="from")
    to: date = Field(validation_alias="until")
    by: Literal[sales_report.GROUPINGS]
    rows: list[SalesRowOut]
    total_kg: Kg
    total_revenue: Money
    avg_price_per_kg: Money | None
    aid_kg: Kg
    aid_revenue: Money
    balance: list[CropBalanceOut]


@bp.get("/reports/sales")
@allow("reports.read")
@doc("Shipments over the park's days [from, to) grouped by day, month, crop, grade or buyer: weight, revenue, "
     "average price, the 消费帮扶 part (aid_kg, aid_revenue); `balance`: per crop, the range's harvest and how much "
     "of it was sold, lost or is still on hand", response=SalesOut, tag="reports",
     query={"from": "first day (inclusive), default the 1st of this month",
            "to": "end day (exclusive), default the 1st of next month",
            "by": Param("grouping, default day", sales_report.GROUPINGS)})
def sales():
    since, until = sales_report.default_range()
    since = query_date("from") or since
    until = query_date("to") or (since + timedelta(days=31) if request.args.get("from") else until)
    report = sales_report.sales_report(request_session(), since, until, request.args.get("by") or "day",
                                       current_language())
    return out(SalesOut, report)
