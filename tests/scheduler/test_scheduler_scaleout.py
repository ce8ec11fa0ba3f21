"""Scale-out of the scheduler on PostgreSQL: two `python -m farm scheduler` processes on one database; the one
holding the lease is killed with SIGKILL, the other takes over once the lease ran out, and no job runs twice in
one slot (its interval), neither then nor when a third scheduler is started after the second stops."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from farm.config import PROJECT_ROOT
from farm.jobs import JOBS
from farm.models.scheduler import JobRun, SchedulerLease
from farm.services.job_runs import LEASE
from tests.sensors.helpers import wait_for

LEASE_SECONDS = 10  # short, so the takeover comes quickly (renewed every 3.3 s); long enough for a loaded machine
INTERVALS = {job.name: job.seconds for job in JOBS}


@pytest.fixture
def pg_database(backend, database):
    if backend != "postgresql":
        pytest.skip("several schedulers on one database is shown on PostgreSQL, the database for more than one server")
    return database


class SchedulerProcess:
    """`python -m farm scheduler` as a subprocess, its log in a file."""

    def __init__(self, database_url: str, tmp_path: Path, name: str):
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("FARM_")}
        self.env.update(FARM_DATABASE_URL=database_url, FARM_INSTANCE_PATH=str(tmp_path / "instance"),
                        FARM_BACKUP_DIR=str(tmp_path / "backups"), FARM_SECRET_KEY="test",
                        FARM_SCHEDULER_LEASE_SECONDS=str(LEASE_SECONDS), FARM_SCHEDULER_METRICS_PORT="0",
                        FARM_LOG_LEVEL="INFO", PYTHONPATH=str(PROJECT_ROOT))
        self.log = tmp_path / f"scheduler-{name}.log"
        self.proc = subprocess.Popen([sys.executable, "-m", "farm", "scheduler"], env=self.env, cwd=PROJECT_ROOT,
                                     stdout=self.log.open("ab"), stderr=subprocess.STDOUT)
        found = wait_for(lambda: re.search(r"scheduler (\S+) started", self.output()) or self.proc.poll() is not None,
                         180, what=lambda: f"scheduler {name} to start:\n{self.output()}")
        assert self.proc.poll() is None, self.output()
        self.holder = found.group(1)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
                raise AssertionError("the scheduler did not stop on SIGTERM:\n" + self.output()) from None
        return self.proc.returncode


@pytest.fixture
def schedulers(pg_database, database_url, tmp_path):
    started: list[SchedulerProcess] = []

    def start(name: str) -> SchedulerProcess:
        proc = SchedulerProcess(database_url, tmp_path, name)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.proc.poll() is None:
            proc.proc.kill()
            proc.proc.wait(10)


def _runs(database) -> list[JobRun]:
    with database.session_scope() as session:
        runs = session.scalars(select(JobRun).order_by(JobRun.started_at, JobRun.id)).all()
        session.expunge_all()
    return runs


def _lease(database) -> SchedulerLease | None:
    with database.session_scope() as session:
        row = session.get(SchedulerLease, LEASE)
        if row is not None:
            session.expunge(row)
        return row


def _finished(database, holder: str) -> set[str]:
    return {r.job for r in _runs(database) if r.holder == holder and r.finished_at is not None}


def test_scheduler_killed_holder_is_taken_over_and_no_job_runs_twice_in_a_slot(pg_database, schedulers):
    database = pg_database
    first = schedulers("first")
    wait_for(lambda: _finished(database, first.holder) >= set(INTERVALS), 180,
             what=lambda: f"the first scheduler's runs of every job ({_finished(database, first.holder)})\n"
                          + first.output()[-3000:])
    second = schedulers("second")
    assert _lease(database).holder == first.holder

    first.kill()
    dead = _lease(database)  # the first's last renewal, final now that it is dead
    assert dead.holder == first.holder
    taken = wait_for(lambda: (row := _lease(database)).holder == second.holder and row, 120,
                     what=lambda: "the second scheduler to take the lease\n" + second.output()[-3000:])
    # Never before the dead holder's lease ran out; within one more lease length after (it tries every third).
    assert dead.expires_at < taken.acquired_at < dead.expires_at + timedelta(seconds=LEASE_SECONDS)

    # The second carries on the schedule: the 60-second jobs come due a minute after the first ran them.
    wait_for(lambda: {"alerts", "notifications"} <= _finished(database, second.holder), 180,
             what=lambda: "the second scheduler's first runs\n" + second.output()[-3000:])
    assert second.stop() == 0, second.output()

    # A third scheduler starting now finds every slot used: it takes the lease and schedules the next runs, at the
    # end of each job's slot, so it runs nothing yet.
    third = schedulers("third")
    wait_for(lambda: f"{third.holder} holds the lease; next runs" in third.output(), 120,
             what=lambda: "the third scheduler to take the lease\n" + third.output()[-3000:])
    assert third.stop() == 0, third.output()

    runs = _runs(database)
    assert not [r for r in runs if r.holder == third.holder]
    assert not [r for r in runs if r.outcome == "running"]
    # One scheduler at a time: the first's runs all began while it held the lease, the second's after it took over.
    assert all(r.started_at <= dead.expires_at for r in runs if r.holder == first.holder)
    assert all(r.started_at >= taken.acquired_at for r in runs if r.holder == second.holder)
    # Each job at most once per slot: a scheduled run starts no earlier than its interval after the one before.
    for name, seconds in INTERVALS.items():
        starts = [r.started_at for r in runs if r.job == name and r.outcome != "interrupted"]
        assert starts, name
        gaps = [b - a for a, b in zip(starts, starts[1:])]
        assert all(gap >= timedelta(seconds=seconds - 1) for gap in gaps), (name, starts)
