"""Households' early warning in the API: GET /warnings, POST /warnings/{id}/follow-ups, POST /warnings/{id}/close."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, g, request

from farm.api import Out, Param, Username, created, doc, json_body, listing, out
from farm.db import request_session
from farm.inputs.warnings import CloseIn, FollowUpIn
from farm.permissions import allow
from farm.services import warnings as warning_service
from farm.vocab import FollowUpMeasure, WarningKind, WarningState

bp = Blueprint("warnings", __name__)


class FollowUpOut(Out):
    """A measure taken for a warned household (帮扶措施), by whom and when."""

    id: int
    warning_id: int
    measure: FollowUpMeasure
    note: str
    by: Username | None
    at: datetime


class WarningOut(Out):
    """A warning about a household. `reason` is what triggered it, written in the park's language when it opened;
    `figures` are the numbers behind it (amounts as text in yuan with two decimals, months as YYYY-MM, days as
    YYYY-MM-DD). `condition_holds` is whether the condition still held when the job last looked (`checked_at`);
    the job never closes a warning, a person does (`closed_at`, `closed_by`, `close_reason`)."""

    id: int
    household_id: int
    kind: WarningKind
    state: WarningState
    opened_at: datetime
    reason: str
    figures: dict[str, Any]
    condition_holds: bool
    checked_at: datetime
    closed_at: datetime | None
    closed_by: Username | None
    close_reason: str
    follow_ups: list[FollowUpOut]


@bp.get("/warnings")
@allow("livelihoods.read")
@doc("Households' warnings: open first, then being followed up, then closed; newest first", response=WarningOut,
     many=True, tag="livelihoods",
     query={"state": Param("open, following or closed (default: all)", WarningState),
            "household": "a household id", "kind": Param("the kind of warning (default: all)", WarningKind),
            "group": "a village group"})
def list_warnings():
    db = request_session()
    filters = warning_service.check_filters(db, request.args.get("state"), request.args.get("household"),
                                            request.args.get("kind"), request.args.get("group"))
    return listing(warning_service.warnings_query(**filters), WarningOut)


@bp.get("/warnings/<int:warning_id>")
@allow("livelihoods.read")
@doc("One warning with its follow-ups", response=WarningOut, tag="livelihoods")
def get_warning(warning_id: int):
    return out(WarningOut, warning_service.get_warning(request_session(), warning_id))


@bp.post("/warnings/<int:warning_id>/follow-ups")
@allow("livelihoods.record")
@doc("Record a follow-up (帮扶措施) of a warning: it is then being followed up; 409 on a closed warning",
     body=FollowUpIn, response=FollowUpOut, status=201, tag="livelihoods")
def add_follow_up(warning_id: int):
    db = request_session()
    data = json_body(FollowUpIn)
    item = warning_service.follow_up(db, warning_id, data, g.user)
    db.commit()
    return created(FollowUpOut, item)


@bp.post("/warnings/<int:warning_id>/close")
@allow("livelihoods.record")
@doc("Close a warning with the reason the risk is removed (风险消除); 409 when it is already closed", body=CloseIn,
     response=WarningOut, tag="livelihoods")
def close_warning(warning_id: int):
    db = request_session()
    data = json_body(CloseIn)
    warning = warning_service.close(db, warning_id, data, g.user)
    db.commit()
    return out(WarningOut, warning)
