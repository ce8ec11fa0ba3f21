"""The 联农带农 report's page and its Excel workbook, and the livelihoods overview a village official lands on."""
from __future__ import annotations

from flask import Blueprint, g, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from farm import clock
from farm.db import request_session
from farm.errors import DomainError
from farm.permissions import allow, can
from farm.services import linkage
from farm.web import REPORTS, TODAY, field_errors, nav
from farm.web.exports import download

bp = Blueprint("linkage", __name__)
nav("linkage.overview", _l("Livelihoods"), TODAY, 2)
nav("linkage.report", _l("Linkage report (联农带农)"), REPORTS, 32)


def _period() -> tuple[linkage.Period, dict]:
    """The report's period from the query string (linkage.read_period), and the values for the form."""
    values = {"year": request.args.get("year", "").strip(), "quarter": request.args.get("quarter", "").strip()}
    p = linkage.read_period(values["year"], values["quarter"])
    values["year"] = str(p.year)
    return p, values


@bp.get("/reports/linkage")
@allow("livelihoods.totals")
def report():
    errors, message, status, result = {}, None, 200, None
    values = {"year": request.args.get("year", ""), "quarter": request.args.get("quarter", "")}
    try:
        p, values = _period()
        result = linkage.report(request_session(), p)
    except DomainError as exc:
        errors, message, status = field_errors(exc), str(exc.message), exc.status
    this_year = clock.today().year
    return render_template("linkage/report.html", report=result, values=values, errors=errors, message=message,
                           years=list(range(this_year, this_year - 10, -1)),
                           named=can(g.user, "livelihoods.read")), status


def period_title(p: linkage.Period) -> str:
    if p.quarter is None:
        return _("%(year)s", year=p.year)
    return _("%(year)s, quarter %(quarter)s", year=p.year, quarter=p.quarter)


def group_name(group: str) -> str:
    return group or _("No village group")


@bp.get("/reports/linkage/export")
@allow("livelihoods.totals")
def export():
    """The report as .xlsx: the totals sheet (park and groups); the households sheet for those who may read a
    named household's income."""
    p, _values = _period()
    result = linkage.report(request_session(), p)
    data = linkage.workbook(result, period_title(result.period), with_households=can(g.user, "livelihoods.read"))
    name = f"linkage-{p.year}" + (f"-Q{p.quarter}" if p.quarter else "")
    return download(data, f"{name}.xlsx")


@bp.get("/livelihoods")
@allow("livelihoods.read")
def overview():
    """A village official's first page: the households by category and by band, and where to go from here."""
    db = request_session()
    year = clock.today().year
    return render_template("linkage/overview.html", overview=linkage.overview(db, year), year=year,
                           last_year=year - 1)
