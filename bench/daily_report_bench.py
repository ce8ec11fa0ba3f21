"""Benchmark: the daily park report (farm.services.daily_report.generate) for a park day of the dense park.

The dense park of bench/rollups_bench.py (104 greenhouses, three devices each, 6 metrics), every greenhouse planted,
with the rollups the job leaves (5-minute, hourly and park-day periods of every device and metric) written inside
the database for `--days` park days (default 2) and for 7 (`--long-days`), on two scratch databases. The report
reads rollups only, never raw readings, so no raw readings are written. Timed in turns (medians of `--repeat`):
  the report of yesterday (a whole park day) with the short and the long history; in the same turns, the baselines:
  the report as it was before issue 16 (two queries per greenhouse) and a bare SQL read of what its climate section
  needs (the day's 5-minute temperature and humidity rollups folded per greenhouse and period by the database, read
  into Python). Beside the wall-clock medians, the reports' process CPU time (steadier under a loaded machine).
Goal (issue 16): under 2 s on both databases.

    .venv/bin/python bench/daily_report_bench.py                # PostgreSQL at FARM_BENCH_DATABASE_URL or
                                                                # FARM_TEST_DATABASE_URL, else SQLite files
    .venv/bin/python bench/daily_report_bench.py --database-url sqlite
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import selectinload  # noqa: E402

from bench.alerts_bench import EASY, HARD  # noqa: E402
from bench.readings_bench import _periods, _times_table, _value  # noqa: E402
from bench.rollups_bench import GREENHOUSES, METRICS, PARKS  # noqa: E402
from bench.scratch import database_url_argument, scratch_urls  # noqa: E402
from bench.years import medians_ms  # noqa: E402
from farm import clock  # noqa: E402
from farm.db import Database  # noqa: E402
from farm.migrate import upgrade  # noqa: E402
from farm.models.crops import Planting  # noqa: E402
from farm.models.park import Greenhouse  # noqa: E402
from farm.models.rollups import ReadingRollup  # noqa: E402
from farm.models.sensors import Device  # noqa: E402
from farm.services import alerts, daily_report, plantings, rollups  # noqa: E402
from farm.services.devices import devices_by_greenhouse  # noqa: E402
from tests.factories import make_crop, make_park, make_planting  # noqa: E402

REPEAT = 7
GOAL = 2.0


def fill(database: Database, days: int, today: date) -> int:
    """The dense park, planted, and its rollups for the `days` park days before `today` and today so far."""
    per_gh, n_metrics, _step = PARKS["dense"]
    with database.session_scope() as s:
        made = make_park(s, greenhouses=GREENHOUSES)
        easy, hard = make_crop(s, "easy", **EASY), make_crop(s, "hard", "难", "Hard", **HARD)
        for n, gh in enumerate(made.greenhouses):
            make_planting(s, gh, hard if n % 8 == 0 else easy, planted_on=today - timedelta(days=days + 60))
        s.add_all([Device(code=f"d-{gh.id:03d}-{k}", greenhouse_id=gh.id)
                   for gh in made.greenhouses for k in range(per_gh)])
    dialect, written = database.dialect, 0
    with database.engine.connect() as conn:
        if dialect == "sqlite":
            conn.execute(text("PRAGMA synchronous=OFF"))
        conn.execute(text("CREATE TABLE bench_metrics (metric VARCHAR(20) PRIMARY KEY, base FLOAT, swing FLOAT)"))
        conn.execute(text("INSERT INTO bench_metrics VALUES (:m, :b, :s)"),
                     [{"m": m, "b": b, "s": s} for m, b, s in METRICS[:n_metrics]])
        for back in range(days, -1, -1):
            start, end = clock.day_bounds(today - timedelta(days=back))
            for resolution, step, n, spread in (("5m", rollups.FIVE, 30, 0.5), ("1h", timedelta(hours=1), 360, 2.0),
                                                ("1d", end - start, 8640, 6.0)):
                _times_table(conn, dialect, "bench_times", _periods(start, end, step))
                mean = _value("t.e")
                written += conn.execute(text(
                    "INSERT INTO reading_rollups (device_id, metric, resolution, period_start, greenhouse_id, "
                    "min, max, mean, count) "
                    f"SELECT d.id, m.metric, '{resolution}', t.ts, d.greenhouse_id, {mean} - {spread}, "
                    f"{mean} + {spread}, {mean}, {n} FROM bench_times t CROSS JOIN devices d "
                    "CROSS JOIN bench_metrics m ORDER BY t.e, d.id, m.metric")).rowcount
            conn.commit()
        conn.execute(text("DROP TABLE bench_times"))
        conn.execute(text("DROP TABLE bench_metrics"))
        conn.commit()
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if dialect == "postgresql" else "ANALYZE"))
    return written


def report(database: Database, day: date, cpu: list):
    """The report made (and stored) in its own transaction; its process CPU seconds go to `cpu`."""
    def run():
        started = time.process_time()
        with database.session_scope() as s:
            daily_report.generate(s, day)
        cpu.append(time.process_time() - started)
    return run


def old_report(database: Database, day: date, cpu: list):
    """The report with its climate read as before issue 16: two queries per greenhouse, a limit per period."""
    def run():
        saved = daily_report._climate
        daily_report._climate = old_climate
        try:
            report(database, day, cpu)()
        finally:
            daily_report._climate = saved
    return run


def old_climate(session, day, start, end, config):
    """farm.services.daily_report._climate before issue 16 (the baseline)."""
    devices = devices_by_greenhouse(session)
    houses = session.scalars(select(Greenhouse).where(Greenhouse.id.in_(list(devices)))
                             .options(selectinload(Greenhouse.plantings).selectinload(Planting.crop))
                             .order_by(Greenhouse.code))
    out = []
    for house in houses:
        on_day = plantings.active_plantings(house, day)
        crop = on_day[0].crop if on_day else None
        ranges = alerts.Ranges.of([p.crop for p in on_day], config)
        limits = ranges.limits
        row = {"greenhouse": house.code, "name": house.name,
               "crop": {"code": crop.code, "name_zh": crop.name_zh, "name_en": crop.name_en} if crop else None,
               "ranges": {"day": [limits["day_temp_min"], limits["day_temp_max"]],
                          "night": [limits["night_temp_min"], limits["night_temp_max"]],
                          "humidity": [limits["humidity_min"], limits["humidity_max"]]}}
        for metric in daily_report.CLIMATE_METRICS:
            rows, length = [], None
            for resolution, size in daily_report.RESOLUTIONS:
                rows = session.execute(
                    select(ReadingRollup.period_start, func.min(ReadingRollup.min), func.max(ReadingRollup.max))
                    .where(ReadingRollup.device_id.in_(devices[house.id]), ReadingRollup.metric == metric,
                           ReadingRollup.resolution == resolution, ReadingRollup.greenhouse_id == house.id,
                           ReadingRollup.period_start >= start, ReadingRollup.period_start < end)
                    .group_by(ReadingRollup.period_start).order_by(ReadingRollup.period_start)).all()
                if rows:
                    length = size
                    break
            row[metric] = daily_report._judge(rows, length, ranges, *daily_report.JUDGED_BY[metric]) if rows \
                else None
        out.append(row)
    return out


def bare_read(database: Database, day: date):
    """The day's 5-minute temperature and humidity, folded per greenhouse and period by the database."""
    start, end = clock.day_bounds(day)
    r = ReadingRollup

    def run():
        with database.session_scope() as s:
            ids = list(s.scalars(select(Device.id)))
            s.execute(select(r.greenhouse_id, r.metric, r.period_start, func.min(r.min), func.max(r.max))
                      .where(r.device_id.in_(ids), r.metric.in_(("temperature", "humidity")), r.resolution == "5m",
                             r.period_start >= start, r.period_start < end)
                      .group_by(r.greenhouse_id, r.metric, r.period_start)).all()
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    database_url_argument(parser)
    parser.add_argument("--days", type=int, default=2, help="park days of rollups, short history (default 2)")
    parser.add_argument("--long-days", type=int, default=7, help="park days of rollups, long history (default 7)")
    parser.add_argument("--repeat", type=int, default=REPEAT, help=f"timed runs of each (default {REPEAT})")
    args = parser.parse_args()
    today = clock.today()
    day = today - timedelta(days=1)
    with tempfile.TemporaryDirectory(dir=os.environ.get("FARM_BENCH_TMP")) as tmp:
        urls, drop = scratch_urls(args.database_url, Path(tmp), ("short", "long"))
        print(f"daily report benchmark on {make_url(urls[0]).get_backend_name()}, dense park; medians of "
              f"{args.repeat} runs in turns; load average {os.getloadavg()[0]:.1f}", flush=True)
        try:
            bases = []
            for url, days in zip(urls, (args.days, args.long_days)):
                upgrade(url)
                database = Database(url)
                started = time.perf_counter()
                written = fill(database, days, today)
                with database.session_scope() as s:
                    houses = s.scalar(select(func.count()).select_from(Greenhouse))
                print(f"  {houses} greenhouses, {days} days of rollups: {written:,} rows written in "
                      f"{time.perf_counter() - started:.0f} s", flush=True)
                bases.append(database)
            load = os.getloadavg()[0]
            cpu = [[], [], []]
            short, long, old, bare = medians_ms([report(bases[0], day, cpu[0]), report(bases[1], day, cpu[1]),
                                                 old_report(bases[0], day, cpu[2]), bare_read(bases[0], day)],
                                                args.repeat)
            cpu = [statistics.median(c[1:]) * 1000 for c in cpu]  # not the warming run
            load = (load + os.getloadavg()[0]) / 2
            for database in bases:
                database.dispose()
        finally:
            drop()
    print(f"\n{'':52} {'time':>10} {'CPU':>10}")
    print(f"{f'daily report, {args.days} days of rollups':52} {short:8.0f}ms {cpu[0]:8.0f}ms")
    print(f"{f'daily report, {args.long_days} days of rollups':52} {long:8.0f}ms {cpu[1]:8.0f}ms")
    print(f"{'  baseline: the report before, ' + str(args.days) + ' days':52} {old:8.0f}ms {cpu[2]:8.0f}ms")
    print(f"{'  baseline: bare SQL read of its climate rollups':52} {bare:8.0f}ms")
    met = max(short, long) <= GOAL * 1000
    print(f"\ngoal: {max(short, long) / 1000:.2f} s (< {GOAL:g}): {'met' if met else 'NOT met'}; long history "
          f"against short: {long / short:.2f}x; load average {load:.1f} (now {os.getloadavg()[0]:.1f})")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
