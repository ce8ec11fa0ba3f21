"""GET /healthz: is the database reachable, and are the ingest and scheduler alive.

The status code speaks for this web process only: 200 while it and its database work, 503 when the database is
unreachable. A stopped ingest or scheduler makes the body `degraded` and names the part, but keeps the 200, so a load
balancer never takes every web server out because the scheduler stopped."""
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
    down: list[str]
    database: str
    ingest: str
    scheduler: str


@bp.get("/healthz")
@allow(PUBLIC)
@doc("Health of the database, the ingest and the scheduler", response=HealthOut, tag="health",
     also={503: "The database is unreachable"})
def healthz():
    report = health.check(current_app.extensions["farm_db"])
    return jsonify(report), 503 if report["database"] != "ok" else 200
