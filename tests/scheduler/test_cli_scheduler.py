"""`python -m farm scheduler` as a process: it takes the lease, runs its jobs, and stops cleanly on SIGTERM."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from sqlalchemy import select

from farm.config import PROJECT_ROOT
from farm.db import Database
from farm.models.scheduler import JobRun
from farm.services.job_runs import scheduler_state


def test_cli_scheduler_runs_jobs_and_stops_on_sigterm(tmp_path):
    url = f"sqlite:///{tmp_path / 'farm.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FARM_")}
    env.update(FARM_DATABASE_URL=url, FARM_INSTANCE_PATH=str(tmp_path / "instance"), PYTHONPATH=str(PROJECT_ROOT))
    assert subprocess.run([sys.executable, "-m", "farm", "init-db"], env=env, cwd=PROJECT_ROOT,
                          capture_output=True, timeout=240).returncode == 0
    proc = subprocess.Popen([sys.executable, "-m", "farm", "scheduler"], env=env, cwd=PROJECT_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    db = Database(url)
    try:
        deadline = time.monotonic() + 60
        outcomes = set()
        while time.monotonic() < deadline and proc.poll() is None:
            with db.session_scope() as session:
                outcomes = {(r.job, r.outcome) for r in session.scalars(select(JobRun))}
            if {("rollups", "ok"), ("purge_readings", "ok")} <= outcomes:
                break
            time.sleep(0.3)
        assert {("rollups", "ok"), ("purge_readings", "ok")} <= outcomes, proc.stderr.read() if proc.poll() else ""
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    assert proc.returncode == 0, proc.stderr.read()
    with db.session_scope() as session:
        # Stopping released the lease (it expired at the stop), so a new scheduler need not wait.
        assert scheduler_state(session) == "stale"
        assert session.scalar(select(JobRun.id).where(JobRun.outcome == "running")) is None
    db.dispose()
