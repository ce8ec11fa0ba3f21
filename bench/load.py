"""The morning rush against the running system, started the way production runs it (`bench/load.py --help`).

It makes everything itself and removes it at the end: a scratch database (bench/scratch.py: a SQLite file, or a
PostgreSQL database created beside the one a URL names and dropped), a private Mosquitto on a free port, the
schema and the demo park through `python -m farm init-db` and `seed-demo`, worker and manager logins made for the
run, then the three processes with exactly the ExecStart lines of deploy/systemd/ (gunicorn with the deploy's
default worker count, the ingest, the scheduler) and the simulator at one message every 10 s per greenhouse.

For `--minutes` (10 by default):
- each worker logs a harvest every 20-40 s through the endpoint the phone page sends its queue to
  (`POST /api/v1/harvests` with the page's session, its CSRF token and a fresh Idempotency-Key, the phone's body),
  now and then sending the same save again as a phone that lost the answer does (a save that got no answer waits
  and goes again with its key before the next one, as the phone's queue sends it), then checks the day's list
  (`GET /harvest`, the page that lists what they logged today); logging in and first opening that page come
  before the rush and are reported apart;
- each manager opens the dashboard, the park overview, a greenhouse page and the yield report, a page every
  5-15 s.

It prints p50/p95/p99 per request kind, the errors (any answer but the expected one, a timeout, a refused
connection, or "database is locked", a traceback or an error logged by any process, a failed scheduled job, or
harvests stored other than once: all must be 0), the ingest's lag (the time from a simulator tick to the moment its readings are all stored, and the
age of the newest stored reading, sampled), and, beside them, what shows the load generator is not the limit: its
own CPU time, how late it woke against its plan, and the rate it reaches against a static file at the end. Exit
status 1 when there was any error.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import secrets
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.scratch import scratch_urls  # noqa: E402
from sensors.broker import answers, mosquitto_binary, mosquitto_config  # noqa: E402

PASSWORD = "load-run-password-2026"
TIMEOUT = 30  # seconds a request of the rush may take before it counts as an error (a timeout)
SETUP_TIMEOUT = 120  # for logging in before the rush, not measured
UNITS = ("web", "ingest", "scheduler")
# Lines of the processes' logs that are errors whatever the answers said.
LOG_ERRORS = re.compile(r"database is locked|Traceback|\bERROR\b|\bCRITICAL\b|deadlock", re.IGNORECASE)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unit_command(part: str) -> list[str]:
    """The ExecStart line of deploy/systemd/farm-PART.service, with the install's Python replaced by this one."""
    text = (ROOT / "deploy" / "systemd" / f"farm-{part}.service").read_text()
    line = next(raw.split("=", 1)[1] for raw in text.splitlines() if raw.startswith("ExecStart="))
    return [sys.executable if word == "/opt/farm/.venv/bin/python" else word.replace("/opt/farm", str(ROOT))
            for word in shlex.split(line)]


def environment(database_url: str, mqtt_port: int, folder: Path) -> dict[str, str]:
    """The environment file of deploy/ with this run's database, broker, ports and folders.

    There is no nginx in front here, so the settings for running behind it (secure cookies, the proxy count) are left
    out: the load reaches gunicorn directly over plain HTTP, as nginx does. Every other setting keeps the shipped value,
    the number of web workers included."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FARM_", "PROMETHEUS_"))}
    for raw in (ROOT / "deploy" / "farm.env.example").read_text().splitlines():
        if raw.strip() and not raw.startswith("#"):
            key, value = raw.split("=", 1)
            env[key] = value
    for key in ("FARM_HTTPS", "FARM_PROXIES", "FARM_PUBLIC_URL"):
        env.pop(key, None)
    (folder / "instance").mkdir()
    env.update({
        "FARM_DATABASE_URL": database_url,
        "FARM_MQTT_URL": f"mqtt://127.0.0.1:{mqtt_port}",
        "FARM_SECRET_KEY": secrets.token_hex(32),
        "FARM_INSTANCE_PATH": str(folder / "instance"),
        "FARM_BACKUP_DIR": str(folder / "instance" / "backups"),
        "FARM_PORT": str(free_port()),
        "FARM_INGEST_METRICS_PORT": str(free_port()),
        "FARM_SCHEDULER_METRICS_PORT": str(free_port()),
    })
    return env


# --- the system ------------------------------------------------------------------------------------------------

class System:
    """The broker and the park's processes for one run; `stop()` ends each one it started, by its own id."""

    def __init__(self, database_url: str, folder: Path):
        self.folder = folder
        self.mqtt_port = free_port()
        self.env = environment(database_url, self.mqtt_port, folder)
        self.base = f"http://127.0.0.1:{self.env['FARM_PORT']}"
        self.procs: dict[str, subprocess.Popen] = {}

    def farm(self, *args: str) -> None:
        """Run one `python -m farm` command to its end, failing loudly."""
        done = subprocess.run([sys.executable, "-m", "farm", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"`farm {' '.join(args)}` failed:\n{done.stdout}{done.stderr}")

    def _start(self, name: str, argv: list[str]) -> None:
        log = (self.folder / f"{name}.log").open("w")
        self.procs[name] = subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)

    def start_broker(self) -> None:
        binary = mosquitto_binary()
        if binary is None:
            raise SystemExit("mosquitto is not installed (apt-get install mosquitto; PATH=/usr/sbin:$PATH)")
        folder = self.folder / "mosquitto"
        folder.mkdir()
        (folder / "mosquitto.conf").write_text(mosquitto_config(self.mqtt_port, "127.0.0.1", folder))
        self._start("mosquitto", [binary, "-c", str(folder / "mosquitto.conf")])
        self._wait(lambda: answers("127.0.0.1", self.mqtt_port, 0.2), 20, "mosquitto")

    def start_units(self) -> None:
        for part in UNITS:
            self._start(part, unit_command(part))
        self._wait(lambda: _ok(self.base + "/healthz"), 120, "the web app")

    def start_simulator(self, interval: float) -> None:
        self._start("simulator", [sys.executable, "-m", "farm", "simulate", "--interval", str(interval)])

    def _wait(self, ready, seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if ready():
                return
            dead = [n for n, p in self.procs.items() if p.poll() is not None]
            if dead:
                raise SystemExit(f"{', '.join(dead)} exited early:\n" + self.tail(dead[0]))
            time.sleep(0.2)
        raise SystemExit(f"{what} did not start within {seconds:.0f} s")

    def tail(self, name: str, lines: int = 20) -> str:
        return "\n".join((self.folder / f"{name}.log").read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """The simulator first, then the three processes, the broker last (so the ingest can acknowledge)."""
        order = ["simulator", *UNITS, "mosquitto"]
        for group in (order[:1], order[1:4], order[4:]):
            procs = [self.procs[n] for n in group if n in self.procs]
            for proc in procs:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in procs:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()

    def log_errors(self) -> list[str]:
        """Error lines from every process's log."""
        found = []
        for name in self.procs:
            if name == "mosquitto":
                continue
            for line in (self.folder / f"{name}.log").read_text(errors="replace").splitlines():
                if LOG_ERRORS.search(line):
                    found.append(f"{name}: {line.strip()[:300]}")
        return found


def _ok(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


# --- the park's people -----------------------------------------------------------------------------------------

def make_people(database_url: str, tz: str, workers: int, managers: int) -> tuple[list[str], list[str], list[str]]:
    """Worker and manager logins for the run (through the users service, as an admin makes them), and the
    greenhouses a worker can log a harvest in now: planted, with no spray's pre-harvest interval running."""
    from zoneinfo import ZoneInfo

    from farm import clock
    from farm.db import Database
    from farm.services import harvest, sprays, users

    clock.configure(ZoneInfo(tz))  # the park's day, for which plantings and sprays are current
    db = Database(database_url)
    # One scrypt hash for every login: the same cost at each login as its own would have, without 90 of them here.
    hashed, real_hash = users.hash_password(PASSWORD), users.hash_password
    users.hash_password = lambda _password: hashed
    try:
        with db.session_scope() as session:
            worker_names = [users.create_user(session, f"load-w{n:03d}", "worker", PASSWORD,
                                              display_name=f"采收工{n:03d}").username for n in range(workers)]
            manager_names = [users.create_user(session, f"load-m{n:02d}", "manager", PASSWORD).username
                             for n in range(managers)]
            some_worker = users.get_by_username(session, worker_names[0]) if worker_names else None
            houses = harvest.greenhouses_for_logging(session, some_worker) if some_worker else []
            blocked = sprays.running(session, [gh.id for gh, _planting in houses])
            open_houses = [gh.code for gh, _planting in houses if gh.id not in blocked]
    finally:
        users.hash_password = real_hash
        db.dispose()
    if workers and not open_houses:
        raise SystemExit("the demo park has no greenhouse a worker may harvest in now")
    return worker_names, manager_names, open_houses


# --- measuring -------------------------------------------------------------------------------------------------

class Record:
    """Every request's kind, time and outcome, and the errors with their reason; shared by all threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.late: list[float] = []  # how late the generator woke against its plan, seconds

    def call(self, kind: str, session: requests.Session, method: str, url: str, expect: tuple[int, ...],
             timeout: float = TIMEOUT, **kw):
        """One request, timed and judged; the response, or None when it failed."""
        started = time.perf_counter()
        try:
            response = session.request(method, url, timeout=timeout, allow_redirects=False, **kw)
        except requests.RequestException as exc:
            self.fail(kind, f"{type(exc).__name__}: {str(exc)[:200]}")
            return None
        elapsed = time.perf_counter() - started
        with self.lock:
            self.times[kind].append(elapsed)
        if response.status_code not in expect:
            self.fail(kind, f"{method} {url.split('//', 1)[-1].split('/', 1)[-1]} answered "
                            f"{response.status_code}: {response.text[:200]!r}")
            return None
        if "database is locked" in response.text:
            self.fail(kind, "the answer says: database is locked")
            return None
        return response

    def fail(self, kind: str, reason: str) -> None:
        with self.lock:
            self.errors[kind].append(reason)

    def was_late(self, due: float) -> None:
        with self.lock:
            self.late.append(max(0.0, time.monotonic() - due))

    def error_count(self) -> int:
        return sum(len(v) for v in self.errors.values())


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))] if ordered else float("nan")


def browser() -> requests.Session:
    """A browser's cookies, sent over a new connection for each request: nginx (deploy/nginx) reaches gunicorn so,
    one connection per request, whatever the phones keep open to nginx."""
    session = requests.Session()
    session.headers["Connection"] = "close"
    return session


def logged_in(record: Record, base: str, username: str) -> requests.Session | None:
    """A browser's session logged in through the login form."""
    session = browser()
    page = record.call("setup: login page", session, "GET", base + "/login", (200,), SETUP_TIMEOUT)
    if page is None:
        return None
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    if token is None:
        record.fail("setup: login", "no CSRF token on the login page")
        return None
    done = record.call("setup: login", session, "POST", base + "/login", (302, 303), SETUP_TIMEOUT,
                       data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)})
    return session if done is not None else None


def opened(record: Record, base: str, session: requests.Session | None, house: str) -> str | None:
    """A worker's harvest page opened at their greenhouse's QR code: the CSRF token its script sends saves with."""
    page = (record.call("setup: harvest page", session, "GET", base + f"/harvest?gh={house}", (200,), SETUP_TIMEOUT)
            if session else None)
    return page_token(page.text) if page is not None else None


def page_token(text: str) -> str | None:
    """The CSRF token a page carries for its scripts (base.html's meta tag)."""
    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', text)
    return found.group(1) if found else None


class Rush:
    """The workers' and managers' loops until `end` (monotonic)."""

    def __init__(self, record: Record, base: str, houses: list[str], tokens: list[str | None], end: float,
                 stop: threading.Event):
        self.record, self.base, self.houses, self.end, self.stop = record, base, houses, end, stop
        self.tokens = tokens  # each worker's page's CSRF token, from opening it before the rush
        self.saved: set[int] = set()  # ids of the harvests stored, for the final count
        self.unanswered = 0  # entries still waiting on a phone at the end (stored or not)
        self.lock = threading.Lock()

    def spread(self, seconds: float) -> float:
        """How long the first requests are spread over: `seconds`, or half of a shorter run."""
        return min(seconds, (self.end - time.monotonic()) / 2)

    def _sleep_until(self, due: float) -> bool:
        """Wait for the planned moment; False when the run ends first."""
        if due >= self.end or time.monotonic() >= self.end:  # a slow server leaves `due` behind the clock
            return False
        sleeps = due > time.monotonic()  # else the server's answers took longer than the pause: not our lateness
        if self.stop.wait(max(0.0, due - time.monotonic())):
            return False
        if sleeps:
            self.record.was_late(due)
        return True

    def worker(self, n: int, session: requests.Session) -> None:
        rng = random.Random(n)
        base, record = self.base, self.record
        home = self.houses[n % len(self.houses)]
        csrf = self.tokens[n]
        due = time.monotonic() + rng.uniform(0, self.spread(30))  # the workers come in over the first half minute
        waiting: list[tuple[str, dict]] = []
        while csrf and self._sleep_until(due):
            weight = f"{rng.uniform(3, 40):.3f}"
            body = {"greenhouse": home, "weight_kg": weight, "grade": rng.choice(["premium", "grade1", "grade1",
                                                                                   "grade2", "offgrade"]),
                    "harvested_at": datetime.now(timezone.utc).isoformat(timespec="milliseconds")}
            if rng.random() < 0.5:
                body["crates"] = rng.randint(1, 6)
            if rng.random() < 0.1:
                body["note"] = "早班"
            waiting.append((str(uuid.uuid4()), body))
            # The phone's queue: each waiting entry in order, with its own key; one that got no answer waits for
            # the next save (the server may have stored it: the key makes the second sending store nothing more).
            while waiting:
                key, entry = waiting[0]
                headers = {"X-CSRFToken": csrf, "Idempotency-Key": key, "Accept": "application/json"}
                saved = record.call("worker: log harvest", session, "POST", base + "/api/v1/harvests", (200, 201),
                                    json=entry, headers=headers)
                if saved is None:
                    break
                waiting.pop(0)
                first = saved.json()["id"]
                with self.lock:
                    self.saved.add(first)
                if rng.random() < 0.05:  # the answer was lost on the way: the phone sends the same save again
                    again = record.call("worker: resend (same key)", session, "POST", base + "/api/v1/harvests",
                                        (200,), json=entry, headers=headers)
                    if again is not None and again.json()["id"] != first:
                        record.fail("worker: resend (same key)", f"stored twice: {first} and {again.json()['id']}")
            listed = record.call("worker: day's list", session, "GET", base + f"/harvest?gh={home}", (200,))
            if listed is not None:
                csrf = page_token(listed.text) or csrf
            due += rng.uniform(20, 40)
        with self.lock:
            self.unanswered += len(waiting)

    def manager(self, n: int, session: requests.Session) -> None:
        rng = random.Random(1000 + n)
        pages = [("manager: dashboard", "/dashboard"), ("manager: park overview", "/park"),
                 ("manager: greenhouse page", None), ("manager: yield report", "/reports/yield")]
        due = time.monotonic() + rng.uniform(0, self.spread(10))
        turn = n
        while self._sleep_until(due):
            kind, path = pages[turn % len(pages)]
            if path is None:
                path = f"/greenhouses/GH-{rng.randint(1, 104):03d}"
            self.record.call(kind, session, "GET", self.base + path, (200,))
            turn += 1
            due += rng.uniform(5, 15)


class IngestWatch:
    """The ingest's lag, from the database: for each simulator tick (its readings share the tick's time), how long
    after that time all of its readings were stored; and the age of the newest stored reading, sampled."""

    def __init__(self, database_url: str, stop: threading.Event, every: float = 0.25):
        from farm.db import Database

        self.db = Database(database_url)
        self.stop, self.every = stop, every
        self.ticks: dict[datetime, tuple[int, float]] = {}  # tick time -> (readings stored, when the count last grew)
        self.ages: list[float] = []
        self.failures: list[str] = []
        self.measuring = False
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        from sqlalchemy import func, select

        from farm.models.sensors import LatestReading

        query = (select(LatestReading.ts, func.count()).group_by(LatestReading.ts)
                 .order_by(LatestReading.ts.desc()).limit(3))
        while not self.stop.wait(self.every):
            try:
                with self.db.engine.connect() as conn:
                    rows = conn.execute(query).all()
            except Exception as exc:  # noqa: BLE001 - a failed look is a finding, reported with the errors
                self.failures.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
                continue
            now = time.time()
            for ts, count in rows:
                ts = ts if ts.tzinfo else ts.replace(tzinfo=timezone.utc)
                seen = self.ticks.get(ts)
                if seen is None or count > seen[0]:
                    self.ticks[ts] = (count, now)
            if rows and self.measuring:
                newest = rows[0][0] if rows[0][0].tzinfo else rows[0][0].replace(tzinfo=timezone.utc)
                self.ages.append(now - newest.timestamp())

    def lags(self, since: float, until: float) -> list[float]:
        """Seconds from each tick to its last stored reading, for the ticks within the measured window."""
        return [stored - ts.timestamp() for ts, (_count, stored) in self.ticks.items()
                if since <= ts.timestamp() <= until]


def static_rate(base: str, seconds: float, threads: int = 8) -> tuple[int, float]:
    """Requests a second this generator reaches against a static file (the smallest work the server does)."""
    path = "/static/css/app.css"
    end = time.monotonic() + seconds
    counts = [0] * threads

    def hammer(i: int) -> None:
        session = browser()
        while time.monotonic() < end:
            if session.get(base + path, timeout=TIMEOUT).status_code == 200:
                counts[i] += 1

    started = time.monotonic()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(hammer, range(threads)))
    return sum(counts), sum(counts) / (time.monotonic() - started)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def job_failures(port: str) -> float:
    """Failed scheduled runs counted by the scheduler's metrics."""
    try:
        text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    except requests.RequestException:
        return 0.0
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("farm_job_failures_total"))


# --- the run ---------------------------------------------------------------------------------------------------

def run(args) -> dict:
    """Start everything, run the rush, stop everything; the figures."""
    folder = Path(tempfile.mkdtemp(prefix="farm-load-"))
    (url,), drop = scratch_urls(args.database_url, folder, ("load",))
    system = System(url, folder)
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    stop = threading.Event()
    watch = None
    try:
        say(f"scratch {backend} database; logs in {folder}")
        system.start_broker()
        system.farm("init-db")
        system.farm("seed-demo")
        say("schema and demo park ready")
        workers, managers, houses = make_people(url, system.env["FARM_TIMEZONE"], args.workers,
                                                 args.managers)
        say(f"{len(workers)} worker and {len(managers)} manager logins made; {len(houses)} greenhouses open to "
            "harvest")
        system.start_units()
        for part in UNITS:
            say(f"  farm-{part}: {shlex.join(unit_command(part))}")
        system.start_simulator(args.interval)
        say("the three processes answer; the simulator publishes")
        watch = IngestWatch(url, stop)
        watch.thread.start()
        record = Record()
        # Before the rush, as the phones did when the shift began: log in and open the page. Each login is a scrypt
        # hash on the server, so a few at a time, with time to spare on a busy machine.
        with ThreadPoolExecutor(4) as pool:
            sessions = list(pool.map(lambda name: logged_in(record, system.base, name), workers + managers))
            tokens = list(pool.map(lambda n: opened(record, system.base, sessions[n], houses[n % len(houses)]),
                                   range(len(workers))))
        if record.error_count():
            raise SystemExit("logging in failed: " + json.dumps(record.errors, ensure_ascii=False)[:2000])
        setup = {kind: record.times.pop(kind) for kind in list(record.times)}
        say("logged in; the rush starts" + (f" for {args.minutes:g} minutes" if args.minutes else ""))

        loads = [os.getloadavg()[0]]
        cpu_before, wall_before, start_wall = cpu_seconds(), time.monotonic(), time.time()
        end = time.monotonic() + args.minutes * 60
        rush = Rush(record, system.base, houses, tokens, end, stop)
        watch.measuring = True
        threads = [threading.Thread(target=rush.worker, args=(n, s), daemon=True)
                   for n, s in enumerate(sessions[:len(workers)])]
        threads += [threading.Thread(target=rush.manager, args=(n, s), daemon=True)
                    for n, s in enumerate(sessions[len(workers):])]
        for t in threads:
            t.start()
        while time.monotonic() < end:
            time.sleep(min(5.0, max(0.0, end - time.monotonic())))
            loads.append(os.getloadavg()[0])
        for t in threads:
            t.join(TIMEOUT + 5)
        watch.measuring = False
        wall, cpu = time.monotonic() - wall_before, cpu_seconds() - cpu_before
        end_wall = time.time()
        # The readings published up to the end: wait (a while) for the ingest to store them before judging the lag.
        time.sleep(min(15.0, args.interval + 5))
        issued = sum(len(v) for v in record.times.values())
        static_count, static_per_s = static_rate(system.base, args.static_seconds)
        failed_jobs = job_failures(system.env["FARM_SCHEDULER_METRICS_PORT"])
        stored = count_harvests(url)
    finally:
        stop.set()
        system.stop()
        if watch is not None:
            watch.db.dispose()
        drop()
    log_errors = system.log_errors()
    lags = watch.lags(start_wall, end_wall - args.interval)
    errors = {k: v for k, v in record.errors.items() if v}
    if log_errors:
        errors["process logs"] = log_errors
    if watch.failures:
        errors["lag probe"] = watch.failures
    if failed_jobs:
        errors["scheduled jobs"] = [f"{failed_jobs:g} failed runs (farm_job_failures_total)"]
    if not len(rush.saved) <= stored <= len(rush.saved) + rush.unanswered:
        errors["stored harvests"] = [f"{stored} stored for {len(rush.saved)} saves answered and "
                                     f"{rush.unanswered} left unanswered"]
    if errors:
        say(f"the processes' logs are kept in {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)  # the SQLite scratch file and the logs with it
    return {
        "database": backend, "minutes": args.minutes, "workers": len(workers), "managers": len(managers),
        "web_workers": int(system.env.get("FARM_WEB_WORKERS", "2")), "interval": args.interval,
        "kinds": {kind: figures(t, len(record.errors[kind])) for kind, t in sorted(record.times.items())},
        "setup": {kind: figures(t, 0) for kind, t in setup.items()},
        "errors": sum(len(v) for v in errors.values()), "error_lines": {k: v[:10] for k, v in errors.items()},
        "harvests_saved": len(rush.saved),
        "ingest": {"ticks": len(lags), "lag_p50_s": pct(lags, 50), "lag_p95_s": pct(lags, 95),
                   "lag_max_s": max(lags) if lags else float("nan"),
                   "newest_age_p50_s": pct(watch.ages, 50), "newest_age_max_s": max(watch.ages, default=float("nan"))},
        "generator": {"requests": issued, "per_s": issued / wall, "cpu_s": cpu, "cpu_share": cpu / wall,
                      "late_p99_ms": pct(record.late, 99) * 1000, "late_max_ms": max(record.late, default=0) * 1000,
                      "static_per_s": static_per_s, "static_requests": static_count},
        "load": {"min": min(loads), "mean": statistics.mean(loads), "max": max(loads)},
    }


def figures(times: list[float], errors: int) -> dict:
    return {"count": len(times), "p50_ms": pct(times, 50) * 1000, "p95_ms": pct(times, 95) * 1000,
            "p99_ms": pct(times, 99) * 1000, "max_ms": max(times) * 1000, "errors": errors}


def count_harvests(url: str) -> int:
    """Harvests entered by this run's workers."""
    from sqlalchemy import func, select

    from farm.db import Database
    from farm.models.auth import User
    from farm.models.harvest import Harvest

    db = Database(url)
    try:
        with db.session_scope() as session:
            return session.scalar(select(func.count()).select_from(Harvest).join(User, Harvest.entered_by_id == User.id)
                                  .where(User.username.like("load-w%")))
    finally:
        db.dispose()


STARTED = time.monotonic()


def say(text: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f} s] {text}", flush=True)


def report(r: dict) -> None:
    print(f"\nMorning rush on {r['database']}: {r['workers']} workers, {r['managers']} managers, the simulator at one "
        f"message every {r['interval']:g} s per greenhouse, {r['minutes']:g} min, gunicorn with {r['web_workers']} "
        f"workers")
    print(f"load average during the run: {r['load']['min']:.1f}-{r['load']['max']:.1f} (mean {r['load']['mean']:.1f}) "
        f"on {os.cpu_count()} cores")
    print(f"\n{'request':<28}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}")
    for kind, k in [*r["kinds"].items(), *r["setup"].items()]:
        print(f"{kind:<28}{k['count']:>7}{k['p50_ms']:>9.0f}{k['p95_ms']:>9.0f}{k['p99_ms']:>9.0f}{k['max_ms']:>9.0f}"
            f"{k['errors']:>8}")
    i, g = r["ingest"], r["generator"]
    print(f"\nharvests saved: {r['harvests_saved']}")
    print(f"ingest lag, tick to all of its readings stored: p50 {i['lag_p50_s']:.2f} s, p95 {i['lag_p95_s']:.2f} s, "
        f"max {i['lag_max_s']:.2f} s over {i['ticks']} ticks; newest stored reading's age: p50 "
        f"{i['newest_age_p50_s']:.1f} s, max {i['newest_age_max_s']:.1f} s (ticks every {r['interval']:g} s)")
    print(f"load generator: {g['requests']} requests ({g['per_s']:.1f}/s) for {g['cpu_s']:.1f} s of its CPU "
        f"({g['cpu_share']:.1%} of one core); woke late against its plan by p99 {g['late_p99_ms']:.0f} ms, max "
        f"{g['late_max_ms']:.0f} ms; against a static file it reaches {g['static_per_s']:.0f} requests/s")
    print(f"\nerrors: {r['errors']}")
    for kind, lines in r["error_lines"].items():
        for line in lines:
            print(f"  {kind}: {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="sqlite",
                        help="sqlite (default), or a PostgreSQL URL whose server gets a scratch database")
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the rush (default 10)")
    parser.add_argument("--workers", type=int, default=80)
    parser.add_argument("--managers", type=int, default=10)
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between a greenhouse's messages")
    parser.add_argument("--static-seconds", type=float, default=5.0,
                        help="how long to measure the generator's own rate against a static file at the end")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.minutes <= 0 or args.workers < 0 or args.managers < 0 or args.interval <= 0:
        parser.error("--minutes and --interval must be above zero, --workers and --managers not below")
    # Stopped by a signal (a background job ignores Ctrl-C's SIGINT): still stop every process and drop the database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped by SIGTERM"))
    signal.signal(signal.SIGINT, lambda *_: sys.exit("stopped by SIGINT"))
    figures = run(args)
    report(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1))
    return 1 if figures["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
