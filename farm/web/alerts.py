"""Alert pages: the list (open first, history per greenhouse), one alert with its acknowledgement, the notification
outbox for managers, the dashboard panel and the menu's badge of open alerts nobody has acknowledged yet."""
from __future__ import annotations

import logging

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from farm import clock
from farm.db import request_session
from farm.errors import DomainError
from farm.inputs.alerts import Acknowledge
from farm.park_language import park_language
from farm.permissions import allow
from farm.services import alerts, notify, notify_channels
from farm.services import park as park_service
from farm.vocab import AlertState
from farm.web import TODAY, FormState, field_errors, form_action, form_input, nav
from farm.web.dashboard import panel

log = logging.getLogger(__name__)

bp = Blueprint("alerts", __name__, url_prefix="/alerts")
nav("alerts.index", _l("Alerts"), TODAY, 45)
PAGE = 100


def nav_badge(endpoint: str) -> int | None:
    """The number shown beside a menu link: open alerts nobody has acknowledged yet, once per request."""
    if endpoint != "alerts.index":
        return None
    if "open_alert_badge" not in g:
        try:
            g.open_alert_badge = alerts.open_unacknowledged(request_session())
        except SQLAlchemyError:  # a page about a database error must still render
            log.warning("alerts: cannot count open alerts for the menu")
            g.open_alert_badge = None
    return g.open_alert_badge


bp.add_app_template_global(nav_badge, "nav_badge")
bp.add_app_template_global(alerts.describe, "describe_alert")


def _dashboard(session) -> dict:
    shown = list(session.scalars(alerts.alerts_query(AlertState.OPEN).limit(8)))
    return {**alerts.open_counts(session), "alerts": shown}


panel("alerts/_dashboard.html", _dashboard, "park.read", 5)


@bp.get("/")
@allow("park.read")
def index():
    db = request_session()
    state_arg, greenhouse_arg = request.args.get("state", ""), request.args.get("greenhouse", "")
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1
    errors, message, status, shown, more = {}, None, 200, [], False
    try:
        state, greenhouse_id = alerts.check_filters(db, state_arg, greenhouse_arg)
        rows = list(db.scalars(alerts.alerts_query(state, greenhouse_id).offset((page - 1) * PAGE).limit(PAGE + 1)))
        shown, more = rows[:PAGE], len(rows) > PAGE
    except DomainError as exc:
        errors, message, status = field_errors(exc), str(exc.message), exc.status
    return render_template("alerts/index.html", alerts=shown, counts=alerts.open_counts(db), page=page, more=more,
                           state=state_arg.strip().lower(), greenhouse=greenhouse_arg.strip().upper(),
                           states=AlertState.choices(), greenhouses=park_service.list_greenhouses(db), errors=errors,
                           message=message), status


def _detail(alert_id: int, values=None, errors=None, message=None, status=200):
    db = request_session()
    return render_template("alerts/detail.html", alert=alerts.get_alert(db, alert_id), values=values or {},
                           errors=errors or {}, message=message), status


@bp.get("/<int:alert_id>")
@allow("park.read")
def detail(alert_id: int):
    return _detail(alert_id)


@bp.post("/<int:alert_id>/acknowledge")
@allow("sensors.manage")
def acknowledge(alert_id: int):
    db = request_session()
    alerts.get_alert(db, alert_id)  # no such alert is the 404 page, never a form shown again

    def save():
        alerts.acknowledge(db, alert_id, g.user, form_input(Acknowledge).note)
        return url_for("alerts.detail", alert_id=alert_id), _("Alert acknowledged.")

    state = form_action({}, save)
    if not isinstance(state, FormState):
        return state
    return _detail(alert_id, state.values, state.errors, state.message, state.status)


@bp.get("/notifications")
@allow("sensors.manage")
def notifications():
    db = request_session()
    config = notify.channel_settings(db)
    return render_template("alerts/notifications.html", rows=notify.recent(db), channels=notify.enabled_channels(config),
                           smtp_login=bool(config["smtp_user"]), password_set=notify_channels.password_set(),
                           max_attempts=notify.MAX_ATTEMPTS)


@bp.post("/notifications/test")
@allow("sensors.manage")
def notification_test():
    db = request_session()
    now = clock.now()
    at = clock.local(now).strftime("%Y-%m-%d %H:%M:%S")
    with park_language():
        subject = _("Test message from the greenhouse park")
        body = _("Sent by %(user)s at %(time)s to check the notification settings.", user=g.user.username, time=at)
    if notify.enqueue(db, f"test-{now:%Y%m%d%H%M%S%f}", subject, body, now):
        db.commit()
        flash(_("Test message queued; the scheduler sends it within a minute."), "success")
    else:
        flash(_("No notification channel is on: set a webhook URL or a mail server in the settings."), "error")
    return redirect(url_for("alerts.notifications"))


@bp.post("/notifications/<int:notification_id>/retry")
@allow("sensors.manage")
def notification_retry(notification_id: int):
    db = request_session()
    try:
        notify.retry(db, notification_id)
        db.commit()
        flash(_("The message will be sent again."), "success")
    except DomainError as exc:
        db.rollback()
        if exc.status == 404:
            raise
        flash(str(exc.message), "error")
    return redirect(url_for("alerts.notifications"))

