"""Backups of the park's database, taken while the system runs, and restoring one into an empty database.

SQLite is copied through its online backup API (a consistent copy while the ingest writes); PostgreSQL through
`pg_dump` in its custom format, which `pg_restore` reads. A backup is one file named after the moment it was taken
(UTC), `farm-YYYYMMDD-HHMMSS.sqlite3` or `.dump`, written under a temporary name and renamed when complete, so a
file with that name is always whole.

The scheduler's `backup` job makes one a night (after NIGHT_HOUR in the park), keeps the newest of each of the last
7 days and of the last 4 weeks, and fails (so its run shows as failed on the scheduler page, and the managers are
notified once a day) when a backup cannot be written or the newest is older than 36 hours.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from farm import clock
from farm.errors import DomainError

NAME = re.compile(r"^farm-(\d{8}-\d{6})\.(sqlite3|dump)$")
NIGHT_HOUR = 2  # park time: the nightly backup is taken in the first run after 02:00
KEEP_DAYS = 7
KEEP_WEEKS = 4
STALE_AFTER = timedelta(hours=36)

_directory: Path | None = None


class BackupError(DomainError):
    """A backup or a restore could not be done; the message says why in one line."""


def configure(directory: Path) -> None:
    """Set where the scheduler's backup job writes (Config.backups), as farm.clock is told the time zone."""
    global _directory
    _directory = Path(directory)


def directory() -> Path:
    if _directory is None:
        raise BackupError("the backup folder is not configured (FARM_BACKUP_DIR)")
    return _directory


# --- the files ---------------------------------------------------------------------------------------------

def taken_at(path: Path) -> datetime:
    """When a backup was taken, from its name."""
    stamp = NAME.match(Path(path).name).group(1)
    return datetime.strptime(stamp, "%Y%m%d-%H%M%S").replace(tzinfo=timezone.utc)


def listing(folder: Path) -> list[Path]:
    """The backups in a folder, oldest first."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if NAME.match(p.name) and p.is_file()), key=taken_at)


def newest(folder: Path) -> Path | None:
    found = listing(folder)
    return found[-1] if found else None


def to_keep(paths: list[Path]) -> set[Path]:
    """The newest backup of each of the last KEEP_DAYS park days, and of each of the last KEEP_WEEKS weeks."""
    by_day: dict = {}
    by_week: dict = {}
    for path in sorted(paths, key=taken_at):
        day = clock.park_day(taken_at(path))
        by_day[day] = path  # later ones replace earlier ones: the newest of the day stays
        by_week[day.isocalendar()[:2]] = path
    keep = {by_day[d] for d in sorted(by_day)[-KEEP_DAYS:]}
    keep |= {by_week[w] for w in sorted(by_week)[-KEEP_WEEKS:]}
    return keep


def prune(folder: Path) -> list[Path]:
    """Delete the backups `to_keep` does not keep; returns what was deleted."""
    found = listing(folder)
    keep = to_keep(found)
    gone = [p for p in found if p not in keep]
    for path in gone:
        path.unlink(missing_ok=True)
    return gone


# --- taking a backup -----------------------------------------------------------------------------------------

def backup(database_url: str, folder: Path, now: datetime | None = None) -> Path:
    """Write a consistent backup of the database into `folder` and return its path."""
    from farm.db import normalise_url

    url = make_url(normalise_url(database_url))
    now = now or clock.now()
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"cannot make the backup folder {folder}: {exc.strerror}") from None
    backend = url.get_backend_name()
    suffix = {"sqlite": "sqlite3", "postgresql": "dump"}.get(backend)
    if suffix is None:
        raise BackupError(f"backups of {backend} databases are not supported")
    target = folder / f"farm-{now.astimezone(timezone.utc):%Y%m%d-%H%M%S}.{suffix}"
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        if backend == "sqlite":
            _sqlite_backup(url.database, partial)
        else:
            _pg_dump(url, partial)
        os.chmod(partial, 0o600)  # it holds every household's personal data
        partial.replace(target)
    except OSError as exc:
        raise BackupError(f"cannot write the backup into {folder}: {exc.strerror or exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    return target


def _sqlite_backup(source: str, target: Path) -> None:
    if not Path(source).exists():
        raise BackupError(f"the database file {source} does not exist")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # SQLite's online backup: a consistent copy while other processes write
    except sqlite3.Error as exc:
        raise BackupError(f"the SQLite backup failed: {exc}") from None
    finally:
        dst.close()
        src.close()


def _pg_env(url) -> tuple[list[str], dict]:
    """Connection arguments of pg_dump/pg_restore for a URL, the password in the environment (not the arguments)."""
    args = ["--dbname", url.database or "postgres"]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    from farm.config import environment

    env = environment() | {"PGCONNECT_TIMEOUT": "10"}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _pg_tool(name: str, url) -> str:
    """The path of pg_dump or pg_restore, checked to be at least as new as the server (an older one refuses)."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed; on Debian: apt-get install postgresql-client")
    from farm.db import make_engine

    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            server = int(conn.execute(text("SHOW server_version_num")).scalar()) // 10000
    finally:
        engine.dispose()
    found = re.search(r"(\d+)(?:\.\d+)?", subprocess.run([path, "--version"], capture_output=True, text=True).stdout)
    tool = int(found.group(1)) if found else 0
    if tool < server:
        raise BackupError(f"{name} {tool} is older than the PostgreSQL {server} server; "
                          f"install postgresql-client-{server}")
    return path


def _pg_dump(url, target: Path) -> None:
    tool = _pg_tool("pg_dump", url)
    args, env = _pg_env(url)
    done = subprocess.run([tool, "--format=custom", "--no-owner", "--no-privileges", "--file", str(target), *args],
                          env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError("pg_dump failed: " + _first(done.stderr))


# --- restoring -----------------------------------------------------------------------------------------------

def table_rows(engine) -> dict[str, int]:
    """{table: rows} of every table in the database but Alembic's version table."""
    with engine.connect() as conn:
        names = [t for t in inspect(conn).get_table_names() if t != "alembic_version"]
        return {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar() for t in names}


def restore(database_url: str, file: Path) -> None:
    """Restore a backup into the configured database, which must hold no rows (else BackupError, nothing changed).

    An empty database may be bare or migrated (`init-db` run, nothing loaded); its empty tables are replaced by the
    backup's. The caller upgrades the schema afterwards, since the backup may come from an earlier release."""
    from farm.db import make_engine, normalise_url

    file = Path(file)
    if not file.is_file():
        raise BackupError(f"no backup file at {file}")
    url = make_url(normalise_url(database_url))
    backend = url.get_backend_name()
    kind = _kind(file)
    if kind != backend:
        raise BackupError(f"{file.name} is a backup of a {kind or 'unknown kind of'} database; "
                          f"the configured database is {backend}")
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        held = {t: n for t, n in table_rows(engine).items() if n}
        if held:
            raise BackupError(f"the configured database is not empty ({len(held)} tables hold rows, e.g. "
                              f"{sorted(held)[0]}); restore only into an empty database")
        if backend == "sqlite":
            engine.dispose()
            _sqlite_restore(file, url.database)
        else:
            tool = _pg_tool("pg_restore", url)
            with engine.begin() as conn:  # only empty tables and what belongs to them: nothing is lost
                for statement in conn.execute(text(_PG_DROP_ALL)).scalars().all():
                    conn.execute(text(statement))
            args, env = _pg_env(url)
            done = subprocess.run([tool, "--single-transaction", "--no-owner", "--no-privileges", "--exit-on-error",
                                   *args, str(file)], env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise BackupError("pg_restore failed: " + _first(done.stderr))
    finally:
        engine.dispose()


# The schema's own objects (an `init-db` on an empty database made them), dropped so the backup's take their place.
_PG_DROP_ALL = """
SELECT format('DROP %s IF EXISTS %I.%I CASCADE', CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
              WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, n.nspname, c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
UNION ALL
SELECT format('DROP FUNCTION IF EXISTS %I.%I(%s) CASCADE', n.nspname, p.proname,
              pg_get_function_identity_arguments(p.oid))
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = current_schema() AND p.prokind = 'f'
"""


def _kind(file: Path) -> str | None:
    """"sqlite" or "postgresql" by the file's first bytes (a SQLite file, a pg_dump custom archive), else None."""
    with open(file, "rb") as fh:
        head = fh.read(16)
    if head.startswith(b"SQLite format 3\0"):
        return "sqlite"
    if head.startswith(b"PGDMP"):
        return "postgresql"
    return None


def _sqlite_restore(file: Path, database: str) -> None:
    src = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
    dst = sqlite3.connect(database)
    try:
        src.backup(dst)
    except sqlite3.Error as exc:
        raise BackupError(f"the SQLite restore failed: {exc}") from None
    finally:
        dst.close()
        src.close()


def _first(text_: str) -> str:
    lines = [line.strip() for line in (text_ or "").splitlines() if line.strip()]
    return lines[0][:300] if lines else "no reason given"


# --- the nightly job -----------------------------------------------------------------------------------------

def due(folder: Path, now: datetime) -> bool:
    """True when no backup was taken since the last NIGHT_HOUR in the park (or none at all)."""
    last = newest(folder)
    if last is None:
        return True
    night = clock.at_local(clock.park_day(now)).replace(hour=NIGHT_HOUR)
    if now < night:
        night -= timedelta(days=1)
    return taken_at(last) < night


def run_backup(session, now: datetime) -> str:
    """The scheduler's `backup` job: a backup when one is due, then the old ones pruned; raises BackupError when
    the backup fails or the newest is older than STALE_AFTER."""
    folder = directory()
    made = ""
    if due(folder, now):
        path = backup(session.get_bind().url.render_as_string(hide_password=False), folder, now)
        made = path.name
        prune(folder)
    last = newest(folder)
    if last is None or now - taken_at(last) > STALE_AFTER:
        raise BackupError(f"the newest backup in {folder} is older than {STALE_AFTER.total_seconds() / 3600:.0f} hours")
    return made


def notify_failure(session, now: datetime, error: str) -> None:
    """Tell the managers, once a park day, that backups are failing (the job's on_failure)."""
    from flask_babel import gettext as _

    from farm.park_language import park_language
    from farm.services import notify

    with park_language():
        subject = _("Backup failed")
        body = _("The park's database backup failed: %(error)s. Check the scheduler page and the backup folder.",
                 error=error)
    notify.enqueue(session, f"backup-failed:{clock.park_day(now).isoformat()}", subject, body, now)
