"""Health of the parts: the database, and the heartbeats the ingest and scheduler leave."""
from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from farm.db import Database

log = logging.getLogger(__name__)

# Process name -> function(session) returning "ok", "stale", "not running" ... ; the ingest and
# scheduler areas add theirs here when they exist.
PROBES: dict = {}


def _ingest_probe(session) -> str:
    from farm.services.devices import ingest_state

    return ingest_state(session)


PROBES["ingest"] = _ingest_probe


def _scheduler_probe(session) -> str:
    from farm.services.job_runs import scheduler_state

    return scheduler_state(session)


PROBES["scheduler"] = _scheduler_probe


def check(database: Database) -> dict:
    """{"status": "ok"|"degraded", "down": [the parts not well], "database": ..., and one entry per known
    background process}."""
    report = {"status": "ok", "down": [], "database": "ok", "ingest": "not running", "scheduler": "not running"}
    try:
        database.ping()
    except SQLAlchemyError as exc:
        log.warning("health: database unreachable: %s", exc)
        report["database"] = "unreachable"
        report["status"] = "degraded"
        report["down"] = ["database"]
        return report
    with database.session_scope() as session:
        for name, probe in PROBES.items():
            try:
                report[name] = probe(session)
            except Exception:  # a broken probe makes the report degraded, never a 500
                log.exception("health: probe %s failed", name)
                session.rollback()
                report[name] = "error"
    # A part that exists (has a probe) and is not "ok" makes the whole degraded.
    report["down"] = [name for name in PROBES if report[name] != "ok"]
    if report["down"]:
        report["status"] = "degraded"
    return report
