"""GET /healthz: is the database reachable, and are the ingest and scheduler alive."""
from __future__ import annotations

from typing import Literal

from flask import Blueprint, current_app, jsonify
from pydantic import BaseModel

from farm.api import doc
from farm.permissions import PUBLIC, allow
from farm.services import health

bp = Blueprint("health", __name__)


class HealthOut(BaseModel):
    """The health report; background processes that exist add their own entries."""

    status: Literal["ok", "degraded"]
    database: str
    ingest: str
    scheduler: str


@bp.get("/healthz")
@allow(PUBLIC)
@doc("Health of the database, the ingest and the scheduler", response=HealthOut, tag="health",
     also={503: "Degraded: some part is not working"})
def healthz():
    report = health.check(current_app.extensions["farm_db"])
    return jsonify(report), 200 if report["status"] == "ok" else 503
