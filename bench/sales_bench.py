"""Benchmark: stock on hand, the sales report and a certificate's trace with two and with ten years of harvests
and shipments.

Builds two databases in bulk: about 137 harvest records a day in 13 greenhouses (four crops, four grades); every
day's harvest shipped the next day, one line per crop and grade, to one of six buyers (two of them 消费帮扶
canteens), each line allocated first in first out to the harvest records it came from; a little loss every week.
Two years are about 100,000 harvests, 11,700 shipment lines and 100,000 allocation rows; ten years five times that.

Then it times, as medians of runs taken in turns: stock on hand (every crop and grade), the sales report for the
last month by day and the last year by month, by buyer and by crop, the trace of the newest certificate, and the
report through the API. The ten-year figures must stay within 1.5x of the two-year ones.

On PostgreSQL the load switches the stock-total triggers off and counts the totals once at the end, as a bulk
import would (SQLite keeps them on). The data generator is not what is measured: it runs to completion (and is timed on its own line) before the first
timed call, every timed call only reads, and the figures do not change when the generator is slower or faster
(the fill time printed for each database is several thousand times a timed call).

    .venv/bin/python bench/sales_bench.py                     # SQLite files in a temporary folder
    .venv/bin/python bench/sales_bench.py postgresql+psycopg://postgres@127.0.0.1:5432/postgres
(with a PostgreSQL URL it creates and drops two scratch databases next to the one named)
"""
from __future__ import annotations

import random
import sys
import time
import uuid
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
from farm.models.sales import Buyer, Loss, Shipment, ShipmentLine, StockAllocation  # noqa: E402
from farm.services import sales_report, stock, trace  # noqa: E402
from farm.vocab import Grade  # noqa: E402

REPEAT = 31
BATCH = 20_000
PRICES = {Grade.PREMIUM: Decimal("8.00"), Grade.GRADE1: Decimal("6.00"), Grade.GRADE2: Decimal("4.50"),
          Grade.OFFGRADE: Decimal("2.50")}
BUYERS = (("市第一中学食堂", "canteen", True), ("区政府机关食堂", "canteen", True), ("惠民超市", "supermarket", False),
          ("乌达批发市场", "wholesale", False), ("海勃湾饭店", "restaurant", False), ("鲜菜到家", "online", False))

BULK_TABLES = ("harvests", "shipment_lines", "stock_losses")
# What migration 0951_stock_totals counts when it starts: the totals from the records.
RECOUNT = (
    "INSERT INTO stock_totals (crop_id, grade, harvested_g, shipped_g, lost_g) "
    "SELECT crop_id, grade, SUM(h), SUM(s), SUM(l) FROM ("
    "SELECT crop_id, grade, CAST(ROUND(weight_kg * 1000) AS BIGINT) AS h, 0 AS s, 0 AS l FROM harvests "
    "WHERE voided_at IS NULL "
    "UNION ALL SELECT crop_id, grade, 0, CAST(ROUND(weight_kg * 1000) AS BIGINT), 0 FROM shipment_lines "
    "UNION ALL SELECT crop_id, grade, 0, 0, CAST(ROUND(weight_kg * 1000) AS BIGINT) FROM stock_losses"
    ") x GROUP BY crop_id, grade")


class Writer:
    """Rows of each table gathered and inserted in batches, with ids given here so that rows can point at each
    other without reading anything back."""

    def __init__(self, conn):
        self.conn, self.rows, self.ids = conn, {}, {}

    def add(self, model, **row) -> int:
        next_id = self.ids.get(model, 0) + 1
        self.ids[model] = next_id
        self.rows.setdefault(model, []).append({"id": next_id, **row})
        if len(self.rows[model]) >= BATCH:
            self.flush()
        return next_id

    def flush(self) -> None:
        # Parents before children, so the foreign keys hold at every batch.
        for model in (Harvest, Shipment, ShipmentLine, Loss, StockAllocation):
            if self.rows.get(model):
                self.conn.execute(insert(model), self.rows.pop(model))


def fill(database: Database, years: int, today: date) -> dict:
    """`years` of harvests up to yesterday, each day's harvest shipped (or a little of it lost) the next day."""
    rng = random.Random(years)
    with database.session_scope() as s:
        plan, worker_ids, user_id = planted_park(s, years, today)
        buyers = [Buyer(name=n, kind=k, consumption_aid=aid) for n, k, aid in BUYERS]
        s.add_all(buyers)
        s.flush()
        buyer_ids = [(b.id, b.consumption_aid) for b in buyers]
    grades = list(Grade)
    counts = {"harvests": 0, "lines": 0, "allocations": 0}
    first = today - timedelta(days=366 * years)
    postgresql = database.dialect == "postgresql"
    with database.engine.begin() as conn:
        if postgresql:  # a bulk load: the totals are counted once at the end instead of row by row
            for table in BULK_TABLES:
                conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        w = Writer(conn)
        waiting: dict[tuple[int, str], list[tuple[int, Decimal]]] = {}
        day = first
        while day < today:
            # Yesterday's harvest leaves today: one shipment a crop, a line per grade; every seventh day a loss.
            if waiting:
                for crop_id in sorted({c for c, _ in waiting}):
                    buyer_id, aid = buyer_ids[(day.toordinal() + crop_id) % len(buyer_ids)]
                    number = f"S{day:%Y%m%d}-{crop_id}"
                    shipment = w.add(Shipment, number=number, buyer_id=buyer_id, day=day, total=Decimal(0),
                                     consumption_aid=aid, certificate_code=uuid.UUID(int=rng.getrandbits(128)).hex,
                                     note="", created_by_id=user_id, created_at=clock.at_local(day, dtime(7)))
                    for (c, grade), lots in sorted(waiting.items()):
                        if c != crop_id:
                            continue
                        if day.weekday() == 0 and grade == Grade.OFFGRADE:
                            loss = w.add(Loss, day=day, crop_id=c, grade=grade, weight_kg=lots[0][1],
                                         reason="spoilage", note="", created_by_id=user_id,
                                         created_at=clock.at_local(day, dtime(7)))
                            w.add(StockAllocation, harvest_id=lots[0][0], shipment_line_id=None, loss_id=loss,
                                  weight_kg=lots[0][1])
                            lots = lots[1:]
                        weight = sum((kg for _, kg in lots), Decimal(0))
                        if not weight:
                            continue
                        price = PRICES[grade]
                        line = w.add(ShipmentLine, shipment_id=shipment, crop_id=c, grade=grade, weight_kg=weight,
                                     price_per_kg=price, amount=(weight * price).quantize(Decimal("0.01")))
                        counts["lines"] += 1
                        for harvest_id, kg in lots:
                            w.add(StockAllocation, harvest_id=harvest_id, shipment_line_id=line, loss_id=None,
                                  weight_kg=kg)
                            counts["allocations"] += 1
                waiting = {}
            for n in range(PER_DAY):
                greenhouse, planting, crop = plan[n % len(plan)]
                at = clock.at_local(day, dtime(6 + n % 10, n % 60))
                grade = grades[n % 4]
                kg = Decimal(rng.randint(100, 700)) / 10
                harvest = w.add(Harvest, greenhouse_id=greenhouse, planting_id=planting, crop_id=crop, weight_kg=kg,
                                grade=grade, crates=3, harvested_at=at, day=day, worker_id=worker_ids[n % 60],
                                entered_by_id=user_id, note="", created_at=at, updated_at=at, void_reason="")
                waiting.setdefault((crop, grade.value), []).append((harvest, kg))
                counts["harvests"] += 1
            day += timedelta(days=1)
        w.flush()
        if postgresql:
            for table in BULK_TABLES:
                conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
            conn.execute(text("DELETE FROM stock_totals"))
            conn.execute(text(RECOUNT))
        conn.execute(text("ANALYZE"))
    return counts


def prepare(url: str, years: int, today: date) -> dict:
    """Fill one database (untimed by the medians) and return the read-only operations to time on it, by name."""
    upgrade(url)
    database = Database(url)
    started = time.perf_counter()
    counts = fill(database, years, today)
    print(f"  {years:>2} years: {counts['harvests']:,} harvests, {counts['lines']:,} shipment lines, "
          f"{counts['allocations']:,} allocations written in {time.perf_counter() - started:.1f} s (not measured)",
          flush=True)
    app, client = logged_in(url, database)
    month_start = today.replace(day=1)
    year_start = date(today.year - 1, today.month, 1)
    session = database.session()
    code = session.scalar(text("SELECT certificate_code FROM shipments ORDER BY day DESC, id DESC LIMIT 1"))

    def in_app(fn):
        return years_in_app(app, fn)

    return {
        "stock on hand (all crops and grades)": in_app(lambda: stock.stock(session)),
        "sales report, one month by day": in_app(
            lambda: sales_report.sales_report(session, month_start, today + timedelta(days=1), "day")),
        "sales report, one year by month": in_app(
            lambda: sales_report.sales_report(session, year_start, month_start, "month")),
        "sales report, one year by buyer": in_app(
            lambda: sales_report.sales_report(session, year_start, month_start, "buyer")),
        "trace of the newest certificate": in_app(lambda: trace.trace(session, code)),
        "API sales report, one month by crop": lambda: client.get(
            f"/api/v1/reports/sales?from={month_start}&to={today + timedelta(days=1)}&by=crop"),
        "_close": lambda: (session.close(), database.dispose()),
    }


def main() -> int:
    return compare("sales benchmark", prepare, REPEAT)


if __name__ == "__main__":
    sys.exit(main())
