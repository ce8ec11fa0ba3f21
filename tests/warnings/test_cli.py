"""`python -m farm run-job warnings` as an operator runs it: exit 0 and logged like a scheduled run; an unknown job
is one error line."""
from __future__ import annotations

from sqlalchemy import create_engine, text

from tests.test_cli import env, farm, one_error_line  # noqa: F401 - env is a fixture


def test_cli_run_job_warnings(env):  # noqa: F811
    assert farm(env, "init-db").returncode == 0
    done = farm(env, "run-job", "warnings")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("warnings: ok")
    again = farm(env, "run-job", "warnings")
    assert again.returncode == 0, again.stderr
    engine = create_engine(env["FARM_DATABASE_URL"])
    with engine.connect() as conn:
        runs = conn.execute(text("SELECT outcome FROM job_runs WHERE job = 'warnings'")).scalars().all()
    engine.dispose()
    assert runs == ["ok", "ok"]
    assert "no job named 'nothing'" in one_error_line(farm(env, "run-job", "nothing"))
