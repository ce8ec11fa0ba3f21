"""`python -m farm COMMAND`: every process of the park (README, Processes) and the operators' commands.

Each command loads the one Config (which also sets the log level) and exits non-zero with one `error: ...` line
when it cannot start.
"""
from __future__ import annotations

import getpass
import logging
import signal
import subprocess
import sys
import time

import click
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from farm.config import Config, ConfigError
from farm.db import Database
from farm.errors import DomainError
from farm.vocab import Role


def fail(reason: str, code: int = 1):
    """Stop with one line saying why."""
    click.echo(f"error: {reason}", err=True)
    sys.exit(code)


def load_config() -> Config:
    """The Config from the environment, with logging set to its level; exit 2 with the reason when it is bad."""
    try:
        config = Config.from_env()
    except ConfigError as exc:
        fail(str(exc), 2)
    setup_logging(config.log_level)
    return config


def open_database(config: Config, migrate: bool = False, check_schema: bool = True) -> Database:
    """The database, checked reachable and upgraded (when asked) or up to date, or exit with a reason."""
    from alembic.util import CommandError

    from farm import clock, park_language
    from farm.services import backups, notify_channels

    clock.configure(config.tz)
    notify_channels.configure(config.allow_local_webhook)
    park_language.configure(config.language)
    backups.configure(config.backups)
    try:
        db = Database(config.database_url)
        db.ping()
        from farm.migrate import is_current, upgrade

        if migrate:
            upgrade(config.database_url)
        elif check_schema and not is_current(db.engine):
            fail("the database schema is missing or out of date: run `python -m farm init-db` first")
    except (SQLAlchemyError, CommandError, OSError, ImportError) as exc:
        reason = getattr(exc, "orig", None) or exc
        first = (str(reason).strip().splitlines() or [type(reason).__name__])[0]
        fail(f"database unreachable at {safe_url(config.database_url)}: {first}")
    return db


def safe_url(url: str) -> str:
    """A database URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except SQLAlchemyError:
        return "the configured FARM_DATABASE_URL"


def setup_logging(level: str) -> None:
    """One log format for every process, at FARM_LOG_LEVEL; the libraries' chatter only from warnings up."""
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


@click.group()
def main():
    """Greenhouse park management: web app, MQTT ingest, scheduler and simulator."""


@main.command("init-db")
def init_db():
    """Create or upgrade the schema (Alembic migrations)."""
    config = load_config()
    open_database(config, migrate=True)
    click.echo(f"database ready: {safe_url(config.database_url)}")


@main.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Exit 0 without a change when a park is already there.")
def seed_demo(if_empty: bool):
    """Load the demo park into an empty database."""
    from farm.demo import DEMO_LOGINS, ParkExists
    from farm.demo import seed_demo as seed

    config = load_config()
    db = open_database(config, migrate=True)
    try:
        with db.session_scope() as session:
            summary = seed(session, park_code=config.park)
    except ParkExists as exc:
        if if_empty:
            return
        fail(str(exc))
    click.echo("demo park loaded: " + ", ".join(f"{k} {v}" for k, v in summary.items()))
    print_logins(DEMO_LOGINS)


def print_logins(logins) -> None:
    """The demo logins, one per line."""
    click.echo("demo logins (change them before real use):")
    for username, role, password in logins:
        click.echo(f"  {role:<8} {username} / {password}")


def read_password(from_stdin: bool) -> str:
    """The new password: one line of standard input, else typed twice at a prompt (never a command-line
    argument, which every user of the machine can read in the process list)."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            fail("no password on standard input")
        return password
    password = getpass.getpass("Password: ")
    if password != getpass.getpass("Repeat: "):
        fail("the passwords differ")
    return password


@main.command("create-user")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(Role.values()))
@click.option("--password-stdin", is_flag=True, help="Read the password as one line from standard input.")
@click.option("--password", default=None, hidden=True, help="Deprecated: shows the password in the process list.")
@click.option("--worker", "worker_id", type=int, default=None, help="The worker record a worker login belongs to.")
def create_user(username: str, role: str, password_stdin: bool, password: str | None, worker_id: int | None):
    """Make a login; the password is prompted for, or read from standard input with --password-stdin."""
    from farm.services import users

    config = load_config()
    db = open_database(config)
    if password is not None:
        click.echo("warning: --password shows the password in the process list; use --password-stdin or the "
                   "prompt", err=True)
    else:
        password = read_password(password_stdin)
    try:
        with db.session_scope() as session:
            user = users.create_user(session, username, role, password, worker_id)
            line = f"created {role} {user.username}" + (f" (worker {user.worker_id})" if user.worker_id else "")
    except DomainError as exc:
        fail(str(exc.message))
    click.echo(line)


@main.command("create-token")
@click.argument("username")
@click.option("--name", default="cli", help="What the token is for (shown on the tokens page).")
@click.option("--expires-days", type=click.IntRange(1, 36500), default=None, help="Days until it ends (default: never).")
def create_token(username: str, name: str, expires_days: int | None):
    """Print a new API token for the user (as the last line)."""
    from datetime import timedelta

    from farm import clock
    from farm.services import users

    config = load_config()
    db = open_database(config)
    try:
        with db.session_scope() as session:
            user = users.get_by_username(session, username)
            if not user.active:
                fail(f"the login {user.username} is inactive; an administrator can activate it first")
            expires = clock.now() + timedelta(days=expires_days) if expires_days else None
            token = users.create_token(session, user, name=name, expires_at=expires)
    except DomainError as exc:
        fail(str(exc.message))
    click.echo(f"API token for {username} (shown once; send as 'Authorization: Bearer <token>'):")
    click.echo(token)


@main.command("tokens")
@click.argument("username", required=False)
def list_tokens(username: str | None):
    """List API tokens (of one login when named): id, login, name, created, last used, expires, status."""
    from farm import clock
    from farm.services import users

    config = load_config()
    db = open_database(config)
    try:
        with db.session_scope() as session:
            user = users.get_by_username(session, username) if username else None
            now = clock.now()
            for t in users.list_tokens(session, user):
                status = "revoked" if t.revoked_at else ("live" if t.live(now) else "expired")
                when = [v.isoformat(timespec="seconds") if v else "-" for v in (t.created_at, t.last_used_at,
                                                                                 t.expires_at)]
                click.echo("\t".join([str(t.id), t.user.username, t.name or "-", *when, status]))
    except DomainError as exc:
        fail(str(exc.message))


@main.command("revoke-token")
@click.argument("token_id", type=click.IntRange(1, 2**31 - 1))
def revoke_token(token_id: int):
    """Revoke an API token by its id (from `tokens`); it stops working at once."""
    from farm.services import users

    config = load_config()
    db = open_database(config)
    try:
        with db.session_scope() as session:
            row = users.revoke_token(session, token_id)
            line = f"revoked token {row.id} of {row.user.username}"
    except DomainError as exc:
        fail(str(exc.message))
    click.echo(line)


@main.command("device-list")
def device_list():
    """Print "GREENHOUSE DEVICE" per registered device: the input of deploy/mosquitto/make-passwords.sh."""
    from farm.services import devices

    config = load_config()
    db = open_database(config)
    with db.session_scope() as session:
        for device in devices.list_devices(session):
            click.echo(f"{device.greenhouse.code} {device.code}")


@main.command("unlock-login")
@click.argument("name_or_address")
def unlock_login(name_or_address: str):
    """Forgive the failed logins of a login name and of a client address with that text."""
    from farm.services import login_throttle

    config = load_config()
    db = open_database(config)
    with db.session_scope() as session:
        count = login_throttle.unlock(session, "username", name_or_address)
        count += login_throttle.unlock(session, "address", name_or_address)
    click.echo(f"unlocked {name_or_address} ({count} failed logins forgiven)")


@main.command("web")
@click.option("--port", type=int, default=None, help="Default FARM_PORT (8000).")
def web(port: int | None):
    """Serve the web app and API with gunicorn (FARM_HOST, FARM_WEB_WORKERS, FARM_ACCESS_LOG)."""
    from farm.server import serve

    config = load_config()
    open_database(config)
    serve(config, port or config.port)


@main.command("ingest")
@click.option("--client-id", default=None, help="MQTT client id (default FARM_MQTT_CLIENT_ID or farm-ingest-<park>).")
@click.option("--metrics-port", type=click.IntRange(0, 65535), default=None,
              help="Port of its metrics on 127.0.0.1 (default FARM_INGEST_METRICS_PORT; 0: none).")
def ingest(client_id: str | None, metrics_port: int | None):
    """Run the MQTT ingest until stopped."""
    from sensors.ingest import Ingest

    config = load_config()
    db = open_database(config)
    from farm.services import metrics

    try:
        ingest = Ingest(config, db, client_id=client_id)
        metrics.ingest_backlog(lambda: len(ingest.queue))
        metrics.serve(metrics.INGEST, config.ingest_metrics_port if metrics_port is None else metrics_port)
        if not ingest.run():
            # Non-zero, so systemd starts it again: in a shared group the broker keeps this ingest's turn for it.
            fail("the ingest's writer stopped; see the log above")
    except SQLAlchemyError as exc:
        fail(f"the ingest cannot use the database: {str(exc).splitlines()[0]}")


@main.command("scheduler")
def scheduler():
    """Run every scheduled job (farm/jobs.py, listed in the README) until stopped; one scheduler at a time runs them."""
    from farm.jobs import Scheduler
    from farm.services import metrics

    config = load_config()
    db = open_database(config)
    metrics.serve(metrics.SCHEDULER, config.scheduler_metrics_port)
    Scheduler(db, lease_seconds=config.scheduler_lease_seconds).run()


@main.command("check")
def check():
    """Verify the configuration before start: one line per problem, exit 1 when there is any."""
    from flask_babel import gettext as _

    from farm import park_language, preflight

    found = preflight.problems()
    for line in found:
        click.echo(line, err=True)
    if found:
        sys.exit(1)
    with park_language.park_language():
        click.echo(_("The configuration is fine: database, broker, secret key, time zone, folders and disk."))


@main.command("backup")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def backup(directory: str | None):
    """Write a consistent backup of the running system's database into DIRECTORY (default FARM_BACKUP_DIR);
    prints the file's path as the last line."""
    from pathlib import Path

    from farm.services import backups

    config = load_config()
    open_database(config)
    try:
        path = backups.backup(config.database_url, Path(directory) if directory else config.backups)
    except (backups.BackupError, SQLAlchemyError) as exc:
        fail(str(getattr(exc, "message", exc)).splitlines()[0])
    click.echo(f"backup of {safe_url(config.database_url)} written:")
    click.echo(str(path.resolve()))


@main.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
def restore(file: str):
    """Restore a backup into the configured database, which must be empty; then upgrade its schema."""
    from pathlib import Path

    from farm.migrate import upgrade
    from farm.services import backups

    config = load_config()
    open_database(config, check_schema=False)
    try:
        backups.restore(config.database_url, Path(file))
        upgrade(config.database_url)
    except (backups.BackupError, SQLAlchemyError) as exc:
        fail(str(getattr(exc, "message", exc)).splitlines()[0])
    click.echo(f"restored {Path(file).name} into {safe_url(config.database_url)}")


@main.command("run-job")
@click.argument("name")
def run_job(name: str):
    """Run one scheduled job once, now, in the foreground (logged like a scheduled run); exit 1 when it fails."""
    from farm.jobs import JOBS, find_job, run_once

    config = load_config()
    job = find_job(name)
    if job is None:
        fail(f"no job named {name!r}; the jobs are: {', '.join(j.name for j in JOBS)}")
    db = open_database(config)
    outcome, error = run_once(db, job)
    if error:
        fail(f"{name} failed: {error}")
    click.echo(f"{name}: {outcome}")


@main.command("simulate")
@click.option("--interval", type=float, default=10.0, help="Seconds between readings of each greenhouse.")
@click.option("--greenhouses", default="", help="Comma-separated codes, e.g. GH-001,GH-002 (default: all).")
@click.option("--cold-night", "cold_night", default="",
              help="Comma-separated codes whose quilt stays up from the start: the air falls below the frost limit "
                   "(default FARM_SIM_COLD_NIGHT, so `FARM_SIM_COLD_NIGHT=GH-001 make run` shows it).")
@click.option("--cold-minutes", type=float, default=45.0, help="How long the forced cold night lasts (default 45).")
def simulate(interval: float, greenhouses: str, cold_night: str, cold_minutes: float):
    """Publish realistic readings for the demo park."""
    from sensors.simulator import run

    config = load_config()
    if interval <= 0:
        fail("--interval must be above zero")
    if cold_minutes <= 0:
        fail("--cold-minutes must be above zero")
    codes = _codes(cold_night) if cold_night else list(config.sim_cold_night)
    run(config, interval=interval, only=_codes(greenhouses), cold_night=codes, cold_minutes=cold_minutes)


def _codes(text: str) -> list[str]:
    """Greenhouse codes typed as `gh-001, GH-002`."""
    return [c.strip().upper() for c in text.split(",") if c.strip()]


@main.command("i18n-missing")
@click.option("--locale", default="zh_CN")
def i18n_missing(locale: str):
    """Print the strings the locale does not translate yet, as .po entries to fill in (a developer's tool)."""
    from farm.i18n import missing_translations

    for msgid, places in sorted(missing_translations(locale).items(), key=lambda kv: kv[1][0]):
        click.echo("#: " + " ".join(places[:3]))
        click.echo("msgid " + _po_quote(msgid))
        click.echo('msgstr ""\n')


def _po_quote(text: str) -> str:
    """A .po string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


# Parts of `all`, each its own process with the same environment.
ALL_PARTS: list[list[str]] = [["web"], ["ingest"], ["simulate"], ["scheduler"]]


def _stop(procs: list[subprocess.Popen], seconds: float) -> None:
    """SIGTERM each running process, wait up to `seconds` for all of them, then kill what is left."""
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + seconds
    for proc in procs:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()


def _stop_parts(config: Config, db: Database, parts: dict[str, subprocess.Popen]) -> None:
    """Stop `all`'s parts so that no device is left marked online: the simulator first (its devices say
    "offline" as they go), then, once the ingest has stored those statuses (a few seconds at most), the rest."""
    from farm.models.sensors import Device
    from sensors.simulator import park_devices

    simulator, ingest = parts.get("simulate"), parts.get("ingest")
    if simulator is None or ingest is None or simulator.poll() is not None:
        _stop(list(parts.values()), 15)
        return
    codes = [device for _gh, device, _enriched in park_devices(config)]
    _stop([simulator], 10)
    deadline = time.monotonic() + 10
    while ingest.poll() is None and time.monotonic() < deadline:
        try:
            with db.session_scope() as session:
                still = session.scalar(select(func.count()).select_from(Device).where(
                    Device.code.in_(codes), Device.online.is_(True)))
        except SQLAlchemyError:
            break  # the database went away: nothing more to wait for
        if not still:
            break
        time.sleep(0.2)
    _stop(list(parts.values()), 15)


@main.command("all")
def run_all():
    """Run web, ingest, simulator and scheduler (and a broker where none answers) until Ctrl-C."""
    from farm.demo import DEMO_LOGINS
    from farm.models.auth import User

    config = load_config()
    db = open_database(config, migrate=True)
    with db.session_scope() as session:
        demo_present = session.scalar(select(User).where(User.username == DEMO_LOGINS[0][0])) is not None
    from sensors import broker as embedded

    try:
        broker_proc = embedded.start(config)  # only where nothing answers at FARM_MQTT_URL
    except embedded.BrokerError as exc:
        fail(str(exc))
    procs = []
    for part in ALL_PARTS:
        # Each part in its own session: Ctrl-C reaches this process alone, which stops the parts in order (below).
        procs.append(subprocess.Popen([sys.executable, "-m", "farm", *part], start_new_session=True))
    click.echo(f"\n  Greenhouse park running at http://127.0.0.1:{config.port}  (Ctrl-C stops every part)")
    if demo_present:
        print_logins(DEMO_LOGINS)
    stopping = False
    broken = None

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while not stopping:
            for proc, part in zip(procs, ALL_PARTS):
                if proc.poll() is not None and not stopping:
                    broken = " ".join(part)
                    click.echo(f"error: part '{broken}' exited with {proc.returncode}; stopping the others", err=True)
                    stopping = True
            time.sleep(0.5)
    finally:
        _stop_parts(config, db, dict(zip((" ".join(p) for p in ALL_PARTS), procs)))
        embedded.stop(broker_proc)  # last, so the ingest's final acknowledgements reach it
    sys.exit(1 if broken else 0)
