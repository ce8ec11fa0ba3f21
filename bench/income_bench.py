"""Benchmark: the income report for every household over a year, on the demo park and on a big park.

The big park is bench/livelihoods_data.py's: 3,000 households, 600 workers, five years of attendance, harvests,
closed payroll months, rent and other income. Times, as medians taken in turns (bench/years.py), the report's
service for last year (every month closed) and for this year (this month open, priced by the payroll), the report
page, the API answer and the year's projection the warnings use; and, as the floor under them, the bare SQL of the
aggregates the report reads (the same statements, rows fetched, nothing priced or rendered), timed in the same
turns. Prints the load average beside the figures. The big park's report page must stay under one second.

    .venv/bin/python bench/income_bench.py                     # SQLite files in a temporary folder
    .venv/bin/python bench/income_bench.py postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/income_bench.py sqlite --big sqlite:////tmp/big.db    # a big park filled before
(with a PostgreSQL URL it creates and drops scratch databases next to the one named; `--big` names a big park
bench/livelihoods_data.py filled for that date: the run migrates it if needed and adds its login, nothing else)
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import case, distinct, func, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.livelihoods_data import fill  # noqa: E402
from bench.scratch import scratch_urls  # noqa: E402
from bench.years import logged_in, medians_ms  # noqa: E402
from farm import clock  # noqa: E402
from farm.clock import month_range  # noqa: E402
from farm.db import Database  # noqa: E402
from farm.demo import seed_demo  # noqa: E402
from farm.migrate import upgrade  # noqa: E402
from farm.models.assets import Distribution, DistributionLine  # noqa: E402
from farm.models.harvest import Harvest  # noqa: E402
from farm.models.land import Household, LandContract, RentPayment  # noqa: E402
from farm.models.livelihoods import IncomeEntry  # noqa: E402
from farm.models.people import Assignment, PayrollLine, PayrollMonth, Worker  # noqa: E402
from farm.services import livelihoods  # noqa: E402
from farm.vocab import DistributionKind, IncomeKind  # noqa: E402

REPEAT = 11
# The park's clock stands at the demo's moment (2026-11-28, 10:00 in the park) so the figures repeat.
NOW = datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)
PAGE_LIMIT_MS = 1000


def bare_sql(database: Database, year: int, today: date):
    """The aggregates the year's report reads, as bare SQL on a connection, every row fetched: the households in
    the report's order, rent per household, each source summed per household (pay per worker for the closed
    months), and for an open month the attendance and kilograms per worker its pricing reads."""
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    months = [m for m in livelihoods.year_months(year) if month_range(m)[0] <= today]
    with database.engine.connect() as conn:
        closed = set(conn.scalars(select(PayrollMonth.month).where(PayrollMonth.month.in_(months))))
    opened = [m for m in months if m not in closed]
    statements = [
        select(Household.id, Household.name, Household.village_group, Household.status, Household.members)
        .order_by(Household.village_group, Household.name, Household.id),
        select(LandContract.household_id, func.sum(RentPayment.amount))
        .join(RentPayment, RentPayment.contract_id == LandContract.id)
        .where(RentPayment.paid_on >= start, RentPayment.paid_on < end).group_by(LandContract.household_id),
        select(Worker.id, Worker.household_id).where(Worker.household_id.is_not(None)),
        select(PayrollLine.worker_id, func.sum(PayrollLine.amount))
        .join(PayrollMonth, PayrollMonth.id == PayrollLine.payroll_id)
        .where(PayrollMonth.month.in_(sorted(closed))).group_by(PayrollLine.worker_id),
        select(DistributionLine.household_id, func.sum(DistributionLine.amount))
        .join(Distribution, DistributionLine.distribution_id == Distribution.id)
        .where(DistributionLine.kind == DistributionKind.DIVIDEND, DistributionLine.household_id.is_not(None),
               Distribution.paid_on >= start, Distribution.paid_on < end).group_by(DistributionLine.household_id),
        select(IncomeEntry.household_id,
               func.sum(case((IncomeEntry.kind == IncomeKind.COSTS.value, -IncomeEntry.amount),
                             else_=IncomeEntry.amount)))
        .where(IncomeEntry.year == year, IncomeEntry.voided_at.is_(None)).group_by(IncomeEntry.household_id),
    ]
    for month in opened:
        first, last = month_range(month)
        statements += [
            select(Assignment.worker_id, func.count(distinct(Assignment.day)), func.sum(Assignment.hours))
            .where(Assignment.day >= first, Assignment.day < last, Assignment.present.is_(True))
            .group_by(Assignment.worker_id),
            select(Harvest.worker_id, Harvest.crop_id, Harvest.grade, func.sum(Harvest.weight_kg))
            .where(Harvest.day >= first, Harvest.day < last, Harvest.voided_at.is_(None),
                   Harvest.worker_id.is_not(None)).group_by(Harvest.worker_id, Harvest.crop_id, Harvest.grade),
        ]

    def run():
        with database.engine.connect() as conn:
            for statement in statements:
                conn.execute(statement).all()
    return run


def prepare(url: str, big: bool, filled: bool = False) -> dict:
    """Fill one database (the demo park, or the big park unless `filled`) and return the operations to time on
    it, by name."""
    today = clock.today()
    started = time.perf_counter()
    if filled:
        upgrade(url)  # a park filled before this release's migrations
    elif big:
        counts = fill(url, today)
        print(f"  big park: {counts} in {time.perf_counter() - started:.0f} s", flush=True)
    else:
        upgrade(url)
        with Database(url).session_scope() as s:
            seed_demo(s, today=today)
        print(f"  demo park seeded in {time.perf_counter() - started:.0f} s", flush=True)
    database = Database(url)
    _app, client = logged_in(url, database)
    session = database.session()
    last, this = today.year - 1, today.year

    def fresh(fn):
        def run():
            session.expire_all()
            fn()
            session.rollback()
        return run

    def page_ok(path):
        def run():
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
        return run

    return {
        f"bare SQL of the aggregates, {last}": bare_sql(database, last, today),
        f"service, {last} (months closed)": fresh(lambda: livelihoods.income_report(session, last, today=today)),
        f"page /livelihoods/income?year={last}": page_ok(f"/livelihoods/income?year={last}"),
        f"bare SQL of the aggregates, {this}": bare_sql(database, this, today),
        f"service, {this} (this month open)": fresh(lambda: livelihoods.income_report(session, this, today=today)),
        f"page /livelihoods/income?year={this}": page_ok(f"/livelihoods/income?year={this}"),
        f"API /reports/income?year={last}": page_ok(f"/api/v1/reports/income?year={last}"),
        f"projection {this} (warnings)": fresh(lambda: livelihoods.projected(session, this, today)),
        "_close": lambda: (session.close(), database.dispose()),
    }


def load() -> str:
    return "load average " + " / ".join(f"{x:.1f}" for x in os.getloadavg()) + " (1, 5, 15 min)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", default=None, help="'sqlite' (default) or a PostgreSQL URL")
    parser.add_argument("--big", help="a big park bench/livelihoods_data.py filled before (not filled again)")
    parser.add_argument("--repeat", type=int, default=REPEAT)
    args = parser.parse_args()
    clock.freeze(NOW)
    with tempfile.TemporaryDirectory() as tmp:
        urls, drop = scratch_urls(args.url, Path(tmp), ("demo",) if args.big else ("demo", "big"))
        try:
            backend = make_url(args.big or urls[-1]).get_backend_name()
            print(f"income benchmark on {backend}, median of {args.repeat} runs taken in turns", flush=True)
            demo = prepare(urls[0], False)
            big = prepare(args.big, True, filled=True) if args.big else prepare(urls[1], True)
            print(f"  timing; {load()}", flush=True)
            names = [name for name in demo if not name.startswith("_")]
            # every operation on both parks in the same turns, so a change of the machine's load hits all alike
            times = medians_ms([demo[n] for n in names] + [big[n] for n in names], args.repeat)
            figures = {n: (times[i], times[len(names) + i]) for i, n in enumerate(names)}
            demo["_close"]()
            big["_close"]()
        finally:
            drop()
    print(f"\n{'':44} {'demo park':>10} {'big park':>10}    {load()}")
    for name, (a, b) in figures.items():
        print(f"{name:44} {a:8.1f}ms {b:8.1f}ms")
    pages = {name: b for name, (a, b) in figures.items() if name.startswith("page")}
    worst = max(pages.values())
    print(f"\nbig park's report pages: {', '.join(f'{b:.0f} ms' for b in pages.values())} "
          f"({'under' if worst < PAGE_LIMIT_MS else 'OVER'} one second)")
    return 0 if worst < PAGE_LIMIT_MS else 1


if __name__ == "__main__":
    sys.exit(main())
