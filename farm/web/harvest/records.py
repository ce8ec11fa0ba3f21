"""The manager's list of harvest records, filtered by the query string, and its Excel and CSV exports."""
from __future__ import annotations

from datetime import timedelta

from flask import g, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from farm import clock, units
from farm.db import request_session
from farm.errors import Invalid
from farm.i18n import current_language
from farm.limits import MAX_ID
from farm.permissions import allow
from farm.services import crops as crop_service
from farm.services import harvest as harvests
from farm.services import park, people
from farm.vocab import Grade
from farm.web import field_errors
from farm.web.exports import export_format, send_table
from farm.web.harvest import bp

PAGE = 100


def _filters() -> tuple[harvests.HarvestFilter, dict, dict]:
    """The list's filters from the query string: the filter, the values to show, and errors (a bad value shows
    its message and the default list)."""
    args = request.args
    values = {k: args.get(k, "") for k in ("from", "to", "greenhouse", "crop", "worker", "grade", "voided")}
    errors = {}
    today = clock.today()
    since_default, until_default = today - timedelta(days=6), today + timedelta(days=1)
    try:
        since = clock.parse_day(values["from"], "from", since_default)
        until = clock.parse_day(values["to"], "to", until_default)
        worker = int(values["worker"]) if values["worker"] else None
        if worker is not None and not 0 < worker <= MAX_ID:
            raise ValueError(values["worker"])
        grade = harvests.check_grade(values["grade"])
    except (Invalid, ValueError) as exc:
        errors = field_errors(exc) if isinstance(exc, Invalid) else {"worker": _("Enter a whole number.")}
        since, until, worker, grade = since_default, until_default, None, None
    values["from"], values["to"] = since.isoformat(), until.isoformat()
    wanted = harvests.HarvestFilter(since=since, until=until, greenhouse=values["greenhouse"] or None,
                                    crop=values["crop"] or None, worker=worker, grade=grade,
                                    include_voided=values["voided"] == "1")
    return wanted, values, errors


@bp.get("/harvests")
@allow("reports.read")
def index():
    db = request_session()
    wanted, values, errors = _filters()
    query = harvests.harvest_query(db, wanted, g.user)
    total_kg, count = harvests.totals(db, query)
    raw_offset = request.args.get("offset", "0")
    # Only ASCII digits, and no further than any list reaches ("²" is a digit to Python; 10**20 overflows SQL).
    offset = int(raw_offset) if raw_offset.isascii() and raw_offset.isdigit() and len(raw_offset) <= 9 else 0
    rows = list(db.scalars(query.offset(offset).limit(PAGE + 1)))
    more = len(rows) > PAGE
    args = {k: v for k, v in request.args.items() if k != "offset"}
    return render_template(
        "harvest/index.html", rows=rows[:PAGE], values=values, errors=errors, total_kg=total_kg,
        count=count, grades=list(Grade),
        crops=crop_service.list_crops(db), houses=[gh.code for gh in park.list_greenhouses(db)],
        workers=people.worker_choices(db, active_only=False),
        next_url=url_for("harvest.index", **args, offset=offset + PAGE) if more else None,
        prev_url=url_for("harvest.index", **args, offset=max(offset - PAGE, 0)) if offset else None,
        export_args=args,
    )


@bp.get("/harvests/export")
@allow("reports.read")
def export():
    fmt = export_format()
    db = request_session()
    wanted, values, errors = _filters()
    if errors:
        raise Invalid(_l("Some fields are not valid."), errors)
    headers = [_("Date"), _("Time"), _("Greenhouse"), _("Crop"), _("Weight (kg)"), _("Weight (jin)"), _("Grade"),
               _("Crates"), _("Worker"), _("Entered by"), _("Note"), _("Voided")]
    language = current_language()
    rows = []
    for h in db.scalars(harvests.harvest_query(db, wanted, g.user, oldest_first=True)):
        rows.append([h.day, clock.local(h.harvested_at).strftime("%H:%M"), h.greenhouse.code,
                     h.crop.display_name(language), h.weight_kg, units.jin(h.weight_kg),
                     Grade(h.grade).label, h.crates, h.worker.name if h.worker else "",
                     h.entered_by.display_name or h.entered_by.username, h.note,
                     (_("Voided") + ": " + h.void_reason) if h.voided else ""])
    name = f"harvests-{values['from']}-{values['to']}"
    return send_table(name, _("Harvests"), headers, rows, fmt, total_columns=(4, 5))
