"""Benchmark: the 联农带农 report (service, page and API) on a big park.

The big park is bench/livelihoods_data.py's: 3,000 households, 600 workers, five years of attendance, harvests,
closed payroll months, rent and other income. Times, as medians, last year's report (every month closed), its
fourth quarter, and this year's (this month open, computed by the payroll), for the service, the page and the API.

    .venv/bin/python bench/linkage_bench.py                     # a SQLite file in a temporary folder
    .venv/bin/python bench/linkage_bench.py postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/linkage_bench.py --big sqlite:////tmp/big.db    # a big park filled before
(with a PostgreSQL URL it creates and drops a scratch database next to the one named)
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.livelihoods_data import fill  # noqa: E402
from bench.scratch import scratch_urls  # noqa: E402
from farm import clock, create_app  # noqa: E402
from farm.config import Config  # noqa: E402
from farm.db import Database  # noqa: E402
from farm.models.auth import User  # noqa: E402
from farm.services import linkage, users  # noqa: E402

REPEAT = 5
NOW = datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)


def main() -> int:
    args = sys.argv[1:]
    big = None
    if "--big" in args:  # a big park already filled by bench/livelihoods_data.py for 2026-11-28
        at = args.index("--big")
        big, args = args[at + 1], args[:at] + args[at + 2:]
    base = args[0] if args else None
    clock.freeze(NOW)
    today = clock.today()
    last, this = today.year - 1, today.year
    with tempfile.TemporaryDirectory() as tmp:
        urls, drop = scratch_urls(base, Path(tmp), ("big",))
        try:
            url = big or urls[0]
            started = time.perf_counter()
            counts = "filled before" if big else fill(url, today)
            print(f"linkage benchmark on {make_url(url).get_backend_name()}, median of {REPEAT} runs; big park "
                  f"{counts} in {time.perf_counter() - started:.0f} s", flush=True)
            database = Database(url)
            with database.session_scope() as s:
                if s.scalar(select(User.id).where(User.username == "bench-boss")) is None:
                    users.create_user(s, "bench-boss", "manager", "bench-pass-1")
            app = create_app(Config.from_env(env={}, database_url=url, secret_key="bench",
                                             instance_path=tempfile.mkdtemp()), database)
            client = app.test_client()
            page = client.get("/login").get_data(as_text=True)
            token = page.split('name="csrf_token" value="')[1].split('"')[0]
            client.post("/login", data={"username": "bench-boss", "password": "bench-pass-1", "csrf_token": token})
            session = database.session()

            def service(year, quarter=None):
                def run():
                    session.expire_all()
                    linkage.report(session, year, quarter, today)
                return run

            def get(path):
                def run():
                    assert client.get(path).status_code == 200, path
                return run

            runs = {f"service, {last}": service(last), f"service, {last} Q4": service(last, 4),
                    f"service, {this} (this month open)": service(this),
                    f"page /reports/linkage?year={last}": get(f"/reports/linkage?year={last}"),
                    f"API /reports/linkage?year={last}": get(f"/api/v1/reports/linkage?year={last}"),
                    f"Excel /reports/linkage/export?year={last}": get(f"/reports/linkage/export?year={last}")}
            figures = {}
            for name, fn in runs.items():
                fn()
                times = []
                for _ in range(REPEAT):
                    t = time.perf_counter()
                    fn()
                    times.append((time.perf_counter() - t) * 1000)
                figures[name] = statistics.median(times)
            session.close()
            database.dispose()
        finally:
            drop()
    for name, ms in figures.items():
        print(f"{name:44} {ms:8.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
