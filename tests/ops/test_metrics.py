"""/metrics: the web app's, the ingest's and the scheduler's figures in the Prometheus text format, and who may
read them."""
from __future__ import annotations

import os
import subprocess
import sys
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from farm.config import PROJECT_ROOT
from farm.jobs import Job, run_once
from farm.services import metrics
from tests.conftest import free_port
from tests.factories import bearer, make_park, make_user, token_for
from tests.sensors.helpers import IngestProcess, Publisher, count_readings, telemetry, wait_for

pytestmark = pytest.mark.timeout(300)


def samples(text: str) -> dict:
    """{(name, sorted labels): value} of a metrics page."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(text: str, name: str, **labels) -> float:
    return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_from_this_machine_count_requests_per_endpoint(client):
    before = value(client.get("/metrics").get_data(as_text=True), "farm_http_requests_total",
                   endpoint="health.healthz", method="GET", status="200")
    for _ in range(3):
        client.get("/healthz")
    page = client.get("/metrics")
    assert page.status_code == 200 and page.content_type.startswith("text/plain")
    text = page.get_data(as_text=True)
    assert value(text, "farm_http_requests_total", endpoint="health.healthz", method="GET", status="200") == before + 3
    assert value(text, "farm_http_request_duration_seconds_count", endpoint="health.healthz") >= 3
    assert value(text, "farm_open_alerts") == 0 and value(text, "farm_notification_outbox") == 0
    assert value(text, "farm_part_up", part="ingest") == 0
    # An unknown address is counted under one label, whatever the path.
    client.get("/no/such/page-1")
    client.get("/no/such/page-2")
    text = client.get("/metrics").get_data(as_text=True)
    assert "page-1" not in text and value(text, "farm_http_requests_total", endpoint="unmatched", method="GET",
                                          status="404") >= 2


def test_metrics_from_elsewhere_need_an_admin_token(client, session):
    admin, manager = make_user(session, "admin"), make_user(session, "manager")
    session.commit()
    away = {"REMOTE_ADDR": "192.0.2.7"}
    assert client.get("/metrics", environ_base=away).status_code == 401
    assert client.get("/metrics", environ_base=away, headers=bearer(token_for(session, manager))).status_code == 403
    assert client.get("/metrics", environ_base=away, headers=bearer("not-a-token")).status_code == 403
    assert client.get("/metrics", environ_base=away, headers=bearer(token_for(session, admin))).status_code == 200
    # Through the proxy the address is the proxy's own: that is not "this machine".
    assert client.get("/metrics", headers={"X-Forwarded-For": "192.0.2.7"}).status_code == 401


def test_metrics_scheduler_counts_durations_and_failures(database):
    def broken(_session, _now):
        raise RuntimeError("boom")

    registry = lambda: metrics.generate_latest(metrics.SCHEDULER).decode()  # noqa: E731
    before = value(registry(), "farm_job_failures_total", job="test_broken")
    assert run_once(database, Job("test_broken", broken, 60))[0] == "failed"
    assert run_once(database, Job("test_fine", lambda s, n: None, 60))[0] == "ok"
    text = registry()
    assert value(text, "farm_job_failures_total", job="test_broken") == before + 1
    assert value(text, "farm_job_failures_total", job="test_fine") == 0
    assert value(text, "farm_job_duration_seconds_count", job="test_fine") >= 1


@pytest.mark.broker
def test_metrics_of_a_running_ingest_on_its_loopback_port(database, database_url, session, broker, tmp_path):
    make_park(session, greenhouses=3)
    session.commit()
    port = free_port()
    ingest = IngestProcess(database_url, broker.url, tmp_path)
    ingest.env["FARM_INGEST_METRICS_PORT"] = str(port)
    ingest.start()
    publisher = Publisher(broker.port)
    try:
        messages = telemetry(300) + [("farm/yawei/GH-999/x-1/telemetry", b'{"temperature": 20}')]
        publisher.send(messages)
        publisher.wait_acked(len(messages))
        wait_for(lambda: count_readings(database) >= 600, 60, what="the readings stored")

        def page():
            return urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()

        wait_for(lambda: value(page(), "farm_ingest_messages_total") >= 301, 30, what="the counters")
        text = page()
        assert value(text, "farm_ingest_rows_total") == 600
        assert value(text, "farm_ingest_rejects_total") == 1
        assert value(text, "farm_ingest_batch_commit_seconds_count") >= 1
        assert value(text, "farm_ingest_backlog") == 0
        assert "farm_http_requests" not in text  # only the ingest's own figures
    finally:
        publisher.close()
        assert ingest.stop() == 0, ingest.output()


def test_metrics_sum_every_gunicorn_worker(database_url, tmp_path):
    """`farm web` with two workers: the requests each worker answered add up on /metrics."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FARM_", "PROMETHEUS"))}
    env.update(FARM_DATABASE_URL=database_url, FARM_INSTANCE_PATH=str(tmp_path), FARM_SECRET_KEY="x" * 40,
               FARM_PORT=str(port), FARM_WEB_WORKERS="2", PYTHONPATH=str(PROJECT_ROOT))
    log = tmp_path / "web.log"
    proc = subprocess.Popen([sys.executable, "-m", "farm", "web"], env=env, cwd=PROJECT_ROOT,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def get(path):
        return urllib.request.urlopen(base + path, timeout=10).read().decode()

    try:
        wait_for(lambda: _answers(base), 60, what=lambda: "the web server: " + log.read_text()[-2000:])
        for _ in range(40):
            get("/healthz")
        text = get("/metrics")
        assert value(text, "farm_http_requests_total", endpoint="health.healthz", method="GET",
                     status="200") >= 40
        pids = {dict(s.labels).get("pid") for f in text_string_to_metric_families(text) for s in f.samples}
        assert pids == {None}  # summed over the workers, not one series per process
        assert "farm_ingest" not in text and "farm_job" not in text  # the other processes' figures are theirs
    finally:
        proc.terminate()
        proc.wait(30)


def _answers(base: str) -> bool:
    try:
        urllib.request.urlopen(base + "/healthz", timeout=2)
        return True
    except OSError:
        return False
