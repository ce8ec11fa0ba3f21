"""Benchmark: the greenhouse page, the park overview and the readings API with one day and with a year of history.

The whole park: 104 greenhouses with one device each, 5 metrics (those of bench/ingest_bench.py), one reading a
minute. Two databases:
  one day   raw readings and rollups (5m, 1h, park day) for the last 24 hours;
  one year  rollups for the last 365 days (`--days`), raw readings for the last 30 (`--raw-days`; what the purge
            keeps by default).
Both are written inside the database (INSERT ... SELECT over a table of times, a park day per statement, in time
order as the ingest and the rollup job would lay them out), then timed in turns, as medians:
  the greenhouse page (its 24-hour charts are embedded), the park overview (a 24-hour trend per greenhouse), the
  page's chart data for 24 hours, 7 and 90 days, GET /api/v1/readings for 24 h at 5m, 7 days at 1h, 90 days at 1d.
(The rollup job's time against its history is measured by bench/rollups_bench.py.)
Goal (issues 6 and 16): the long history's medians within 1.3x of the one-day medians for the page, the overview and
the readings API. The page's chart-data route is also shown for 7 and 90 days; with one day of history it has only a
day of points to return (125 against 840 for 7 days), so its ratio measures the points drawn and is marked, not
judged; for 24 hours both return the same points and it is judged.

    .venv/bin/python bench/readings_bench.py                    # PostgreSQL at FARM_BENCH_DATABASE_URL or
                                                                # FARM_TEST_DATABASE_URL, else SQLite files
    .venv/bin/python bench/readings_bench.py --database-url sqlite
    .venv/bin/python bench/readings_bench.py --database-url sqlite --days 30 --raw-days 1   # the light run
(with a PostgreSQL URL it creates and drops two scratch databases next to the one named)

Size of the one-year set: 104 x 5 series, each 105,120 5-minute + 8,760 hourly + 365 daily rollups (59.4 million
rows) and 43,200 raw readings (22.5 million rows); about 13 GB on PostgreSQL; 13-16 minutes to build on a quiet
machine. The light run (30 days of rollups and a day of raw readings: 5.6 million rows, under 1 GB on SQLite) returns
the year's points for 24 hours and 7 days (not for 90) and builds in a few minutes. Check free disk space (df -h)
first.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.scratch import database_url_argument, scratch_urls  # noqa: E402
from bench.years import logged_in, medians_ms  # noqa: E402
from farm import clock  # noqa: E402
from farm.db import Database  # noqa: E402
from farm.migrate import upgrade  # noqa: E402
from farm.models.rollups import RollupMark  # noqa: E402
from farm.models.sensors import Device  # noqa: E402
from farm.services import readings as reading_service  # noqa: E402
from farm.services import rollups  # noqa: E402
from tests.factories import make_crop, make_park, make_planting  # noqa: E402

GREENHOUSES = 104
# metric, value at park noon, change towards park midnight (a daily swing, different per device)
METRICS = (("temperature", 28.0, -14.0), ("humidity", 55.0, 30.0), ("soil_moisture", 35.0, -5.0),
           ("co2", 400.0, 500.0), ("light", 60000.0, -60000.0))
REPEAT = 31
# The measurements held to the 1.3x goal: what the issue names, and the chart data where both sets return a full day.
JUDGED = {"greenhouse page (24 h charts)", "park overview (104 trends)", "chart data 24 hours", "api 24 h at 5m",
          "api 7 days at 1h", "api 90 days at 1d"}
UTC = timezone.utc


def _value(epoch: str) -> str:
    """SQL for a reading at epoch second `epoch`: the metric's daily swing (a triangle peaking at park noon)."""
    tri = f"abs(((({epoch}) + 28800) % 86400) / 43200.0 - 1)"
    return f"(m.base + m.swing * {tri} + (d.id % 7) * 0.1)"


def _times_table(conn, dialect: str, name: str, times: list[datetime]) -> None:
    """A scratch table of (epoch, ts) rows for the INSERT ... SELECT statements to cross with the devices."""
    kind = "timestamptz" if dialect == "postgresql" else "TEXT"
    conn.execute(text(f"DROP TABLE IF EXISTS {name}"))
    conn.execute(text(f"CREATE TABLE {name} (e BIGINT PRIMARY KEY, ts {kind} NOT NULL)"))
    rows = [{"e": int(t.timestamp()),
             "ts": t if dialect == "postgresql" else t.strftime("%Y-%m-%d %H:%M:%S.%f")} for t in times]
    for i in range(0, len(rows), 20_000):
        conn.execute(text(f"INSERT INTO {name} (e, ts) VALUES (:e, :ts)"), rows[i:i + 20_000])


def _metrics_table(conn, metrics: tuple = METRICS) -> None:
    """A scratch table of the metrics with their value at park noon and their daily swing, for _value()."""
    conn.execute(text("DROP TABLE IF EXISTS bench_metrics"))
    conn.execute(text("CREATE TABLE bench_metrics (metric VARCHAR(20) PRIMARY KEY, base FLOAT, swing FLOAT)"))
    conn.execute(text("INSERT INTO bench_metrics VALUES (:m, :b, :s)"),
                 [{"m": m, "b": b, "s": s} for m, b, s in metrics])


def _periods(start: datetime, end: datetime, step: timedelta) -> list[datetime]:
    out, t = [], start
    while t < end:
        out.append(t)
        t += step
    return out


def fill(database: Database, days: int, raw_days: int, now: datetime) -> dict:
    """The park, its devices and users, then `days` of rollups and `raw_days` of raw readings ending at `now`."""
    with database.session_scope() as s:
        park = make_park(s, greenhouses=GREENHOUSES)
        crop = make_crop(s, day_temp_min=25, day_temp_max=29, night_temp_min=18, night_temp_max=22,
                         humidity_min=60, humidity_max=85, co2_min=400, co2_max=1200)
        for gh in park.greenhouses[:13]:
            make_planting(s, gh, crop)
        s.add_all([Device(code=f"th-{n:03d}", greenhouse_id=gh.id) for n, gh in enumerate(park.greenhouses, 1)])
        s.add(RollupMark(name=rollups.MARK, done_until=rollups.floor5(now)))
    dialect = database.dialect
    mark = rollups.floor5(now)
    first_day = rollups.day_start(now - timedelta(days=days))
    counts = {"raw": 0, "5m": 0, "1h": 0, "1d": 0}
    with database.engine.connect() as conn:
        if dialect == "sqlite":
            conn.execute(text("PRAGMA synchronous=OFF"))
        _metrics_table(conn)
        conn.commit()
        day = first_day
        while day <= now:
            upto = rollups.next_day_start(day)
            # Complete 5-minute periods before the mark; hours and the park day so far, as the job leaves them.
            plan = [("5m", _periods(max(day, rollups.floor5(now - timedelta(days=days))), min(upto, mark),
                                    rollups.FIVE), 5, 0.5),
                    ("1h", _periods(max(day, rollups.hour_start(now - timedelta(days=days))), min(upto, now),
                                    timedelta(hours=1)), 60, 2.0),
                    ("1d", [day], 1440, 6.0)]
            for resolution, times, n, spread in plan:
                if not times:
                    continue
                _times_table(conn, dialect, "bench_times", times)
                mean = _value("t.e")
                result = conn.execute(text(
                    "INSERT INTO reading_rollups (device_id, metric, resolution, period_start, greenhouse_id, "
                    "min, max, mean, count) "
                    f"SELECT d.id, m.metric, '{resolution}', t.ts, d.greenhouse_id, {mean} - {spread}, "
                    f"{mean} + {spread}, {mean}, {n} FROM bench_times t CROSS JOIN devices d CROSS JOIN bench_metrics m "
                    "ORDER BY t.e, d.id, m.metric"))
                counts[resolution] += result.rowcount
            raw_from = max(day, now - timedelta(days=raw_days))
            if raw_from < min(upto, now):
                _times_table(conn, dialect, "bench_times", _periods(raw_from, min(upto, now), timedelta(minutes=1)))
                result = conn.execute(text(
                    "INSERT INTO readings (device_id, metric, ts, greenhouse_id, value) "
                    f"SELECT d.id, m.metric, t.ts, d.greenhouse_id, {_value('t.e')} "
                    "FROM bench_times t CROSS JOIN devices d CROSS JOIN bench_metrics m ORDER BY t.e, d.id, m.metric"))
                counts["raw"] += result.rowcount
            conn.commit()
            day = upto
        conn.execute(text("DROP TABLE bench_times"))
        conn.execute(text("DROP TABLE bench_metrics"))
        conn.commit()
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if dialect == "postgresql" else "ANALYZE"))
    return counts


def prepare(url: str, label: str, days: int, raw_days: int, now: datetime) -> dict:
    """Fill one database and return the operations to time on it, by name."""
    upgrade(url)
    database = Database(url)
    started = time.perf_counter()
    counts = fill(database, days, raw_days, now)
    print(f"  {label:>8}: {counts['5m']:,} 5-minute, {counts['1h']:,} hourly, {counts['1d']:,} daily rollups and "
          f"{counts['raw']:,} raw readings written in {time.perf_counter() - started:.0f} s", flush=True)
    _, client = logged_in(url, database)

    def get(url: str):
        def run():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response
        return run

    def api(span: timedelta, resolution: str):
        # A fixed range ending at the data's newest minute, so every run reads the same periods.
        start = (now - span).isoformat().replace("+00:00", "Z")
        return get(f"/api/v1/readings?greenhouse=GH-052&metric=temperature&resolution={resolution}"
                   f"&from={start}&to={now.isoformat().replace('+00:00', 'Z')}")

    checks = {
        "api 24 h at 5m": (api(timedelta(hours=24), "5m"), 288),
        "api 7 days at 1h": (api(timedelta(days=7), "1h"), 7 * 24),
        "api 90 days at 1d": (api(timedelta(days=90), "1d"), 91),
    }
    for name, (fn, periods) in checks.items():
        points = fn().get_json()["points"]
        # The one-day set holds a day only; the long ranges must reach back through the whole year.
        if days >= 90 or "24 h" in name:
            assert abs(len(points) - periods) <= 1, (label, name, len(points))

    def points(fn) -> int:
        body = fn().get_json()
        return len(body["points"]) if "points" in body else sum(len(v) for v in body["series"].values())

    ops = {
        "greenhouse page (24 h charts)": get("/greenhouses/GH-052"),
        "park overview (104 trends)": get("/park"),
        "chart data 24 hours": get("/greenhouses/GH-052/readings.json?range=24h"),
        "chart data 7 days": get("/greenhouses/GH-052/readings.json?range=7d"),
        "chart data 90 days": get("/greenhouses/GH-052/readings.json?range=90d"),
        **{name: fn for name, (fn, _) in checks.items()},
        "  baseline: api 7 days at 1h, by the key": by_key(checks["api 7 days at 1h"][0]),
        "_close": lambda: database.dispose(),
    }
    ops["_points"] = {name: points(fn) for name, fn in ops.items() if ("data" in name or "api" in name)
                      and "baseline" not in name}
    return ops


def by_key(fn):
    """`fn` with the resolution bound as a parameter, as the queries were before issue 16: SQLite then reads the
    rollups through their key, not the hourly rollups' covering index (the baseline)."""
    def run():
        kept = reading_service.of_resolution
        reading_service.of_resolution = lambda column, resolution: column == resolution
        try:
            return fn()
        finally:
            reading_service.of_resolution = kept
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    database_url_argument(parser)
    parser.add_argument("--days", type=int, default=365, help="history of the long data set (default 365)")
    parser.add_argument("--raw-days", type=int, default=30, help="raw readings kept in the long set (default 30)")
    args = parser.parse_args()
    now = clock.now().replace(second=0, microsecond=0)
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=os.environ.get("FARM_BENCH_TMP")) as tmp:
        urls, drop = scratch_urls(args.database_url, Path(tmp), ("day", "year"))
        backend = make_url(urls[0]).get_backend_name()
        try:
            print(f"readings benchmark on {backend}: {GREENHOUSES} greenhouses x {len(METRICS)} metrics, "
                  f"one reading a minute; medians of {REPEAT} runs in turns; load average "
                  f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
            day = prepare(urls[0], "one day", 1, 1, now)
            year = prepare(urls[1], f"{args.days} days", args.days, min(args.raw_days, args.days), now)
            loads = os.getloadavg()
            figures = {name: medians_ms([day[name], year[name]], REPEAT) for name in day if not name.startswith("_")}
            day_points, year_points = day["_points"], year["_points"]
            day["_close"]()
            year["_close"]()
        finally:
            drop()
    print(f"\n{'':36} {'one day':>10} {args.days:>4} days {'ratio':>7}   points returned")
    worst = 0.0
    for name, (a, b) in figures.items():
        ratio = b / a
        # The chart-data route for 7 and 90 days is shown too, but a day of history holds a day of points, so it
        # returns 7x and 45x fewer points there: its extra time follows the points drawn, not the history kept.
        judged = name in JUDGED
        worst = max(worst, ratio) if judged else worst
        shown = (f"{day_points[name]:>6} / {year_points[name]}" if name in day_points else "")
        print(f"{name:36} {a:8.1f}ms {b:8.1f}ms {ratio:7.2f}{'' if judged else '*'}  {shown}")
    print("\n* shown, not judged: the chart data for 7 and 90 days return more points with a year of history "
          "(last column)")
    print(f"load average {loads[0]:.1f} when the timing began, {os.getloadavg()[0]:.1f} at its end; "
          f"the whole run took {time.perf_counter() - began:.0f} s")
    print(f"worst ratio {args.days} days / one day: {worst:.2f} ({'within' if worst <= 1.3 else 'OVER'} 1.3x)")
    return 0 if worst <= 1.3 else 1


if __name__ == "__main__":
    sys.exit(main())
