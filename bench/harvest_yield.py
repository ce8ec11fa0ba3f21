"""Benchmark: the yield report and the dashboard with two and with ten years of harvest history.

Builds two databases (about 100,000 and 500,000 harvest records, about 137 a day in 13 greenhouses), then times
the yield report for the last month (by day) and the last year (by month, and by crop), and the dashboard's
harvest panel and page, as medians. The ten-year figures must stay within 1.5x of the two-year ones, since
reports read only the days they cover.

    .venv/bin/python bench/harvest_yield.py                     # SQLite files in a temporary folder
    .venv/bin/python bench/harvest_yield.py postgresql+psycopg://postgres@127.0.0.1:5432/postgres
(with a PostgreSQL URL it creates and drops two scratch databases next to the one named)
"""
from __future__ import annotations

import random
import sys
import time
from datetime import date, timedelta
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, text  # noqa: E402

from bench.years import PER_DAY, compare, logged_in, planted_park  # noqa: E402
from bench.years import in_app as years_in_app  # noqa: E402
from farm import clock  # noqa: E402
from farm.db import Database  # noqa: E402
from farm.migrate import upgrade  # noqa: E402
from farm.models.harvest import Harvest  # noqa: E402
from farm.services import harvest as harvests  # noqa: E402
from farm.services import yield_report  # noqa: E402
from farm.vocab import Grade  # noqa: E402

REPEAT = 51


def fill(database: Database, years: int, today: date) -> int:
    """A park of 13 planted greenhouses and `years` of harvests up to today, written in bulk."""
    rng = random.Random(years)
    with database.session_scope() as s:
        plan, worker_ids, user_id = planted_park(s, years, today)
    total = 0
    batch: list[dict] = []
    grades = list(Grade)
    with database.engine.begin() as conn:
        for back in range(366 * years):
            day = today - timedelta(days=back)
            for n in range(PER_DAY):
                greenhouse, planting, crop = plan[n % len(plan)]
                at = clock.at_local(day, dtime(6 + n % 10, n % 60))
                batch.append({
                    "greenhouse_id": greenhouse, "planting_id": planting, "crop_id": crop,
                    "weight_kg": Decimal(rng.randint(100, 700)) / 10, "grade": grades[n % 4], "crates": 3,
                    "harvested_at": at, "day": day, "worker_id": worker_ids[n % 60], "entered_by_id": user_id,
                    "note": "", "created_at": at, "updated_at": at, "void_reason": "",
                })
            if len(batch) >= 20_000:
                conn.execute(insert(Harvest), batch)
                total += len(batch)
                batch = []
        if batch:
            conn.execute(insert(Harvest), batch)
            total += len(batch)
        if database.dialect == "postgresql":
            conn.execute(text("ANALYZE harvests"))
        else:
            conn.execute(text("ANALYZE"))
    return total


def prepare(url: str, years: int, today: date) -> dict:
    """Fill one database and return the operations to time on it, by name."""
    upgrade(url)
    database = Database(url)
    started = time.perf_counter()
    rows = fill(database, years, today)
    print(f"  {years:>2} years: {rows:,} records written in {time.perf_counter() - started:.1f} s", flush=True)
    app, client = logged_in(url, database)
    month_start = today.replace(day=1)
    year_start = date(today.year - 1, today.month, 1)
    session = database.session()

    def in_app(fn):
        return years_in_app(app, fn)

    return {
        "report, one month by day": in_app(
            lambda: yield_report.yield_report(session, month_start, today + timedelta(days=1), "day")),
        "report, one year by month": in_app(
            lambda: yield_report.yield_report(session, year_start, month_start, "month")),
        "report, one year by crop": in_app(
            lambda: yield_report.yield_report(session, year_start, month_start, "crop")),
        "dashboard panel (today)": in_app(lambda: harvests.day_summary(session, today)),
        "dashboard page": lambda: client.get("/dashboard"),
        "API yield, one year by month": lambda: client.get(
            f"/api/v1/reports/yield?from={year_start}&to={month_start}&by=month"),
        "_close": lambda: (session.close(), database.dispose()),
    }


def main() -> int:
    return compare("harvest benchmark", prepare, REPEAT)


if __name__ == "__main__":
    sys.exit(main())
