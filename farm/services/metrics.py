"""Prometheus metrics of the three processes, in the text format of the `prometheus_client` library.

Each process keeps its own registry, so no page shows another process's counters at zero:
- the web app counts requests and their latency per endpoint in the library's default registry; under gunicorn
  the workers share them through the library's multiprocess mode (farm.server sets the folder before a worker
  starts), and `/metrics` adds what the database says at the moment it is read (`DatabaseCollector`);
- the ingest (`INGEST`) and the scheduler (`SCHEDULER`) serve theirs on a loopback port each
  (FARM_INGEST_METRICS_PORT, FARM_SCHEDULER_METRICS_PORT; 0 turns it off), started with `serve()`.
"""
from __future__ import annotations

import logging
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, start_http_server
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from farm import clock

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_multiprocess_dir: str | None = None


def use_multiprocess(folder: str) -> None:
    """In a gunicorn worker: /metrics sums every worker's counters from `folder` (the library's multiprocess mode)."""
    global _multiprocess_dir
    _multiprocess_dir = folder

# --- the web app ---------------------------------------------------------------------------------------------

HTTP_REQUESTS = Counter("farm_http_requests", "HTTP requests answered, per endpoint, method and status",
                        ["endpoint", "method", "status"])
HTTP_LATENCY = Histogram("farm_http_request_duration_seconds", "Time to answer a request, per endpoint",
                         ["endpoint"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))

# --- the ingest and the scheduler --------------------------------------------------------------------------
# Made on first use, in their own process only: under gunicorn's multiprocess mode every metric made in a web worker
# would be written to the shared folder and show on the web app's page at zero.

INGEST = CollectorRegistry()
SCHEDULER = CollectorRegistry()
_made: dict = {}


def _ingest() -> dict:
    if "ingest" not in _made:
        buckets = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
        _made["ingest"] = {
            "messages": Counter("farm_ingest_messages", "MQTT messages committed (stored or kept as a reject)",
                                registry=INGEST),
            "rows": Counter("farm_ingest_rows", "Readings written (a redelivered reading is written once)",
                            registry=INGEST),
            "rejects": Counter("farm_ingest_rejects", "Messages or parts of messages kept as rejects",
                               registry=INGEST),
            "commit": Histogram("farm_ingest_batch_commit_seconds", "Time to write and commit one batch",
                                registry=INGEST, buckets=buckets),
            "backlog": Gauge("farm_ingest_backlog", "Messages received and not yet committed", registry=INGEST),
        }
    return _made["ingest"]


def _scheduler() -> dict:
    if "scheduler" not in _made:
        _made["scheduler"] = {
            "seconds": Histogram("farm_job_duration_seconds", "Time a scheduled job ran, per job", ["job"],
                                 registry=SCHEDULER, buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600)),
            "failures": Counter("farm_job_failures", "Runs of a scheduled job that failed", ["job"],
                                registry=SCHEDULER),
        }
    return _made["scheduler"]


def ingest_backlog(measure) -> None:
    """The ingest's backlog gauge reads `measure()` (its queue's length) when the page is read."""
    _ingest()["backlog"].set_function(measure)


def ingest_batch(messages: int, rows: int, rejects: int, seconds: float) -> None:
    """Count one committed batch of the ingest."""
    made = _ingest()
    made["messages"].inc(messages)
    made["rows"].inc(rows)
    made["rejects"].inc(rejects)
    made["commit"].observe(seconds)


def job_finished(job: str, outcome: str, started: datetime, finished: datetime) -> None:
    """Count one run of a scheduled job."""
    from farm.vocab import JobOutcome

    made = _scheduler()
    made["seconds"].labels(job).observe(max(0.0, (finished - started).total_seconds()))
    failures = made["failures"].labels(job)  # present at 0 from a job's first run, so a rate can be taken
    if outcome == JobOutcome.FAILED:
        failures.inc()


def serve(registry: CollectorRegistry, port: int) -> None:
    """Serve a process's registry on 127.0.0.1:port in a thread (port 0: not at all)."""
    if not port:
        return
    try:
        start_http_server(port, addr="127.0.0.1", registry=registry)
    except OSError as exc:
        # Metrics are for watching the process; a taken port must not stop the readings or the jobs.
        log.error("metrics: cannot listen on 127.0.0.1:%s (%s); running without metrics", port, exc.strerror)
        return
    log.info("metrics at http://127.0.0.1:%s/metrics", port)


# --- what the database says ------------------------------------------------------------------------------------

class DatabaseCollector:
    """Figures read from the database at the moment /metrics is read: the age of the newest reading, open alerts,
    the notification outbox, each background process's health and the age of the newest backup."""

    def __init__(self, database, backups=None):
        self.database = database
        self.backups = backups

    def collect(self):
        from farm.models.alerts import Alert, Notification
        from farm.models.sensors import LatestReading
        from farm.services import backups as backup_service
        from farm.services import health
        from farm.vocab import AlertState, NotificationState

        now = clock.now()
        with self.database.session() as session:
            newest = session.scalar(select(func.max(LatestReading.ts)))
            open_alerts = session.scalar(select(func.count()).select_from(Alert).where(Alert.state == AlertState.OPEN))
            outbox = session.scalar(select(func.count()).select_from(Notification)
                                    .where(Notification.state == NotificationState.PENDING))
            parts = {name: probe(session) for name, probe in health.PROBES.items()}
        age = GaugeMetricFamily("farm_newest_reading_age_seconds", "Seconds since the newest stored reading was taken")
        if newest is not None:
            age.add_metric([], (now - newest).total_seconds())
        yield age
        yield GaugeMetricFamily("farm_open_alerts", "Alerts open now", value=open_alerts or 0)
        yield GaugeMetricFamily("farm_notification_outbox", "Notifications waiting to be sent", value=outbox or 0)
        up = GaugeMetricFamily("farm_part_up", "1 while a background process reports itself well", labels=["part"])
        for name, state in parts.items():
            up.add_metric([name], 1 if state == "ok" else 0)
        yield up
        if self.backups is not None:
            newest_backup = backup_service.newest(self.backups)
            backup_age = GaugeMetricFamily("farm_backup_age_seconds", "Seconds since the newest backup was written")
            if newest_backup is not None:
                backup_age.add_metric([], (now - backup_service.taken_at(newest_backup)).total_seconds())
            yield backup_age


def web_exposition(database, backups=None) -> bytes:
    """The web app's /metrics: every worker's request counters (multiprocess mode when gunicorn runs several),
    then the database's figures."""
    from prometheus_client import REGISTRY, multiprocess

    db_registry = CollectorRegistry(auto_describe=False)
    db_registry.register(DatabaseCollector(database, backups))
    if _multiprocess_dir:
        requests = CollectorRegistry()
        multiprocess.MultiProcessCollector(requests, path=_multiprocess_dir)
    else:
        requests = REGISTRY
    return generate_latest(requests) + generate_latest(db_registry)
