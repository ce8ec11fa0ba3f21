"""Benchmark: the households' warnings job on the demo park and on a big park (3,000 households, 600 workers, five
years; bench/livelihoods_data.py), as medians, with the number of SQL statements a run sends.

Two figures per park: a first run, which opens every warning (rolled back after each timing, so each timed run
opens them all again), and a repeated run on the same day, which opens nothing and only records whether each open
warning's condition still holds (the daily case). The statement count shows that the rules read every household
at once: it does not grow with the number of households.

    .venv/bin/python bench/warnings_bench.py                     # SQLite files in a temporary folder
    .venv/bin/python bench/warnings_bench.py postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/warnings_bench.py sqlite --households 300 --workers 60 --years 2   # a quick look
    .venv/bin/python bench/warnings_bench.py sqlite --big sqlite:////tmp/big.db   # a big park filled before
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import date, datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event  # noqa: E402

from bench.livelihoods_data import fill  # noqa: E402
from bench.scratch import scratch_urls  # noqa: E402
from farm import clock  # noqa: E402
from farm.db import Database  # noqa: E402
from farm.migrate import upgrade  # noqa: E402
from farm.services import warnings as rules  # noqa: E402

TODAY = date(2026, 11, 28)
NOW = datetime(2026, 11, 28, 1, 0, tzinfo=timezone.utc)  # 09:00 in the park
RUNS = 5


def _count_statements(database: Database) -> list[int]:
    counter = [0]

    @event.listens_for(database.engine, "before_cursor_execute")
    def count(*_args):
        counter[0] += 1

    return counter


def measure(label: str, url: str) -> dict:
    """Time the job on the park at `url`: first runs (rolled back) and repeated runs (after one committed)."""
    database = Database(url)
    statements = _count_statements(database)
    first, repeat = [], []
    opened, queries_first, queries_repeat = Counter(), 0, 0
    with clock.frozen(NOW):
        for _ in range(RUNS):
            with database.session() as session:
                statements[0] = 0
                started = time.perf_counter()
                summary = rules.run_warnings(session, NOW)
                first.append(time.perf_counter() - started)
                queries_first = statements[0]
                session.rollback()
        with database.session_scope() as session:
            rules.run_warnings(session, NOW)
            opened = Counter(w.kind for w in session.scalars(rules.warnings_query()))
        for _ in range(RUNS):
            with database.session() as session:
                statements[0] = 0
                started = time.perf_counter()
                again = rules.run_warnings(session, NOW)
                repeat.append(time.perf_counter() - started)
                queries_repeat = statements[0]
                assert again["opened"] == 0, again
                session.rollback()
    database.dispose()
    result = {"park": label, "first_s": statistics.median(first), "repeat_s": statistics.median(repeat),
              "opened": summary["opened"], "kinds": dict(opened), "statements_first": queries_first,
              "statements_repeat": queries_repeat}
    print(f"{label}: first run {result['first_s'] * 1000:.0f} ms (opens {result['opened']}: {dict(opened)}, "
          f"{queries_first} statements), repeated run {result['repeat_s'] * 1000:.0f} ms "
          f"({queries_repeat} statements); medians of {RUNS}", flush=True)
    return result


def demo_park(url: str) -> None:
    from farm.demo import seed_demo
    from farm.models.warnings import Warning

    upgrade(url)
    database = Database(url)
    with clock.frozen(NOW), database.session_scope() as session:
        seed_demo(session, today=TODAY)
        # The demo step already ran the job once; start from no warnings, as a park's first run would.
        session.query(Warning).delete()
    database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", nargs="?", default="sqlite")
    parser.add_argument("--households", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=600)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--big", default=None, help="a big park already filled by bench/livelihoods_data.py for "
                        "2026-11-28 (with no warnings yet), used instead of filling a new one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        urls, drop = scratch_urls(args.base, Path(tmp), ("demo", "big"))
        try:
            demo_url, big_url = urls
            demo_park(demo_url)
            measure("demo park (30 households)", demo_url)
            if args.big:
                big_url = args.big
            else:
                started = time.perf_counter()
                fill(big_url, TODAY, households=args.households, workers=args.workers, years=args.years)
                print(f"(big park filled in {time.perf_counter() - started:.0f} s)", flush=True)
            measure(f"big park ({args.households} households, {args.workers} workers, {args.years} years)", big_url)
        finally:
            drop()


if __name__ == "__main__":
    main()
