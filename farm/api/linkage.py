"""The 联农带农 report in the API: totals for the park and per village group, naming no household."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, request
from pydantic import Field, model_validator

from farm import clock
from farm.api import Money, Number, Out, Param, doc, out, view
from farm.db import request_session
from farm.permissions import allow
from farm.services import linkage

bp = Blueprint("linkage", __name__)


class LinkageFiguresOut(Out):
    """The figures of the park or of one village group."""

    households: int = Field(description="households linked by land or by work")
    linked_by_land: int
    linked_by_work: int
    linked_by_both: int
    lifted: int = Field(description="linked households lifted out of poverty (脱贫户)")
    monitored: int = Field(description="linked households monitored (监测户)")
    members: int = Field(description="members of the linked households")
    land_mu: Number = Field(description="mu under contracts in force in the period")
    rent_paid: Money = Field(description="rent payments made in the period")
    workers: int = Field(description="workers present on at least one day of the period")
    workers_from_lifted_or_monitored: int
    worker_days: int
    wages_paid: Money = Field(description="the payroll of the period's months")
    household_income: Money = Field(description="the linked households' rent and wages in the period")
    income_per_household: Money
    income_per_capita: Money
    below_line: int = Field(description="linked households below the monitoring line in the year")
    near_line: int = Field(description="linked households in the band above the line in the year")
    below_line_previous: int = Field(description="the same households below the line in the previous year")
    near_line_previous: int
    below_line_change: int
    near_line_change: int


class LinkageGroupOut(LinkageFiguresOut):
    village_group: str = Field(description="the village group; empty for people filed under none")

    @model_validator(mode="before")
    @classmethod
    def _figures(cls, line):
        return view(line.figures, village_group=line.village_group) if hasattr(line, "figures") else line


class LinkageOut(LinkageFiguresOut):
    year: int
    quarter: int | None
    from_: date = Field(serialization_alias="from", description="first day of the period")
    to: date = Field(description="the day after the period")
    groups: list[LinkageGroupOut]


@bp.get("/reports/linkage")
@allow("livelihoods.totals")
@doc("The 联农带农 report of a year or a quarter: households linked by land and by work, land and rent, "
     "workers, worker-days and wages, income from the park, households below and near the line, for the park "
     "and per village group (`groups`)", response=LinkageOut, tag="reports",
     query={"year": "the year (YYYY), default last year; not in the future",
            "quarter": Param("a quarter of the year, default the whole year", ("1", "2", "3", "4"))})
def report():
    today = clock.today()
    p = linkage.read_period(request.args.get("year"), request.args.get("quarter"), today)
    result = linkage.report(request_session(), p, today=today)
    p = result.period
    return out(LinkageOut, result.totals, year=p.year, quarter=p.quarter, from_=p.start, to=p.end,
               groups=result.groups)
