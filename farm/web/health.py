"""GET /healthz: is the database reachable, and are the ingest and scheduler alive."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from farm.permissions import PUBLIC, allow
from farm.services import health

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@allow(PUBLIC)
def healthz():
    report = health.check(current_app.extensions["farm_db"])
    return jsonify(report), 200 if report["status"] == "ok" else 503
