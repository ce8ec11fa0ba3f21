"""Households' early-warning pages: the list for the village official (by state, kind and village group), one
warning with its figures in words, its follow-ups and the forms to follow it up and close it, the household page's
section and the dashboard panel."""
from __future__ import annotations

from flask import Blueprint, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from farm.db import request_session
from farm.errors import DomainError
from farm.inputs.warnings import CloseIn, FollowUpIn
from farm.permissions import allow
from farm.services import land
from farm.services import warnings as warning_service
from farm.vocab import FollowUpMeasure, WarningKind, WarningState
from farm.web import LAND, FormState, field_errors, form_action, form_input, nav
from farm.web.dashboard import panel

bp = Blueprint("warnings", __name__, url_prefix="/warnings")
nav("warnings.index", _l("Warnings"), LAND, 63)
PAGE = 100


def _household_warnings(household_id: int) -> list:
    """The household page's section: its open warnings and its latest closed ones."""
    return warning_service.household_warnings(request_session(), household_id)


# The parts of a projected income shown on a warning, in this order (farm.services.livelihoods.projected), and
# whether each is money.
FIGURE_LABELS = {
    "members": (_l("Members"), False),
    "rent_received": (_l("Rent received so far"), True),
    "wages_received": (_l("Wages of the months ended"), True),
    "dividends": (_l("Dividends received"), True),
    "rent_due": (_l("Rent still due this year"), True),
    "average_wages": (_l("Average wages of the last three months"), True),
    "months_left": (_l("Months left"), False),
    "wages_ahead": (_l("Wages expected for the months left"), True),
    "other": (_l("Other income entered (net of costs)"), True),
    "total": (_l("Projected total income"), True),
}


def projection_parts(figures: dict) -> list[tuple[str, object, bool]]:
    """(label, value, is money) of the projection's parts a warning holds, in FIGURE_LABELS' order."""
    return [(str(text), figures[name], money) for name, (text, money) in FIGURE_LABELS.items()
            if figures.get(name) is not None]


bp.add_app_template_global(warning_service.describe, "describe_warning")
bp.add_app_template_global(projection_parts, "projection_parts")
bp.add_app_template_global(_household_warnings, "household_warnings")


def _dashboard(session) -> dict:
    shown = list(session.scalars(warning_service.warnings_query()
                                 .where(warning_service.Warning.state.in_(warning_service.OPEN_STATES)).limit(6)))
    return {"counts": warning_service.open_counts(session), "warnings": shown}


panel("warnings/_dashboard.html", _dashboard, "livelihoods.read", 35)


@bp.get("/")
@allow("livelihoods.read")
def index():
    db = request_session()
    args = {name: request.args.get(name, "").strip() for name in ("state", "kind", "group")}
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1
    errors, message, status, shown, more = {}, None, 200, [], False
    try:
        filters = warning_service.check_filters(db, args["state"], None, args["kind"], args["group"])
        rows = list(db.scalars(warning_service.warnings_query(**filters).offset((page - 1) * PAGE).limit(PAGE + 1)))
        shown, more = rows[:PAGE], len(rows) > PAGE
    except DomainError as exc:
        errors, message, status = field_errors(exc), str(exc.message), exc.status
    return render_template("warnings/index.html", warnings=shown, counts=warning_service.open_counts(db),
                           page=page, more=more, args=args, states=WarningState.choices(),
                           kinds=WarningKind.choices(), groups=land.village_groups(db), errors=errors,
                           message=message), status


def _detail(warning_id: int, state: FormState | None = None, which: str = ""):
    db = request_session()
    state = state or FormState({})
    return render_template("warnings/detail.html", warning=warning_service.get_warning(db, warning_id),
                           measures=FollowUpMeasure.choices(), values=state.values, errors=state.errors,
                           message=state.message, which=which), state.status


@bp.get("/<int:warning_id>")
@allow("livelihoods.read")
def detail(warning_id: int):
    return _detail(warning_id)


@bp.post("/<int:warning_id>/follow-ups")
@allow("livelihoods.record")
def follow_up(warning_id: int):
    db = request_session()
    warning_service.get_warning(db, warning_id)  # no such warning is the 404 page, never a form shown again

    def save():
        warning_service.follow_up(db, warning_id, form_input(FollowUpIn), g.user)
        return url_for("warnings.detail", warning_id=warning_id), _("Follow-up recorded.")

    state = form_action({}, save)
    if not isinstance(state, FormState):
        return state
    return _detail(warning_id, state, "follow_up")


@bp.post("/<int:warning_id>/close")
@allow("livelihoods.record")
def close(warning_id: int):
    db = request_session()
    warning_service.get_warning(db, warning_id)

    def save():
        warning_service.close(db, warning_id, form_input(CloseIn), g.user)
        return url_for("warnings.detail", warning_id=warning_id), _("Warning closed.")

    state = form_action({}, save)
    if not isinstance(state, FormState):
        return state
    return _detail(warning_id, state, "close")
