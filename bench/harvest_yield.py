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
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from farm import clock, create_app  # noqa: E402
from farm.config import Config  # noqa: E402
from farm.db import Database, make_engine  # noqa: E402
from farm.migrate import upgrade  # noqa: E402
from farm.models.harvest import Harvest  # noqa: E402
from farm.models.people import Worker  # noqa: E402
from farm.services import harvest as harvests  # noqa: E402
from farm.services import yield_report  # noqa: E402
from farm.vocab import Grade  # noqa: E402
from tests.factories import make_crop, make_park, make_planting, make_user  # noqa: E402

PER_DAY = 137
REPEAT = 51
CROPS = (("cucumber", "黄瓜", "Cucumber"), ("tomato", "西红柿", "Tomato"), ("eggplant", "茄子", "Eggplant"),
         ("pepper", "尖椒", "Pepper"))


def fill(database: Database, years: int, today: date) -> int:
    """A park of 13 planted greenhouses and `years` of harvests up to today, written in bulk."""
    rng = random.Random(years)
    with database.session_scope() as s:
        park = make_park(s, greenhouses=13)
        crops = [make_crop(s, code=c, name_zh=zh, name_en=en) for c, zh, en in CROPS]
        plantings = [make_planting(s, gh, crops[i % 4], planted_on=today - timedelta(days=366 * years + 30))
                     for i, gh in enumerate(park.greenhouses)]
        user = make_user(s, "manager")
        workers = [Worker(name=f"工人{n}") for n in range(60)]
        s.add_all(workers)
        s.flush()
        plan = [(p.greenhouse_id, p.id, p.crop_id) for p in plantings]
        worker_ids, user_id = [w.id for w in workers], user.id
    total = 0
    batch: list[dict] = []
    tz = clock.park_tz()
    with database.engine.begin() as conn:
        for back in range(366 * years):
            day = today - timedelta(days=back)
            for n in range(PER_DAY):
                greenhouse, planting, crop = plan[n % len(plan)]
                at = datetime.combine(day, dtime(6 + n % 10, n % 60), tz).astimezone(timezone.utc)
                batch.append({
                    "greenhouse_id": greenhouse, "planting_id": planting, "crop_id": crop,
                    "weight_kg": Decimal(rng.randint(100, 700)) / 10, "grade": Grade.values()[n % 4], "crates": 3,
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


def medians_ms(fns: list) -> list[float]:
    """Median milliseconds of each function, run in turns so that a change in the machine's load hits all alike."""
    for fn in fns:
        fn()  # warm the caches once
    times = [[] for _ in fns]
    for _ in range(REPEAT):
        for i, fn in enumerate(fns):
            started = time.perf_counter()
            fn()
            times[i].append((time.perf_counter() - started) * 1000)
    return [statistics.median(t) for t in times]


def prepare(url: str, years: int, today: date) -> dict:
    """Fill one database and return the operations to time on it, by name."""
    upgrade(url)
    database = Database(url)
    started = time.perf_counter()
    rows = fill(database, years, today)
    print(f"  {years:>2} years: {rows:,} records written in {time.perf_counter() - started:.1f} s", flush=True)
    app = create_app(Config.from_env(env={}, database_url=url, secret_key="bench", instance_path=tempfile.mkdtemp()),
                     database)
    month_start = today.replace(day=1)
    year_start = date(today.year - 1, today.month, 1)
    with database.session_scope() as s:
        from farm.services import users

        users.create_user(s, "boss", "manager", "bench-pass-1")
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/login", data={"username": "boss", "password": "bench-pass-1", "csrf_token": token})
    session = database.session()

    def in_app(fn):
        def run():
            with app.test_request_context():
                fn()
        return run

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


def scratch_urls(base: str | None, tmp: Path) -> tuple[list[str], callable]:
    if not base:
        return [f"sqlite:///{tmp / f'bench{y}.db'}" for y in (2, 10)], lambda: None
    url = make_url(base)
    admin = make_engine(url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    names = [f"farm_bench_{uuid.uuid4().hex[:8]}" for _ in (2, 10)]
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return [url.set(database=n).render_as_string(hide_password=False) for n in names], drop


def main() -> int:
    base = sys.argv[1] if len(sys.argv) > 1 else None
    today = clock.today()
    with tempfile.TemporaryDirectory() as tmp:
        urls, drop = scratch_urls(base, Path(tmp))
        try:
            print(f"harvest benchmark on {make_url(urls[0]).get_backend_name()}, median of {REPEAT} runs", flush=True)
            two, ten = prepare(urls[0], 2, today), prepare(urls[1], 10, today)
            figures = {name: medians_ms([two[name], ten[name]]) for name in two if not name.startswith("_")}
            two["_close"]()
            ten["_close"]()
        finally:
            drop()
    print(f"\n{'':40} {'2 years':>10} {'10 years':>10} {'ratio':>7}")
    worst = 0.0
    for name, (a, b) in figures.items():
        ratio = b / a
        worst = max(worst, ratio)
        print(f"{name:40} {a:8.2f}ms {b:8.2f}ms {ratio:7.2f}")
    print(f"\nworst ratio 10y/2y: {worst:.2f} ({'within' if worst <= 1.5 else 'OVER'} 1.5x)")
    return 0 if worst <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
