"""The daily park report pages: the archive of days, one day's report, its Excel export, making it now, and the
dashboard panel that links to it."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from farm import clock
from farm.db import request_session
from farm.errors import Invalid, NotFound
from farm.i18n import current_language
from farm.permissions import allow, can
from farm.services import daily_report, job_runs
from farm.web import REPORTS, nav
from farm.web.dashboard import panel
from farm.web.exports import download

bp = Blueprint("daily_report", __name__, url_prefix="/reports/daily")
nav("daily_report.archive", _l("Daily report"), REPORTS, 31)


def _panel(session) -> dict:
    today = clock.today()
    return {"latest": daily_report.latest(session), "today": today, "due_at": daily_report.report_moment(session, today),
            "reminders_run": job_runs.last_finished(session, "land_reminders")}


panel("daily_report/_dashboard.html", _panel, "reports.read", 35)


def _day(text: str) -> date:
    return daily_report.parse_day(text)


@bp.get("/")
@allow("reports.read")
def archive():
    db = request_session()
    raw = request.args.get("page", "1")
    page = int(raw) if raw.isdigit() and int(raw) > 0 else 1
    rows, total = daily_report.archive(db, page)
    pages = max((total + daily_report.PAGE_SIZE - 1) // daily_report.PAGE_SIZE, 1)
    today = clock.today()
    return render_template("daily_report/archive.html", rows=rows, page=page, pages=pages, total=total,
                           today=today, has_today=daily_report.get_report(db, today) is not None)


@bp.get("/<day>")
@allow("reports.read")
def day(day: str):
    db = request_session()
    when = _day(day)
    today = clock.today()
    try:
        daily_report.check_day(when, today)
    except Invalid as exc:
        raise NotFound(exc.message) from None  # a day to come has no page yet
    report = daily_report.get_report(db, when)
    return render_template("daily_report/day.html", report=report, data=report.data if report else None, day=when,
                           today=today, due_at=daily_report.report_moment(db, when),
                           previous=when - timedelta(days=1), following=when + timedelta(days=1) if when < today
                           else None, may_generate=can(g.user, "park.manage"), decimal=Decimal,
                           at=datetime.fromisoformat)


@bp.post("/<day>/generate")
@allow("park.manage")
def generate(day: str):
    db = request_session()
    when = _day(day)
    daily_report.generate(db, when)
    db.commit()
    flash(_("The report of %(day)s is made.", day=when.isoformat()), "success")
    return redirect(url_for("daily_report.day", day=when.isoformat()))


@bp.get("/<day>/export.xlsx")
@allow("reports.read")
def export(day: str):
    when = _day(day)
    report = daily_report.get_report(request_session(), when)
    if report is None:
        raise NotFound(_l("The report of %(day)s has not been made yet.", day=when.isoformat()))
    return download(daily_report.export(report, current_language()), f"daily-report-{when.isoformat()}.xlsx")
