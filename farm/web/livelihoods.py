"""Households' livelihoods pages: the income report, a household's income entries, the monitoring lines.

A household's income month by month is a section of the household page (farm/web/land.py shows it from
`household_income` here). The viewer sees the income report as totals only.
"""
from __future__ import annotations

from flask import Blueprint, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from farm import clock
from farm.db import request_session
from farm.errors import Invalid
from farm.inputs import parse
from farm.inputs.livelihoods import IncomeEntryIn, IncomeLineIn
from farm.permissions import allow, can
from farm.services import land, livelihoods
from farm.vocab import HouseholdStatus, IncomeBand, IncomeKind
from farm.web import ADMIN, LAND, FormState, act_and_redirect, form_action, form_input, nav
from farm.web.exports import download

bp = Blueprint("livelihoods", __name__, url_prefix="/livelihoods")
nav("livelihoods.income", _l("Income report"), LAND, 63)
nav("livelihoods.lines", _l("Monitoring lines"), ADMIN, 92)


def household_income(session, household_id: int, year_text: str | None) -> dict | None:
    """The household page's income section for this user: the year month by month, the entries, the kinds;
    None for a role that may not read a named household's income."""
    if not can(g.user, "livelihoods.read"):
        return None
    year = livelihoods.parse_year(year_text)
    data = livelihoods.household_months(session, household_id, year)
    today = clock.today()
    return {"data": data, "year": year, "years": list(range(today.year, today.year - 6, -1)),
            "kinds": IncomeKind.choices(), "values": {"year": year}}


def _filters() -> dict:
    return {"year": request.args.get("year", ""), "village_group": request.args.get("village_group", ""),
            "status": request.args.get("status", ""), "band": request.args.get("band", "")}


def _report(values: dict):
    year = livelihoods.parse_year(values["year"])
    values["year"] = str(year)
    return livelihoods.income_report(request_session(), year, values["village_group"] or None,
                                     values["status"] or None, values["band"] or None)


# Households a page of the income report lists (the totals and the Excel hold them all).
PAGE_ROWS = 200


@bp.get("/income")
@allow("livelihoods.totals")
def income():
    values = _filters()
    report = _report(values)
    today = clock.today()
    pages = max((len(report.rows) + PAGE_ROWS - 1) // PAGE_ROWS, 1)
    page = request.args.get("page", "1")
    page = min(max(int(page), 1), pages) if page.isdigit() else 1
    return render_template("livelihoods/income.html", report=report, values=values, page=page, pages=pages,
                           rows=report.rows[(page - 1) * PAGE_ROWS:page * PAGE_ROWS],
                           named=can(g.user, "livelihoods.read"), groups=land.village_groups(request_session()),
                           statuses=HouseholdStatus.choices(), bands=IncomeBand.choices(),
                           years=list(range(today.year, today.year - 6, -1)), today_year=today.year)


@bp.get("/income.xlsx")
@allow("livelihoods.read")
def income_export():
    values = _filters()
    report = _report(values)
    return download(livelihoods.income_workbook(request_session(), report), f"income-{report.year}.xlsx")


# --- other income entries --------------------------------------------------------------------------

def _household_page(household_id: int, year) -> str:
    """The household page's income section for `year`, or for this year when `year` is no year shown there."""
    try:
        shown = livelihoods.parse_year(str(year or ""))
    except Invalid:
        shown = None
    return url_for("land.household", household_id=household_id, year=shown, _anchor="income")


@bp.post("/households/<int:household_id>/income")
@allow("livelihoods.record")
def income_add(household_id: int):
    db = request_session()
    livelihoods.get_household(db, household_id)

    def do():
        livelihoods.add_income(db, household_id, form_input(IncomeEntryIn), g.user)
        return _("Income recorded.")

    return act_and_redirect(do, _household_page(household_id, request.form.get("year")))


@bp.post("/households/<int:household_id>/income/<int:entry_id>/delete")
@allow("livelihoods.record")
def income_delete(household_id: int, entry_id: int):
    db = request_session()
    entry = livelihoods.get_entry(db, household_id, entry_id)
    year = entry.year

    def do():
        livelihoods.delete_income(db, household_id, entry_id, g.user)
        return _("Entry deleted; it stays on record as deleted.")

    return act_and_redirect(do, _household_page(household_id, year))


@bp.route("/households/<int:household_id>/income/<int:entry_id>/edit", methods=["GET", "POST"])
@allow("livelihoods.record")
def income_edit(household_id: int, entry_id: int):
    db = request_session()
    entry = livelihoods.get_entry(db, household_id, entry_id)
    values = {"year": entry.year, "kind": entry.kind, "amount": entry.amount, "note": entry.note}

    def save():
        data = form_input(IncomeEntryIn)
        livelihoods.correct_income(db, household_id, entry_id, data, g.user)
        return _household_page(household_id, data.year), _("Entry corrected; the old one stays on record.")

    state = form_action(values, save)
    if not isinstance(state, FormState):
        return state
    return state.render("livelihoods/entry_form.html", household=land.get_household(db, household_id),
                        entry=livelihoods.get_entry(db, household_id, entry_id), kinds=IncomeKind.choices())


# --- the monitoring lines --------------------------------------------------------------------------

@bp.route("/lines", methods=["GET", "POST"])
@allow("settings.manage")
def lines():
    db = request_session()
    values = {"year": str(clock.today().year), "line": ""}

    def save():
        year_text = (request.form.get("year") or "").strip()
        if not (len(year_text) == 4 and year_text.isdigit()):
            msg = _("Enter a year as YYYY.")
            raise Invalid(msg, {"year": msg})
        data = parse(IncomeLineIn, {"line": request.form.get("line", "")})
        livelihoods.set_line(db, int(year_text), data.line, g.user.id)
        return url_for("livelihoods.lines"), _("Monitoring line saved.")

    state = form_action(values, save)
    if not isinstance(state, FormState):
        return state
    year = clock.today().year
    return state.render("livelihoods/lines.html", lines=livelihoods.lines(db),
                        factor=livelihoods.near_factor(db, year), current=livelihoods.line_for(db, year),
                        this_year=year)
