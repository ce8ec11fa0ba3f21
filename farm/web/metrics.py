"""GET /metrics (Prometheus text format) and the per-endpoint request counters behind it.

Readable from this machine (a scraper on the server itself) or with an administrator's API token. A request that
came through a proxy (nginx sets X-Forwarded-For) is not "from this machine", even though its address is.
"""
from __future__ import annotations

import time

from flask import Blueprint, Response, current_app, g, request
from flask_babel import gettext as _
from werkzeug.exceptions import Forbidden, Unauthorized

from farm.db import request_session
from farm.permissions import PUBLIC, allow
from farm.services import metrics, users
from farm.vocab import Role

bp = Blueprint("metrics", __name__)

LOOPBACK = ("127.0.0.1", "::1")
PROXY_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded")


def _start_clock():
    g.metrics_started = time.perf_counter()


def _count(response):
    # Unmatched URLs share one label, so a scan of random paths cannot grow the metrics without bound.
    endpoint = request.endpoint or "unmatched"
    metrics.HTTP_REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
    started = g.get("metrics_started")
    if started is not None:
        metrics.HTTP_LATENCY.labels(endpoint).observe(time.perf_counter() - started)
    return response


@bp.record_once
def _instrument(state):
    # First of the app's before_request functions, so the time includes logging in and the permission check.
    state.app.before_request_funcs.setdefault(None, []).insert(0, _start_clock)
    state.app.after_request(_count)


def _local() -> bool:
    return request.remote_addr in LOOPBACK and not any(h in request.headers for h in PROXY_HEADERS)


@bp.get("/metrics")
@allow(PUBLIC)  # checked below: this machine, or an administrator's token
def metrics_page():
    if not _local():
        scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized(_("Metrics are read from the server itself or with an administrator's API token."))
        user = users.user_for_token(request_session(), token.strip())
        if user is None or user.role != Role.ADMIN:
            raise Forbidden(_("Metrics are read from the server itself or with an administrator's API token."))
    config = current_app.config["FARM"]
    body = metrics.web_exposition(current_app.extensions["farm_db"], config.backups)
    return Response(body, mimetype=None, content_type=metrics.CONTENT_TYPE)
