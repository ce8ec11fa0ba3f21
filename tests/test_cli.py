"""`python -m farm ...` as people run it: a subprocess with its configuration in the environment."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, func, select, text

from farm import create_app
from farm.config import PROJECT_ROOT, Config, ConfigError
from farm.models.auth import User
from farm.models.park import Greenhouse
from farm.models.people import Worker
from tests.factories import bearer

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def env(tmp_path):
    """A clean environment pointing at a temporary SQLite file and instance folder."""
    values = {k: v for k, v in os.environ.items() if not k.startswith("FARM_")}
    values.update(FARM_DATABASE_URL=f"sqlite:///{tmp_path / 'farm.db'}", FARM_INSTANCE_PATH=str(tmp_path / "instance"),
                  PYTHONPATH=str(PROJECT_ROOT))
    return values


def farm(env, *args, input_text=None):
    return subprocess.run([sys.executable, "-m", "farm", *args], env=env, cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=240, input=input_text)


def one_error_line(result) -> str:
    assert result.returncode != 0, result
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]


def _engine(env):
    return create_engine(env["FARM_DATABASE_URL"])


def test_cli_init_db_twice(env):
    first = farm(env, "init-db")
    assert first.returncode == 0, first.stderr
    second = farm(env, "init-db")
    assert second.returncode == 0, second.stderr
    with _engine(env).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM greenhouses")).scalar() == 0


def test_cli_seed_demo_then_again_refuses(env):
    first = farm(env, "seed-demo")
    assert first.returncode == 0, first.stderr
    assert "manager" in first.stdout and "admin" in first.stdout
    engine = _engine(env)
    with engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(Greenhouse)).scalar()
        users_before = conn.execute(select(func.count()).select_from(User)).scalar()
    assert before == 104
    second = farm(env, "seed-demo")
    line = one_error_line(second)
    assert "park" in line
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Greenhouse)).scalar() == before
        assert conn.execute(select(func.count()).select_from(User)).scalar() == users_before
    # --if-empty makes a second run a quiet no-op.
    assert farm(env, "seed-demo", "--if-empty").returncode == 0
    # The device list deploy/mosquitto/make-passwords.sh makes the broker's logins from.
    devices = farm(env, "device-list").stdout.splitlines()
    assert len(devices) == 104 and devices[0] == "GH-001 th-001"


def test_cli_create_user_and_token(env):
    assert farm(env, "init-db").returncode == 0
    made = farm(env, "create-user", "zhang", "--role", "manager", "--password-stdin", input_text="long-enough-1\n")
    assert made.returncode == 0, made.stderr
    worker = farm(env, "create-user", "wangxiu", "--role", "worker", "--password-stdin", input_text="long-enough-1\n")
    assert worker.returncode == 0, worker.stderr
    engine = _engine(env)
    with engine.begin() as conn:
        row = conn.execute(select(User.role, User.worker_id).where(User.username == "wangxiu")).one()
        assert row.role == "worker" and row.worker_id is not None
        assert conn.execute(select(Worker.name).where(Worker.id == row.worker_id)).scalar() == "wangxiu"
        other = conn.execute(Worker.__table__.insert().values(name="李娜", phone="", village_group="", status="active",
                                                              notes="", created_at=func.now())).inserted_primary_key[0]
    named = farm(env, "create-user", "lina", "--role", "worker", "--password-stdin", "--worker", str(other), input_text="long-enough-1\n")
    assert named.returncode == 0, named.stderr
    with engine.connect() as conn:
        assert conn.execute(select(User.worker_id).where(User.username == "lina")).scalar() == other
    # The same worker cannot get a second login; a taken username or short password is refused.
    one_error_line(farm(env, "create-user", "lina2", "--role", "worker", "--password-stdin",
                        "--worker", str(other), input_text="long-enough-1\n"))
    one_error_line(farm(env, "create-user", "zhang", "--role", "viewer", "--password-stdin", input_text="long-enough-1\n"))
    one_error_line(farm(env, "create-user", "short", "--role", "viewer", "--password-stdin", input_text="abc\n"))
    one_error_line(farm(env, "create-user", "common", "--role", "viewer", "--password-stdin", input_text="1q2w3e4r5t\n"))
    one_error_line(farm(env, "create-user", "samename12", "--role", "viewer", "--password-stdin",
                        input_text="SameName12\n"))
    # The old --password still works for scripts, with a warning that it shows in the process list.
    old = farm(env, "create-user", "oldscript", "--role", "viewer", "--password", "long-enough-1")
    assert old.returncode == 0 and "process list" in old.stderr
    one_error_line(farm(env, "create-user", "ghost", "--role", "worker", "--password-stdin",
                        "--worker", "999", input_text="long-enough-1\n"))

    result = farm(env, "create-token", "zhang", "--expires-days", "30")
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip().splitlines()[-1]
    app = create_app(Config.from_env(env=env))
    client = app.test_client()
    assert client.get("/api/v1/greenhouses", headers=bearer(token)).status_code == 200
    assert client.get("/api/v1/greenhouses", headers=bearer(token + "x")).status_code == 401
    one_error_line(farm(env, "create-token", "nobody"))
    listed = farm(env, "tokens", "zhang").stdout.strip().splitlines()
    assert len(listed) == 1 and listed[0].split("\t")[1] == "zhang" and listed[0].endswith("\tlive")
    assert listed[0].split("\t")[5] != "-"  # it carries its end
    assert farm(env, "revoke-token", listed[0].split("\t")[0]).returncode == 0
    assert farm(env, "tokens").stdout.strip().endswith("\trevoked")
    assert client.get("/api/v1/greenhouses", headers=bearer(token)).status_code == 401
    one_error_line(farm(env, "revoke-token", "999"))
    with engine.begin() as conn:
        conn.execute(User.__table__.update().where(User.username == "zhang").values(active=False))
    assert "inactive" in one_error_line(farm(env, "create-token", "zhang"))


def test_cli_create_user_prompts_for_the_password(env):
    assert farm(env, "init-db").returncode == 0
    differ = farm(env, "create-user", "zhao", "--role", "viewer", input_text="long-enough-1\nother-one-22\n")
    assert differ.returncode != 0
    assert differ.stderr.strip().splitlines()[-1] == "error: the passwords differ"
    same = farm(env, "create-user", "zhao", "--role", "viewer", input_text="long-enough-1\nlong-enough-1\n")
    assert same.returncode == 0, same.stderr


@pytest.mark.parametrize("variable,value", [
    ("FARM_TIMEZONE", "Mars/Olympus"),
    ("FARM_TIMEZONE", "../../etc/passwd"),
    ("FARM_PORT", "eighty"),
    ("FARM_PORT", "70000"),
    ("FARM_LANGUAGE", "fr"),
    ("FARM_MQTT_URL", "http://broker"),
    ("FARM_DATABASE_URL", "farm.db"),
    ("FARM_WEB_WORKERS", "many"),
    ("FARM_LOG_LEVEL", "loud"),
    ("FARM_ACCESS_LOG", "maybe"),
    ("FARM_HOST", "park server"),
    ("FARM_MQTT_CLIENT_ID", "two words"),
    ("FARM_SIM_COLD_NIGHT", "GH-001,GH/2"),
])
def test_cli_bad_configuration_gives_one_line(env, variable, value):
    env[variable] = value
    line = one_error_line(farm(env, "init-db"))
    assert variable in line


def test_config_reads_every_process_setting_from_the_environment(tmp_path):
    env = {"FARM_HOST": "0.0.0.0", "FARM_WEB_WORKERS": "3", "FARM_ACCESS_LOG": "1", "FARM_LOG_LEVEL": "debug",
           "FARM_MQTT_CLIENT_ID": "ingest-a", "FARM_LANGUAGE": "en", "FARM_SIM_COLD_NIGHT": "gh-001, GH-017"}
    config = Config.from_env(env=env, secret_key="x", instance_path=tmp_path)
    assert (config.host, config.web_workers, config.access_log, config.log_level) == ("0.0.0.0", 3, True, "DEBUG")
    assert (config.mqtt_client_id, config.language, config.sim_cold_night) == ("ingest-a", "en", ("GH-001", "GH-017"))
    defaults = Config.from_env(env={}, secret_key="x", instance_path=tmp_path)
    assert (defaults.host, defaults.web_workers, defaults.access_log, defaults.log_level) == ("127.0.0.1", 2, False,
                                                                                             "INFO")
    assert (defaults.mqtt_client_id, defaults.language, defaults.sim_cold_night) == ("", "zh_CN", ())
    assert Config.from_env(env={"FARM_ACCESS_LOG": "0"}, secret_key="x", instance_path=tmp_path).access_log is False
    assert defaults.scheduler_lease_seconds == 45
    assert Config.from_env(env={"FARM_SCHEDULER_LEASE_SECONDS": "6"}, secret_key="x",
                           instance_path=tmp_path).scheduler_lease_seconds == 6


@pytest.mark.parametrize("variable,value", [
    ("FARM_WEB_WORKERS", "0"), ("FARM_WEB_WORKERS", "65"), ("FARM_WEB_WORKERS", "2.5"), ("FARM_ACCESS_LOG", "yes please"),
    ("FARM_LOG_LEVEL", "verbose"), ("FARM_HOST", "host/8000"), ("FARM_MQTT_CLIENT_ID", "x" * 101),
    ("FARM_SCHEDULER_LEASE_SECONDS", "2"), ("FARM_SCHEDULER_LEASE_SECONDS", "3601"),
    ("FARM_SCHEDULER_LEASE_SECONDS", "soon"), ("FARM_MQTT_SHARED_GROUP", "farm/a"), ("FARM_MQTT_SHARED_GROUP", "#"),
])
def test_config_refuses_a_bad_process_setting_with_its_name(tmp_path, variable, value):
    with pytest.raises(ConfigError, match=variable):
        Config.from_env(env={variable: value}, secret_key="x", instance_path=tmp_path)


def test_a_process_writes_messages_in_the_configured_language(tmp_path):
    from farm import park_language
    from farm.cli import open_database

    config = Config.from_env(env={"FARM_LANGUAGE": "en"}, database_url=f"sqlite:///{tmp_path / 'farm.db'}",
                             secret_key="x", instance_path=tmp_path)
    try:
        open_database(config, migrate=True).dispose()
        assert park_language.code() == "en"
    finally:
        park_language.configure("zh_CN")


@pytest.mark.parametrize("value", ["two", "0", "-3"])
def test_cli_web_with_bad_worker_count_gives_one_line(env, value):
    env["FARM_WEB_WORKERS"] = value
    line = one_error_line(farm(env, "web", "--port", "1"))
    assert "FARM_WEB_WORKERS" in line and value in line


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://nobody@127.0.0.1:9/nowhere",
    "sqlite:////proc/no-such-dir/farm.db",
    "nosuchdb://somewhere/x",
])
@pytest.mark.parametrize("command", [["init-db"], ["seed-demo"], ["create-token", "x"], ["web", "--port", "1"]])
def test_cli_unreachable_database_gives_one_line(env, url, command):
    env["FARM_DATABASE_URL"] = url
    line = one_error_line(farm(env, *command))
    assert "database" in line
    assert "Traceback" not in line


@pytest.mark.parametrize("command", [["create-user", "a", "--role", "viewer", "--password-stdin"],
                                     ["create-token", "a"], ["web", "--port", "1"]])
def test_cli_commands_before_init_db_say_so(env, command):
    line = one_error_line(farm(env, *command))
    assert "init-db" in line


def test_cli_unwritable_instance_folder_gives_one_line(env):
    env["FARM_INSTANCE_PATH"] = "/proc/no-such-dir/instance"
    line = one_error_line(farm(env, "init-db"))
    assert "FARM_SECRET_KEY" in line
    env["FARM_SECRET_KEY"] = "given"
    assert farm(env, "init-db").returncode == 0


def test_cli_web_serves_with_gunicorn_and_stops_on_sigterm(env):
    import json
    import signal
    import time
    import urllib.error
    import urllib.request

    from tests.conftest import free_port

    assert farm(env, "init-db").returncode == 0
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "farm", "web", "--port", str(port)], env=env, cwd=PROJECT_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        body = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    body = json.loads(response.read())
                    break
            except urllib.error.HTTPError as exc:  # 503 while the ingest is not running: still an answer
                body = json.loads(exc.read())
                break
            except OSError:
                time.sleep(0.2)
        assert body is not None, proc.stderr.read() if proc.poll() is not None else "no answer"
        assert body["database"] == "ok"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    assert proc.returncode == 0


@pytest.mark.broker
def test_cli_all_after_ctrl_c_leaves_no_device_marked_online(env, broker, tmp_path):
    """Ctrl-C reaches the whole foreground process group; `all` must still stop the simulator first and let the
    ingest store its devices' "offline" before stopping the rest."""
    import signal
    import time

    from farm.db import Database
    from farm.models.sensors import Device
    from tests.conftest import free_port
    from tests.factories import make_park

    env.update(FARM_MQTT_URL=broker.url, FARM_PORT=str(free_port()), FARM_SECRET_KEY="test-secret")
    assert farm(env, "init-db").returncode == 0
    db = Database(env["FARM_DATABASE_URL"])
    with db.session_scope() as session:
        make_park(session, greenhouses=2)

    def states():
        with db.session_scope() as session:
            return {d.code: d.online for d in session.query(Device)}

    log = open(tmp_path / "all.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "farm", "all"], env=env, cwd=PROJECT_ROOT, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if states() == {"th-001": True, "th-002": True}:
                break
            time.sleep(0.5)
        assert states() == {"th-001": True, "th-002": True}, (tmp_path / "all.log").read_text()
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        assert proc.wait(90) == 0, (tmp_path / "all.log").read_text()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
    assert states() == {"th-001": False, "th-002": False}, (tmp_path / "all.log").read_text()
    db.dispose()
