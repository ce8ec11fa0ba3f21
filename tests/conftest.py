"""Fixtures: a migrated database per backend (SQLite always, PostgreSQL when FARM_TEST_DATABASE_URL is set),
the app and its client, the demo park, a frozen clock, one login per role, a real Mosquitto broker, and Chromium
through Playwright.

Speed matters here, since every database test runs on both backends:
- passwords are hashed with one round of PBKDF2 instead of scrypt (`farm.services.users.PASSWORD_METHOD`);
- the migrations run once per run into a template (a SQLite file, a PostgreSQL template database), and each
  pytest-xdist worker copies it;
- the demo park is seeded once per run the same way, and copied into the database of each test that asks for it.
"""
from __future__ import annotations

import fcntl
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from farm import clock, create_app
from farm.config import Config
from farm.db import Database, make_engine
from farm.migrate import upgrade
from farm.models import metadata
from farm.services import users as user_service
from tests.factories import PASSWORD, bearer, make_users, token_for

# Production hashes with scrypt; one PBKDF2 round keeps a login in a test from costing a tenth of a second.
TEST_PASSWORD_METHOD = "pbkdf2:sha256:1"
user_service.PASSWORD_METHOD = TEST_PASSWORD_METHOD

PG_URL = os.environ.get("FARM_TEST_DATABASE_URL")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not PG_URL, reason="FARM_TEST_DATABASE_URL is not set: PostgreSQL tests skipped"))]

# One name per run, shared by the xdist workers (they inherit the environment of the process that starts them),
# for the PostgreSQL template databases; the starting process drops them at the end (pytest_unconfigure).
RUN = os.environ.setdefault("FARM_TEST_RUN", uuid.uuid4().hex[:8])
TEMPLATE_PREFIX = f"farm_test_{RUN}_"

# The moment the demo park is seeded at and its tests run at: the clock stands still there (10:00 in the park).
DEMO_NOW = datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)


# --- the run's shared templates -------------------------------------------------------------------------------

def _shared_dir(tmp_path_factory) -> Path:
    """A folder every xdist worker of this run sees (the run's base temporary folder)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextmanager
def _locked(folder: Path, name: str):
    """Hold a lock across the xdist workers, so one makes a template while the others wait for it."""
    with open(folder / f"{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _admin():
    return make_engine(PG_URL, isolation_level="AUTOCOMMIT")


def _pg_url(name: str) -> str:
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def _pg_create(admin, name: str, template: str | None = None) -> None:
    """CREATE DATABASE, from a template; retried while another worker is still copying the same template."""
    sql = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
    for attempt in range(50):
        try:
            with admin.connect() as conn:
                conn.execute(text(sql))
            return
        except Exception as error:  # "source database is being accessed by other users"
            if "being accessed" not in str(error) or attempt == 49:
                raise
            time.sleep(0.2)


def _pg_drop(admin, name: str) -> None:
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _sqlite_close(url: str) -> None:
    """Fold the write-ahead log into the file, so the file alone is the database and can be copied."""
    with sqlite3.connect(make_url(url).database) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _sqlite_load(template: Path, url: str) -> None:
    """Replace the contents of a SQLite database with a template's, through SQLite's backup (safe while open)."""
    source, target = sqlite3.connect(template), sqlite3.connect(make_url(url).database)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def _migrated_template(backend: str, shared: Path) -> str:
    """The run's migrated, empty database (a file path on SQLite, a database name on PostgreSQL), made once."""
    with _locked(shared, f"migrated-{backend}"):
        if backend == "sqlite":
            path = shared / "migrated.db"
            if not path.exists():
                url = f"sqlite:///{shared / 'migrating.db'}"
                upgrade(url)
                _sqlite_close(url)
                (shared / "migrating.db").rename(path)
            return str(path)
        name = TEMPLATE_PREFIX + "migrated"
        done = shared / f"{name}.done"
        if not done.exists():
            admin = _admin()
            _pg_drop(admin, name)
            _pg_create(admin, name)
            upgrade(_pg_url(name))
            admin.dispose()
            done.touch()
        return name


def _demo_template(backend: str, shared: Path) -> tuple[str, dict]:
    """The run's database holding the demo park, seeded once at DEMO_NOW; with what it holds and how long it took."""
    from farm.demo import seed_demo

    migrated = _migrated_template(backend, shared)
    with _locked(shared, f"demo-{backend}"):
        done = shared / f"demo-{backend}.done"
        name = str(shared / "demo.db") if backend == "sqlite" else TEMPLATE_PREFIX + "demo"
        if not done.exists():
            admin = None
            if backend == "sqlite":
                shutil.copyfile(migrated, name)
                url = f"sqlite:///{name}"
            else:
                admin = _admin()
                _pg_drop(admin, name)  # left by a seeding that failed earlier in this run: start again
                _pg_create(admin, name, template=migrated)
                url = _pg_url(name)
            database = Database(url)
            started = time.monotonic()
            with clock.frozen(DEMO_NOW), database.session_scope() as session:
                summary = seed_demo(session)
            seconds = time.monotonic() - started
            database.dispose()
            if backend == "sqlite":
                _sqlite_close(url)
            else:
                admin.dispose()
            done.write_text(repr({"summary": summary, "seconds": seconds}))
        return name, eval(done.read_text())  # noqa: S307 - written just above by this suite


def pytest_unconfigure(config):
    """The process that started the run drops the run's PostgreSQL templates."""
    if PG_URL and not hasattr(config, "workerinput"):
        admin = _admin()
        try:
            with admin.connect() as conn:
                names = conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                                     {"p": TEMPLATE_PREFIX + "%"}).scalars().all()
            for name in names:
                _pg_drop(admin, name)
        except Exception:  # the server went away: nothing to clean
            pass
        admin.dispose()


# --- the database, the app ------------------------------------------------------------------------------------

@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def database_url(backend, tmp_path_factory):
    """A migrated, empty database on each backend, for the whole test session (each xdist worker has its own)."""
    template = _migrated_template(backend, _shared_dir(tmp_path_factory))
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("db") / "farm.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    # Under the run's prefix, so the end-of-run sweep drops it even when this worker dies before its teardown.
    name = f"{TEMPLATE_PREFIX}w_{uuid.uuid4().hex[:10]}"
    admin = _admin()
    _pg_create(admin, name, template=template)
    yield _pg_url(name)
    _pg_drop(admin, name)
    admin.dispose()


@pytest.fixture(scope="session")
def demo_template(backend, database_url, tmp_path_factory):
    """The demo park seeded once per run (per backend), to copy into the tests that use `demo`."""
    return _demo_template(backend, _shared_dir(tmp_path_factory))


def _load(database_url: str, backend: str, template: str) -> None:
    """Replace the session database's contents with a template's (before any connection of the test is made)."""
    if backend == "sqlite":
        _sqlite_load(Path(template), database_url)
        return
    admin = _admin()
    name = make_url(database_url).database
    _pg_drop(admin, name)
    _pg_create(admin, name, template=template)
    admin.dispose()


_TABLES = list(reversed(metadata.sorted_tables))  # children before parents
# The tables holding rows, in one round trip: most tests write to a handful of the tables.
_USED = " UNION ALL ".join(f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")" for t in _TABLES)
# Every sequence back to 1, as TRUNCATE ... RESTART IDENTITY would.
_RESTART = ("SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false) FROM pg_sequences "
            "WHERE schemaname = current_schema() AND last_value IS NOT NULL")


def _empty(database: Database) -> None:
    """Delete every row a test left, and restart the ids.

    On PostgreSQL, deleting from the few tables that hold rows is several times quicker than a TRUNCATE of all
    of them (which makes new files for every table and index)."""
    with database.engine.begin() as conn:
        if database.dialect == "postgresql":
            used = set(conn.execute(text(_USED)).scalars())
            for table in _TABLES:
                if table.name in used:
                    conn.execute(table.delete())
            conn.execute(text(_RESTART))
        else:
            for table in _TABLES:
                conn.execute(table.delete())


@pytest.fixture
def database(request, backend, database_url):
    """The session's database, emptied after each test; holding the demo park for tests that use `demo`."""
    demo = "demo" in request.fixturenames
    if demo:
        _load(database_url, backend, request.getfixturevalue("demo_template")[0])
    db = Database(database_url)
    yield db
    if demo:
        # Copying the empty template back is quicker than deleting the demo's many rows.
        db.dispose()
        _load(database_url, backend, _migrated_template(backend, _shared_dir(request.getfixturevalue("tmp_path_factory"))))
        return
    _empty(db)
    db.dispose()


@pytest.fixture
def demo(database, demo_template):
    """The demo park in this test's database (seeded once per run and copied), with the clock at DEMO_NOW.

    Gives what the seeding made (`summary`) and how long it took (`seconds`)."""
    with clock.frozen(DEMO_NOW):
        yield demo_template[1]


class FrozenClock:
    """The park's clock, stopped for one test; `advance` and `set` move it."""

    def __init__(self, at: datetime):
        self.set(at)

    def set(self, at: datetime) -> datetime:
        self.at = at
        clock.freeze(at)
        return at

    def advance(self, **delta) -> datetime:
        return self.set(self.at + timedelta(**delta))

    def now(self) -> datetime:
        return self.at

    def today(self):
        return clock.park_day(self.at)


@pytest.fixture
def frozen_clock():
    """The clock stopped at the moment the test starts (to the second): "now" and "today" cannot move under it."""
    frozen = FrozenClock(clock.now().replace(microsecond=0))
    try:
        yield frozen
    finally:
        clock.freeze(None)


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


# --- logins -------------------------------------------------------------------------------------------------

@pytest.fixture
def users(session) -> dict:
    """One login per role, named after the role, with the password factories.PASSWORD; committed."""
    made = make_users(session)
    session.commit()
    return made


@pytest.fixture
def tokens(session, users) -> dict:
    """Bearer headers per role, for the logins of `users`."""
    return {role: bearer(token_for(session, user)) for role, user in users.items()}


@pytest.fixture
def auth(session, farm) -> dict:
    """Bearer headers per role, for the logins of the area's `farm` fixture."""
    return {role: bearer(token_for(session, user)) for role, user in farm.users.items()}


# --- logging in -------------------------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token a page of ours would put in its forms."""
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    return CSRF_RE.search(page).group(1)


def login(client, username: str, password: str, base_url: str = "http://localhost"):
    """Log in through the login form; `base_url` is the address the browser opened the site at."""
    page = client.get("/login", base_url=base_url, follow_redirects=True).get_data(as_text=True)
    return client.post("/login", base_url=base_url, data={"username": username, "password": password,
                                                          "csrf_token": CSRF_RE.search(page).group(1)})


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
            if self.proc.poll() is not None:
                break
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            except OSError:
                time.sleep(0.05)
                continue
            # Something answers; make sure it is ours and not another worker's broker that took the port first.
            time.sleep(0.1)
            if self.proc.poll() is None:
                return
            break
        raise RuntimeError(f"mosquitto did not start on port {self.port} (the port may be taken)")

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
PHONE = {"width": 360, "height": 740}  # the smallest phone the pages must fit
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (skipped where it is missing)."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed: browser tests skipped")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=15_000)  # as long as the pages' own default: CI shares two cores between two workers
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


def log_in(page, base: str, username: str, password: str = PASSWORD) -> None:
    """Log in through the login page in a browser tab."""
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("form button[type=submit].primary")


@pytest.fixture
def phone(browser):
    """A 360 px touch phone whose browser asks for Chinese: (context, page), under the pages' real
    Content-Security-Policy (see tests/test_browser_rules.py for what that asks of a test)."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", has_touch=True, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield context, page
    context.close()
