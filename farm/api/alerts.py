"""Alerts in the API: GET /alerts (open or cleared, per greenhouse) and POST /alerts/{id}/acknowledge."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, g, jsonify, request
from pydantic import BaseModel

from farm.api import doc, json_body, listing, plain
from farm.db import request_session
from farm.inputs.alerts import Acknowledge
from farm.models.alerts import Alert
from farm.permissions import allow
from farm.services import alerts

bp = Blueprint("alerts", __name__)


class AlertOut(BaseModel):
    id: int
    greenhouse: str
    device: str | None
    kind: str
    metric: str | None
    severity: str
    state: str
    started_at: datetime
    opened_at: datetime
    refreshed_at: datetime
    cleared_at: datetime | None
    worst_value: float | None
    limit_value: float | None
    last_value: float | None
    message: str
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    note: str


def alert_json(alert: Alert) -> dict:
    return {"id": alert.id, "greenhouse": alert.greenhouse.code, "device": alert.device.code if alert.device else None,
            "kind": alert.kind, "metric": alert.metric, "severity": alert.severity, "state": alert.state,
            "started_at": alert.started_at, "opened_at": alert.opened_at, "refreshed_at": alert.refreshed_at,
            "cleared_at": alert.cleared_at, "worst_value": alert.worst_value, "limit_value": alert.limit_value,
            "last_value": alert.last_value, "message": alerts.describe(alert),
            "acknowledged_at": alert.acknowledged_at,
            "acknowledged_by": alert.acknowledged_by.username if alert.acknowledged_by else None,
            "note": alert.ack_note}


@bp.get("/alerts")
@allow("park.read")
@doc("Alerts, open ones first, then the newest; the message is in the request's language", response=AlertOut,
     many=True, tag="alerts", query={"state": "open or cleared (default: both)", "greenhouse": "a greenhouse code"})
def list_alerts():
    state, greenhouse_id = alerts.check_filters(request_session(), request.args.get("state"),
                                                request.args.get("greenhouse"))
    return listing(alerts.alerts_query(state, greenhouse_id), alert_json)


@bp.post("/alerts/<int:alert_id>/acknowledge")
@allow("sensors.manage")
@doc("Acknowledge an alert with a note saying what was done (once per alert)", body=Acknowledge, response=AlertOut,
     tag="alerts")
def acknowledge(alert_id: int):
    db = request_session()
    data = json_body(Acknowledge)
    alert = alerts.acknowledge(db, alert_id, g.user, data.note)
    db.commit()
    return jsonify(plain(alert_json(alert)))
