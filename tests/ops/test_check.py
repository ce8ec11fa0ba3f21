"""`python -m farm check`: each kind of problem is found and named in one line; a sound configuration passes."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest

from farm import preflight
from farm.config import PROJECT_ROOT
from tests.conftest import MOSQUITTO, Broker

pytestmark = pytest.mark.timeout(300)

STRONG = secrets.token_hex(32)


@pytest.fixture
def env(tmp_path, database_url, broker):
    """A sound configuration: the migrated test database, a real broker, a strong key, a writable instance."""
    return {"FARM_DATABASE_URL": database_url, "FARM_MQTT_URL": broker.url, "FARM_SECRET_KEY": STRONG,
            "FARM_INSTANCE_PATH": str(tmp_path / "instance"), "FARM_LANGUAGE": "en"}


def test_check_a_sound_configuration_has_no_problem(env):
    assert preflight.problems(env) == []


def test_check_an_unmigrated_database(env, tmp_path):
    env["FARM_DATABASE_URL"] = f"sqlite:///{tmp_path / 'empty.db'}"
    [line] = preflight.problems(env)
    assert "init-db" in line and line.startswith("Database")


def test_check_an_unreachable_database(env):
    env["FARM_DATABASE_URL"] = "postgresql+psycopg://nobody:pw@127.0.0.1:9/nowhere"
    [line] = preflight.problems(env)
    assert line.startswith("Database: unreachable") and "pw" not in line


def test_check_no_broker(env):
    from tests.conftest import free_port

    env["FARM_MQTT_URL"] = f"mqtt://127.0.0.1:{free_port()}"
    [line] = preflight.problems(env)
    assert line.startswith("MQTT broker: no answer")


@pytest.mark.skipif(MOSQUITTO is None, reason="mosquitto is not installed")
def test_check_the_broker_refuses_wrong_credentials(env, tmp_path):
    folder = tmp_path / "secured"
    folder.mkdir()
    secured = Broker(folder)
    subprocess.run(["mosquitto_passwd", "-b", "-c", str(folder / "passwd"), "farm", "right-password"], check=True)
    secured.conf.write_text(secured.conf.read_text().replace("allow_anonymous true", "allow_anonymous false")
                            + f"password_file {folder / 'passwd'}\n")
    secured.start()
    try:
        env["FARM_MQTT_URL"] = f"mqtt://farm:wrong@127.0.0.1:{secured.port}"
        [line] = preflight.problems(env)
        assert "refused the configured login" in line
        env["FARM_MQTT_URL"] = f"mqtt://farm:right-password@127.0.0.1:{secured.port}"
        assert preflight.problems(env) == []
    finally:
        secured.stop()


@pytest.mark.parametrize("key", ["short", "change-me-please-change-me-please-change-me", "a" * 64, "0123" * 16])
def test_check_a_weak_secret_key(env, key):
    env["FARM_SECRET_KEY"] = key
    [line] = preflight.problems(env)
    assert line.startswith("Secret key")


def test_check_a_generated_secret_key_is_strong(env):
    del env["FARM_SECRET_KEY"]
    assert preflight.problems(env) == []


def test_check_a_bad_time_zone_and_the_rest_still_checked(env):
    env["FARM_TIMEZONE"] = "Mars/Olympus"
    env["FARM_SECRET_KEY"] = "short"
    lines = preflight.problems(env)
    assert len(lines) == 2
    assert "FARM_TIMEZONE" in lines[0] and lines[1].startswith("Secret key")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into any folder")
def test_check_an_instance_folder_not_writable(env, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    env["FARM_BACKUP_DIR"] = str(locked)
    locked.chmod(0o500)
    try:
        [line] = preflight.problems(env)
    finally:
        locked.chmod(0o700)
    assert str(locked) in line and "not writable" in line


def test_check_a_read_only_file_where_the_backup_folder_should_be(env, tmp_path):
    # Works as root too: nobody makes a folder under a plain file.
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    env["FARM_BACKUP_DIR"] = str(blocker / "backups")
    [line] = preflight.problems(env)
    assert "backups" in line and "not writable" in line


def test_check_too_little_free_disk(env):
    [line] = preflight.problems(env, min_free=1 << 62)
    assert line.startswith("Disk: only")


def test_check_speaks_the_park_language(env):
    env["FARM_LANGUAGE"] = "zh_CN"
    env["FARM_SECRET_KEY"] = "short"
    [line] = preflight.problems(env)
    assert line.startswith("密钥")


def test_check_command_exit_codes(env):
    base = {k: v for k, v in os.environ.items() if not k.startswith("FARM_")} | {"PYTHONPATH": str(PROJECT_ROOT)}
    clean = subprocess.run([sys.executable, "-m", "farm", "check"], env=base | env, cwd=PROJECT_ROOT,
                           capture_output=True, text=True, timeout=120)
    assert clean.returncode == 0, clean.stderr
    assert clean.stderr == ""
    bad = subprocess.run([sys.executable, "-m", "farm", "check"], env=base | env | {"FARM_SECRET_KEY": "x",
                         "FARM_TIMEZONE": "Nowhere/Else"}, cwd=PROJECT_ROOT, capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode == 1
    assert len(bad.stderr.strip().splitlines()) == 2
