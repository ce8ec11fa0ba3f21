"""The sales report page and its Excel and CSV downloads (figures from farm.services.sales_report)."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from farm.db import request_session
from farm.errors import DomainError
from farm.i18n import current_language
from farm.permissions import allow
from farm.services import sales_report, workbook
from farm.vocab import SalesGrouping
from farm.web import REPORTS, field_errors, nav, report_args
from farm.web.exports import CSV, download, export_format

bp = Blueprint("sales_report", __name__)
nav("sales_report.sales", _l("Sales report"), REPORTS, 31)


def _args():
    """The report's range and grouping from the query string (default: this month by day)."""
    return report_args(sales_report.default_range())


@bp.get("/reports/sales")
@allow("reports.read")
def sales():
    errors, message, status, report = {}, None, 200, None
    try:
        since, until, by, values = _args()
        report = sales_report.sales_report(request_session(), since, until, by, current_language())
    except DomainError as exc:
        values = {k: request.args.get(k, "") for k in ("from", "to", "by")}
        errors, message, status = field_errors(exc), str(exc.message), exc.status
    return render_template("reports/sales.html", report=report, values=values, errors=errors, message=message,
                           groupings=dict(SalesGrouping.choices())), status


def tables(report: sales_report.SalesReport) -> list[workbook.Table]:
    """The report as workbook tables: the groups (with 消费帮扶 columns), and the harvest against its sales."""
    by = SalesGrouping(report.by)
    rows = []
    for r in report.rows:
        key = date.fromisoformat(r.key) if report.by == "day" else r.label
        rows.append([key, r.weight_kg, r.revenue, r.avg_price_per_kg, r.aid_kg, r.aid_revenue])
    sales = workbook.Table(_("Sales"), [by.label, _("Weight (kg)"), _("Revenue (yuan)"), _("Average price (yuan/kg)"),
                                        _("Consumption aid (kg)"), _("Consumption aid (yuan)")],
                           rows, total_columns=(1, 2, 4, 5))
    balance = workbook.Table(
        _("Harvest and sales"),
        [_("Crop"), _("Harvested (kg)"), _("Sold (kg)"), _("Lost (kg)"), _("On hand (kg)"), _("Revenue (yuan)"),
         _("Share of the harvest sold")],
        [[b.label, b.harvested_kg, b.sold_kg, b.lost_kg, b.on_hand_kg, b.revenue, b.sold_percent]
         for b in report.balance], total_columns=(1, 2, 3, 4, 5))
    return [sales, balance]


@bp.get("/reports/sales/export")
@allow("reports.read")
def sales_export():
    fmt = export_format()
    since, until, by, _values = _args()
    report = sales_report.sales_report(request_session(), since, until, by, current_language())
    name = f"sales-{by}-{since.isoformat()}-{until.isoformat()}"
    sheets = tables(report)
    if fmt == "csv":
        return download(workbook.csv_bytes(sheets[0]), f"{name}.csv", CSV)
    return download(workbook.xlsx(sheets), f"{name}.xlsx")
