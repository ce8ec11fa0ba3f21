"""Alerts in the API: GET /alerts (open or cleared, per greenhouse) and POST /alerts/{id}/acknowledge."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, g, request
from pydantic import Field, model_validator

from farm.api import Code, Out, Param, Username, doc, json_body, listing, out, view
from farm.db import request_session
from farm.inputs.alerts import Acknowledge
from farm.permissions import allow
from farm.services import alerts
from farm.vocab import AlertKind, AlertSeverity, AlertState, Metric

bp = Blueprint("alerts", __name__)


class AlertOut(Out):
    """An alert; `message` says what happened, in the request's language."""

    id: int
    greenhouse: Code
    device: Code | None
    kind: AlertKind
    metric: Metric | None
    severity: AlertSeverity
    state: AlertState
    started_at: datetime
    opened_at: datetime
    refreshed_at: datetime
    cleared_at: datetime | None
    worst_value: float | None
    limit_value: float | None
    last_value: float | None
    message: str
    acknowledged_at: datetime | None
    acknowledged_by: Username | None
    note: str = Field(validation_alias="ack_note")

    @model_validator(mode="before")
    @classmethod
    def _message(cls, alert):
        """The message is the service's description of the alert."""
        return view(alert, message=alerts.describe(alert))


@bp.get("/alerts")
@allow("park.read")
@doc("Alerts, open ones first, then the newest; the message is in the request's language", response=AlertOut,
     many=True, tag="alerts", query={"state": Param("open or cleared (default: both)", AlertState),
                                     "greenhouse": "a greenhouse code"})
def list_alerts():
    state, greenhouse_id = alerts.check_filters(request_session(), request.args.get("state"),
                                                request.args.get("greenhouse"))
    return listing(alerts.alerts_query(state, greenhouse_id), AlertOut)


@bp.post("/alerts/<int:alert_id>/acknowledge")
@allow("sensors.manage")
@doc("Acknowledge an alert with a note saying what was done (once per alert)", body=Acknowledge, response=AlertOut,
     tag="alerts")
def acknowledge(alert_id: int):
    db = request_session()
    data = json_body(Acknowledge)
    alert = alerts.acknowledge(db, alert_id, g.user, data.note)
    db.commit()
    return out(AlertOut, alert)
