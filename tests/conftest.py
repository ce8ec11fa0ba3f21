"""Fixtures: a migrated database per backend (SQLite always, PostgreSQL when FARM_TEST_DATABASE_URL is set),
the app and its client, a real Mosquitto broker, and Chromium through Playwright."""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from farm import create_app
from farm.config import Config
from farm.db import Database, make_engine
from farm.migrate import upgrade
from farm.models import metadata

PG_URL = os.environ.get("FARM_TEST_DATABASE_URL")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not PG_URL, reason="FARM_TEST_DATABASE_URL is not set: PostgreSQL tests skipped"))]


def _pg_database(base_url: str):
    """Create a throwaway database next to FARM_TEST_DATABASE_URL's, so parallel runs never collide."""
    url = make_url(base_url)
    name = f"farm_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return url.set(database=name).render_as_string(hide_password=False), admin, name


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    """A migrated, empty database on each backend, for the whole test session."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'farm.db'}"
        upgrade(url)
        yield url
        return
    url, admin, name = _pg_database(PG_URL)
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _empty(database: Database) -> None:
    tables = [t for t in reversed(metadata.sorted_tables)]
    with database.engine.begin() as conn:
        if database.dialect == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def database(database_url):
    """The session's database, emptied after each test."""
    db = Database(database_url)
    yield db
    _empty(db)
    db.dispose()


@pytest.fixture
def config(database_url, tmp_path):
    return Config.from_env(env={}, database_url=database_url, secret_key="test-secret", instance_path=tmp_path)


@pytest.fixture
def app(config, database):
    app = create_app(config, database)
    app.config.update(TESTING=True)
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def session(database):
    """A session for arranging and checking data; commit what a request should see."""
    s = database.session()
    yield s
    s.close()


# --- logging in -------------------------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token a page of ours would put in its forms."""
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    return CSRF_RE.search(page).group(1)


def login(client, username: str, password: str):
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_token(client)})


# --- a real broker ------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


MOSQUITTO = shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None)


class Broker:
    """A Mosquitto process on a free loopback port; restartable to test reconnects."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.proc = None
        conf = workdir / "mosquitto.conf"
        conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
            f"persistence_location {workdir}/\nmax_queued_messages 100000\n"
            # As root, Mosquitto drops to the `mosquitto` user, which cannot write its persistence file here.
            + ("user root\n" if os.geteuid() == 0 else "")
        )
        self.conf = conf

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


@pytest.fixture
def broker(tmp_path):
    """A real Mosquitto on a free port (skipped where the binary is missing)."""
    if MOSQUITTO is None:
        pytest.skip("mosquitto is not installed: broker tests skipped")
    b = Broker(tmp_path)
    b.start()
    yield b
    b.stop()


# --- a real browser ------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (skipped where it is missing)."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed: browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield b
        b.close()


@pytest.fixture
def live_server(app):
    """The app served over HTTP on a free port, in a thread, for the browser."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
