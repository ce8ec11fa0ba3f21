"""bench/load.py runs: a few seconds of the morning rush on SQLite against the system started as production runs it,
with no error (timings are the benchmark's business, not this test's)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from farm.config import PROJECT_ROOT
from tests.conftest import MOSQUITTO

pytestmark = pytest.mark.broker


@pytest.mark.timeout(600)
@pytest.mark.skipif(MOSQUITTO is None, reason="mosquitto is not installed")
def test_load_script_runs_a_short_rush_with_no_error(tmp_path):
    figures_file = tmp_path / "load.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FARM_")}
    env["PATH"] = os.pathsep.join([os.path.dirname(MOSQUITTO), env.get("PATH", "")])
    done = subprocess.run(
        [sys.executable, "bench/load.py", "--database-url", "sqlite", "--minutes", "0.1", "--workers", "4",
         "--managers", "2", "--interval", "1", "--static-seconds", "0.5", "--json", str(figures_file)],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=540,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    figures = json.loads(figures_file.read_text())
    assert figures["errors"] == 0 and figures["error_lines"] == {}
    kinds = figures["kinds"]
    assert kinds["worker: log harvest"]["count"] == 4  # each worker saves once in so short a run
    assert figures["harvests_saved"] == 4
    assert kinds["worker: day's list"]["count"] == 4  # after the save
    assert figures["setup"]["setup: login"]["count"] == 6
    assert sum(k["count"] for name, k in kinds.items() if name.startswith("manager:")) >= 2
    assert figures["ingest"]["ticks"] >= 1  # the simulator's readings reached the database through the ingest
    assert "p99" in done.stdout and "load average" in done.stdout
