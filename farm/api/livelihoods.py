"""Households' livelihoods in the API: the monitoring lines, other income entries, a household's income and the
income report (named households for admin, manager and official; totals only for the viewer)."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, g, request

from farm.api import Money, Out, Param, created, doc, json_body, listing, out
from farm.db import request_session
from farm.inputs.livelihoods import IncomeEntryIn, IncomeLineIn
from farm.permissions import allow
from farm.services import livelihoods
from farm.vocab import HouseholdStatus, IncomeBand, IncomeKind

bp = Blueprint("livelihoods", __name__)

YEAR = Param("calendar year YYYY, this year or an earlier one (default: this year)")


class IncomeLineOut(Out):
    """The monitoring line stored for a year; it holds for later years until one of them sets another. The
    near-poverty band is [line, near_limit)."""

    year: int
    line: Money
    near_limit: Money


class IncomeEntryOut(Out):
    """Other income of a household for a year; `costs` is a positive amount that is subtracted. A deleted or
    corrected entry carries `voided_at`."""

    id: int
    household_id: int
    year: int
    kind: IncomeKind
    amount: Money
    note: str
    created_at: datetime
    voided_at: datetime | None


class IncomeRowOut(Out):
    """A household's income for the year (to date for the running year)."""

    household_id: int
    members: int
    rent: Money
    wages: Money
    dividends: Money
    other: Money
    total: Money
    per_capita: Money
    line: Money | None
    band: IncomeBand | None


class IncomeTotalsOut(Out):
    """The income report's totals: sums over the households, per capita over all their members, the number of
    households in each band."""

    year: int
    line: Money | None
    near_limit: Money | None
    households: int
    members: int
    rent: Money
    wages: Money
    dividends: Money
    other: Money
    total: Money
    per_capita: Money
    below_line: int
    near_line: int
    above: int


class MonthOut(Out):
    month: str
    rent: Money
    wages: Money
    total: Money


class HouseholdIncomeOut(IncomeRowOut):
    """One household's year: the year's figures and rent and wages month by month."""

    year: int
    months: list[MonthOut]


def _line_out(row, session) -> dict:
    factor = livelihoods.near_factor(session, row.year)
    return out(IncomeLineOut, row, near_limit=row.line * factor)


def _totals(report) -> dict:
    t = report.totals
    return out(IncomeTotalsOut, t, year=report.year, line=report.line, near_limit=report.near_limit, **t.bands)


def _report():
    db = request_session()
    year = livelihoods.parse_year(request.args.get("year"))
    return livelihoods.income_report(db, year, request.args.get("village_group") or None,
                                     request.args.get("status") or None, request.args.get("band") or None)


FILTERS = {"year": YEAR, "village_group": "village group", "status": Param("category", HouseholdStatus),
           "band": Param("band", IncomeBand)}


@bp.get("/income-lines")
@allow("livelihoods.totals")
@doc("The monitoring lines, oldest year first", response=IncomeLineOut, many=True, tag="livelihoods")
def income_lines():
    db = request_session()
    return listing([_line_out(row, db) for row in livelihoods.lines(db)], IncomeLineOut)


@bp.put("/income-lines/<int:year>")
@allow("settings.manage")
@doc("Set the monitoring line of a year (yuan per person per year; up to next year); the near-poverty band is "
     "[line, line × livelihoods.near_factor (1.5))", body=IncomeLineIn, response=IncomeLineOut, tag="livelihoods")
def income_line_put(year: int):
    data = json_body(IncomeLineIn)
    db = request_session()
    row = livelihoods.set_line(db, year, data.line, g.user.id)
    db.commit()
    return _line_out(row, db)


@bp.post("/households/<int:household_id>/income")
@allow("livelihoods.record")
@doc("Record other income of a household for a year (not a future one); `costs` is entered as a positive amount "
     "and subtracted", body=IncomeEntryIn, response=IncomeEntryOut, status=201, tag="livelihoods")
def income_add(household_id: int):
    data = json_body(IncomeEntryIn)
    db = request_session()
    entry = livelihoods.add_income(db, household_id, data, g.user)
    db.commit()
    return created(IncomeEntryOut, entry)


@bp.get("/households/<int:household_id>/income")
@allow("livelihoods.read")
@doc("A household's income for a year, with rent and wages month by month (never for the viewer)",
     response=HouseholdIncomeOut, query={"year": YEAR}, tag="livelihoods")
def household_income(household_id: int):
    db = request_session()
    livelihoods.get_household(db, household_id)
    year = livelihoods.parse_year(request.args.get("year"))
    data = livelihoods.household_months(db, household_id, year)
    return out(HouseholdIncomeOut, data.income, year=year, months=data.months)


@bp.get("/households/<int:household_id>/income/entries")
@allow("livelihoods.read")
@doc("A household's other income entries (deleted and corrected ones too), newest year first",
     response=IncomeEntryOut, many=True, query={"year": Param("calendar year YYYY (default: every year)")},
     tag="livelihoods")
def income_entries(household_id: int):
    db = request_session()
    livelihoods.get_household(db, household_id)
    raw = request.args.get("year")
    year = livelihoods.parse_year(raw) if raw else None
    return listing(livelihoods.income_entries(db, household_id, year), IncomeEntryOut)


@bp.get("/reports/income")
@allow("livelihoods.read")
@doc("Every household's income for a year (the viewer reads /reports/income/totals)", response=IncomeRowOut,
     many=True, query=FILTERS, tag="livelihoods")
def income_report():
    report = _report()
    return listing([r.income for r in report.rows], IncomeRowOut)


@bp.get("/reports/income/totals")
@allow("livelihoods.totals")
@doc("The income report as totals only, without any household", response=IncomeTotalsOut, query=FILTERS,
     tag="livelihoods")
def income_totals():
    return _totals(_report())



