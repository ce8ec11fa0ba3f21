"""`backup` and `restore`: what a backup holds comes back row for row, on SQLite and PostgreSQL; a database holding
anything is never restored into; the nightly job keeps 7 daily and 4 weekly copies and says when backups fail."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select, text

from farm import clock
from farm.config import PROJECT_ROOT
from farm.db import normalise_url
from farm.jobs import find_job, run_once
from farm.models.alerts import Notification
from farm.models.scheduler import JobRun
from farm.services import backups, settings
from tests import conftest

pytestmark = pytest.mark.timeout(600)


def farm(url: str, tmp_path: Path, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FARM_")}
    env.update(FARM_DATABASE_URL=url, FARM_INSTANCE_PATH=str(tmp_path / "instance"), FARM_SECRET_KEY="k" * 40,
               PYTHONPATH=str(PROJECT_ROOT))
    return subprocess.run([sys.executable, "-m", "farm", *args], env=env, cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=300)


def every_row(url: str) -> dict[str, list[tuple]]:
    """Every row of every table (Alembic's version included), in a fixed order."""
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            out = {}
            for table in inspect(conn).get_table_names():
                columns = [c["name"] for c in inspect(conn).get_columns(table)]
                names = ", ".join(f'"{c}"' for c in columns)
                # Sorted here: PostgreSQL cannot order JSON columns.
                out[table] = sorted((tuple(r) for r in conn.execute(text(f'SELECT {names} FROM "{table}"'))), key=repr)
            return out
    finally:
        engine.dispose()


@pytest.fixture
def empty_target(backend, tmp_path, request):
    """A second, empty database on the same backend: bare (nothing in it) or migrated (`init-db` run)."""
    state = request.param
    if backend == "sqlite":
        path = tmp_path / "target.db"
        if state == "migrated":
            shutil.copyfile(conftest._migrated_template("sqlite", conftest._shared_dir(
                request.getfixturevalue("tmp_path_factory"))), path)
        yield f"sqlite:///{path}"
        return
    admin = conftest._admin()
    name = f"{conftest.TEMPLATE_PREFIX}restore_{uuid.uuid4().hex[:8]}"
    template = (conftest._migrated_template("postgresql", conftest._shared_dir(
        request.getfixturevalue("tmp_path_factory"))) if state == "migrated" else None)
    conftest._pg_create(admin, name, template=template)
    yield conftest._pg_url(name)
    conftest._pg_drop(admin, name)
    admin.dispose()


@pytest.mark.parametrize("empty_target", ["bare", "migrated"], indirect=True)
def test_backup_restores_to_exactly_the_same_rows(demo, database, database_url, empty_target, tmp_path):
    made = farm(database_url, tmp_path, "backup", str(tmp_path / "backups"))
    assert made.returncode == 0, made.stderr
    path = Path(made.stdout.strip().splitlines()[-1])
    assert path.is_file() and path.parent == tmp_path / "backups" and oct(path.stat().st_mode & 0o777) == "0o600"
    held = every_row(database_url)
    assert sum(len(rows) for rows in held.values()) > 10_000  # the demo park: harvests, readings, people
    restored = farm(empty_target, tmp_path, "restore", str(path))
    assert restored.returncode == 0, restored.stderr
    assert every_row(empty_target) == held
    # The restored database is a working park: it is at every migration head.
    checked = farm(empty_target, tmp_path, "run-job", "rollups")
    assert checked.returncode == 0, checked.stderr


def test_restore_refuses_a_database_that_holds_anything(demo, database, database_url, tmp_path):
    made = farm(database_url, tmp_path, "backup", str(tmp_path / "backups"))
    path = made.stdout.strip().splitlines()[-1]
    before = every_row(database_url)
    refused = farm(database_url, tmp_path, "restore", path)
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [refused.stderr.strip()]
    assert "not empty" in refused.stderr
    assert every_row(database_url) == before


def test_restore_refuses_what_is_not_a_backup_of_this_kind(database_url, backend, tmp_path):
    junk = tmp_path / "farm-20260101-000000.dump"
    junk.write_bytes(b"not a backup at all")
    for path, expected in ((junk, "unknown kind"), (tmp_path / "missing.dump", "no backup file")):
        refused = farm(database_url, tmp_path, "restore", str(path))
        assert refused.returncode == 1 and expected in refused.stderr, refused.stderr
    other = tmp_path / "other.sqlite3"
    other.write_bytes(b"PGDMP" if backend == "sqlite" else b"SQLite format 3\0")
    refused = farm(database_url, tmp_path, "restore", str(other))
    assert refused.returncode == 1 and "the configured database is" in refused.stderr


def _files(folder: Path, moments: list[datetime]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for moment in moments:
        path = folder / f"farm-{moment:%Y%m%d-%H%M%S}.sqlite3"
        path.write_bytes(b"x")
        out.append(path)
    return out


def test_backup_keeps_seven_daily_and_four_weekly(tmp_path):
    start = datetime(2026, 9, 1, 19, 0, tzinfo=timezone.utc)  # 03:00 in the park
    # Two backups a day for 60 days (a manual one in the afternoon).
    moments = [start + timedelta(days=d, hours=h) for d in range(60) for h in (0, 8)]
    paths = _files(tmp_path, moments)
    gone = backups.prune(tmp_path)
    kept = backups.listing(tmp_path)
    assert len(kept) + len(gone) == len(paths)
    days = [clock.park_day(backups.taken_at(p)) for p in kept]
    last = clock.park_day(moments[-1])
    # The newest of each of the last 7 days ...
    assert set(days) >= {last - timedelta(days=i) for i in range(7)}
    assert all(backups.taken_at(p).hour == 3 for p in kept)  # the newest of its day (03:00 + 8 h, UTC)
    # ... and of each of the last 4 weeks, nothing older.
    weeks = {d.isocalendar()[:2] for d in days}
    assert len(weeks) == 4 and len(kept) == len(set(days)) <= 7 + 4
    assert min(days) >= last - timedelta(days=28)
    assert backups.prune(tmp_path) == []  # pruning again changes nothing


def test_backup_job_runs_nightly_and_fails_loudly(database, session, tmp_path, monkeypatch):
    folder = tmp_path / "nightly"
    monkeypatch.setattr(backups, "_directory", folder)
    settings.put(session, "notify.webhook_url", "http://127.0.0.1:9/hook")
    session.commit()
    job = find_job("backup")
    night = datetime(2026, 11, 27, 18, 30, tzinfo=timezone.utc)  # 02:30 in the park
    assert run_once(database, job, night) == ("ok", "")
    assert len(backups.listing(folder)) == 1
    # Later the same day: nothing new; after the next 02:00: a new one.
    assert run_once(database, job, night + timedelta(hours=10))[0] == "ok"
    assert len(backups.listing(folder)) == 1
    assert run_once(database, job, night + timedelta(days=1))[0] == "ok"
    assert len(backups.listing(folder)) == 2
    # The folder becomes unusable: the run fails, the failure is on the scheduler's log, the managers are told once.
    shutil.rmtree(folder)
    folder.write_text("a file where the folder was")
    at = night + timedelta(days=2)
    outcome, error = run_once(database, job, at)
    assert outcome == "failed" and "cannot make the backup folder" in error
    run_once(database, job, at + timedelta(hours=1))
    session.expire_all()
    runs = session.scalars(select(JobRun.outcome).where(JobRun.job == "backup").order_by(JobRun.id)).all()
    assert runs == ["ok", "ok", "ok", "failed", "failed"]
    notes = session.scalars(select(Notification).where(Notification.key.like("backup-failed:%"))).all()
    assert len(notes) == 1 and "backup" in notes[0].body.lower() or "备份" in notes[0].body
