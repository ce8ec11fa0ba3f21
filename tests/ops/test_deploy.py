"""deploy/: the systemd units and the environment file say what deploy/README.md promises, and deploy/smoke.sh
performs the README's steps on this machine and finds the system answering."""
from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess

import pytest
from sqlalchemy.engine import make_url

from farm.config import PROJECT_ROOT
from tests.conftest import MOSQUITTO, PG_URL

DEPLOY = PROJECT_ROOT / "deploy"
PARTS = ("web", "ingest", "scheduler")


def unit(part: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(DEPLOY / "systemd" / f"farm-{part}.service")
    return parser


@pytest.mark.parametrize("part", PARTS)
def test_deploy_units_restart_run_unprivileged_and_read_one_environment_file(part):
    service = unit(part)["Service"]
    assert service["ExecStart"] == f"/opt/farm/.venv/bin/python -m farm {part}"
    assert service["Restart"] == "on-failure"
    assert service["User"] == "farm" and service["Group"] == "farm"
    assert service["EnvironmentFile"] == "/etc/farm/farm.env"
    assert service["ProtectSystem"] == "strict" and service["ReadWritePaths"] == "/var/lib/farm"


def test_deploy_ingest_template_gives_each_instance_its_own_client_id_and_metrics_port():
    single, template = unit("ingest")["Service"], unit("ingest@")["Service"]
    assert template["ExecStart"] == ("/opt/farm/.venv/bin/python -m farm ingest "
                                     "--client-id farm-ingest-%H-%i --metrics-port %i")
    assert {k: v for k, v in template.items() if k != "ExecStart"} == {
        k: v for k, v in single.items() if k != "ExecStart"}
    assert "farm-ingest@.service" in (DEPLOY / "README.md").read_text()


def test_deploy_environment_file_names_only_real_settings():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    names = re.findall(r"^(FARM_[A-Z_]+)=", (DEPLOY / "farm.env.example").read_text(), re.M)
    assert {"FARM_DATABASE_URL", "FARM_MQTT_URL", "FARM_SECRET_KEY", "FARM_INSTANCE_PATH"} <= set(names)
    assert [n for n in names if f"`{n}`" not in readme] == []
    assert "chmod 600 /etc/farm/farm.env" in (DEPLOY / "README.md").read_text()


def test_deploy_nginx_site_serves_tls_with_hsts():
    site = (DEPLOY / "nginx" / "farm.conf").read_text()
    assert "listen 443 ssl" in site and "return 301 https://" in site
    assert re.search(r'Strict-Transport-Security "max-age=\d{8,}', site)
    assert "proxy_set_header X-Forwarded-For" in site  # /metrics refuses proxied requests without a token


@pytest.mark.timeout(900)
@pytest.mark.skipif(os.geteuid() != 0, reason="deploy/smoke.sh creates the service user: it runs as root")
@pytest.mark.skipif(not PG_URL, reason="FARM_TEST_DATABASE_URL is not set: the smoke needs PostgreSQL")
@pytest.mark.skipif(MOSQUITTO is None or shutil.which("psql") is None, reason="mosquitto or psql is not installed")
def test_deploy_smoke_script_finds_the_system_answering():
    server = make_url(PG_URL).set(drivername="postgresql").render_as_string(hide_password=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FARM_")}
    env.update(PYTHON=str(PROJECT_ROOT / ".venv" / "bin" / "python") if (PROJECT_ROOT / ".venv").exists()
               else __import__("sys").executable, PGURL=server, PATH=env.get("PATH", "") + ":/usr/sbin")
    done = subprocess.run(["bash", str(DEPLOY / "smoke.sh")], env=env, cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert done.stdout.rstrip().endswith("SMOKE OK")
    assert '"status":"ok"' in done.stdout
