"""GET /healthz: open to all, the contract's shape, degraded when a part is not well."""
from __future__ import annotations

import pytest

from farm.db import Database
from farm.services import health
from tests.test_openapi import check_response


def test_health_ok_shape(app, client):
    response = client.get("/healthz")
    body = response.get_json()
    assert {"status", "down", "database", "ingest", "scheduler"} <= set(body)
    # No ingest or scheduler runs in the tests: degraded, naming them, but still 200 (this web process works).
    assert body["status"] == "degraded" and body["down"] == ["ingest", "scheduler"]
    assert response.status_code == 200
    assert body["database"] == "ok"
    check_response(app, "GET", "/healthz", response)


def test_health_is_ok_when_every_part_beats(app, client, database, monkeypatch):
    monkeypatch.setattr(health, "PROBES", {"ingest": lambda _s: "ok", "scheduler": lambda _s: "ok"})
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok" and response.get_json()["down"] == []


def test_health_answers_503_only_when_the_database_is_unreachable(config):
    from farm import create_app

    gone = Database("postgresql+psycopg://nobody@127.0.0.1:9/nowhere", connect_args={"connect_timeout": 2})
    response = create_app(config, gone).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["down"] == ["database"]


def test_health_database_unreachable_is_degraded(tmp_path):
    db = Database("postgresql+psycopg://nobody@127.0.0.1:9/nowhere", connect_args={"connect_timeout": 2})
    report = health.check(db)
    assert report["status"] == "degraded" and report["database"] == "unreachable"


def test_health_a_failing_or_stale_probe_is_degraded(database, monkeypatch):
    def broken(_session):
        raise RuntimeError("boom")

    monkeypatch.setattr(health, "PROBES", {"ingest": lambda _s: "ok", "scheduler": broken})
    report = health.check(database)
    assert report == {"status": "degraded", "down": ["scheduler"], "database": "ok", "ingest": "ok",
                      "scheduler": "error"}
    monkeypatch.setattr(health, "PROBES", {"ingest": lambda _s: "stale"})
    assert health.check(database)["status"] == "degraded"
    monkeypatch.setattr(health, "PROBES", {"ingest": lambda _s: "ok"})
    assert health.check(database)["status"] == "ok"


@pytest.mark.parametrize("method", ["post", "delete"])
def test_health_other_methods_are_refused(client, method):
    assert getattr(client, method)("/healthz").status_code == 405


def test_health_needs_no_login_and_ignores_a_stale_token(client):
    response = client.get("/healthz", headers={"Authorization": "Bearer stale"})
    assert response.status_code == 200
    assert response.get_json()["database"] == "ok"
