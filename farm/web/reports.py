"""Report pages. Each report is a view here and a service module that sums in SQL; the yield report first."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from farm import units
from farm.db import request_session
from farm.errors import DomainError
from farm.i18n import current_language
from farm.permissions import allow
from farm.services import yield_report
from farm.vocab import Grade, YieldGrouping
from farm.web import REPORTS, field_errors, nav, report_args
from farm.web.exports import export_format, send_table

bp = Blueprint("reports", __name__)
nav("reports.yield_", _l("Yield report"), REPORTS, 30)

# The grade-mix chart's colours, best grade darkest (the badges' tones are too few shades of one green).
GRADE_COLORS = {Grade.PREMIUM: "#1b5e20", Grade.GRADE1: "#43a047", Grade.GRADE2: "#c0ca33", Grade.OFFGRADE: "#8d6e63"}


# --- yield ---------------------------------------------------------------------------------------

def _groupings() -> dict[str, str]:
    """What the report may be grouped by, with labels, for the page's choice."""
    return {g.value: g.label for g in YieldGrouping}


def _yield_args():
    """The report's range and grouping from the query string (default: this month by day)."""
    return report_args(yield_report.default_range())


@bp.get("/reports/yield")
@allow("reports.read")
def yield_():
    db = request_session()
    errors, message, status, report = {}, None, 200, None
    try:
        since, until, by, values = _yield_args()
        report = yield_report.yield_report(db, since, until, by, current_language())
        grades = yield_report.yield_report(db, since, until, "grade", current_language())
    except DomainError as exc:
        values = {k: request.args.get(k, "") for k in ("from", "to", "by")}
        errors, message, status, grades = field_errors(exc), str(exc.message), exc.status, None
    chart = None
    if report is not None:
        chart = {
            "kind": "line" if by in yield_report.PERIODS and len(report.rows) > 14 else "bar",
            "labels": [r.label for r in report.rows],
            "values": [float(r.weight_kg) for r in report.rows],
            "colors": [r.extra.get("color") for r in report.rows],
            "label": _("Weight (kg)"),
            "grades": {"labels": [r.label for r in grades.rows], "values": [float(r.weight_kg) for r in grades.rows],
                       "colors": [GRADE_COLORS[r.key] for r in grades.rows]}
            if grades else None,
        }
    return render_template("reports/yield.html", report=report, values=values, errors=errors, message=message,
                           groupings=_groupings(), chart=chart), status


@bp.get("/reports/yield/export")
@allow("reports.read")
def yield_export():
    fmt = export_format()
    since, until, by, _values = _yield_args()
    report = yield_report.yield_report(request_session(), since, until, by, current_language())
    headers = [YieldGrouping(by).label, _("Weight (kg)"), _("Weight (jin)"), _("Entries")]
    rows = []
    for r in report.rows:
        key = date.fromisoformat(r.key) if by in ("day", "week") else r.label
        rows.append([key, r.weight_kg, units.jin(r.weight_kg), r.count])
    totals = (1, 2, 3)
    if by == "planting":
        headers += [_("Greenhouse"), _("Planted on"), _("Area (m²)"), _("Area (mu)"), _("kg per m²"), _("kg per mu")]
        for row, r in zip(rows, report.rows):
            x = r.extra
            row += [x["greenhouse"], x["planted_on"], x["area_m2"], x["area_mu"], x["kg_per_m2"], x["kg_per_mu"]]
    if by == "grade":
        headers.append(_("Share of weight"))
        for row, r in zip(rows, report.rows):
            row.append(r.extra["share_percent"])
    name = f"yield-{by}-{since.isoformat()}-{until.isoformat()}"
    return send_table(name, _("Yield"), headers, rows, fmt, total_columns=totals)
