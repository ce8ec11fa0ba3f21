"""Benchmark: the rollup job (farm.services.rollups.run_rollups) folding the park's newest hour of raw readings.

Two parks, each on its own scratch database:
  current  104 greenhouses, one device each, 5 metrics, a reading a minute (31,200 readings an hour);
  dense    104 greenhouses, three devices each, 6 metrics, a reading every 10 s (673,920 readings an hour).
Raw readings are written inside the database (INSERT ... SELECT over a table of times), then the job folds all of
it once (its first run, the catch-up: timed and shown too). Then, medians of a few runs, each with the mark put
back and no late window:
  the job folding one hour and two hours (its time must follow the readings it folds), and, for the current park,
  one hour with a long history behind it (`--history-days`, raw readings and their rollups) against a short one;
  in the same run, the baselines: a bare SQL GROUP BY of the same hour (the database's own aggregation, read into
  Python, nothing written) and, for the current park, the job as it was before (a query per device and metric,
  folded in Python; 3 runs).
Goals (issue 16): one hour of the current park <= 0.16 s, of the dense park <= 3.5 s, >= 200,000 readings/s.

    .venv/bin/python bench/rollups_bench.py                     # PostgreSQL at FARM_BENCH_DATABASE_URL or
                                                                # FARM_TEST_DATABASE_URL, else SQLite files
    .venv/bin/python bench/rollups_bench.py --database-url sqlite --history-days 3
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import bindparam, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.readings_bench import _periods, _times_table, _value  # noqa: E402
from bench.scratch import scratch_urls  # noqa: E402
from farm import clock  # noqa: E402
from farm.db import Database  # noqa: E402
from farm.migrate import upgrade  # noqa: E402
from farm.models.base import UTCDateTime  # noqa: E402
from farm.models.rollups import ReadingRollup, RollupMark  # noqa: E402
from farm.models.sensors import Device, Reading  # noqa: E402
from farm.services import rollups, settings  # noqa: E402
from tests.factories import make_park  # noqa: E402

GREENHOUSES = 104
METRICS = (("temperature", 28.0, -14.0), ("humidity", 55.0, 30.0), ("soil_moisture", 35.0, -5.0),
           ("co2", 400.0, 500.0), ("light", 60000.0, -60000.0), ("soil_temperature", 20.0, -4.0))
PARKS = {"current": (1, 5, 60), "dense": (3, 6, 10)}  # devices a greenhouse, metrics, seconds between readings
REPEAT = 5
UTC = timezone.utc


def fill(database: Database, park: str, hours: float, now: datetime) -> int:
    """The park's devices and `hours` of raw readings ending at `now`; returns the readings written."""
    per_gh, n_metrics, step = PARKS[park]
    with database.session_scope() as s:
        made = make_park(s, greenhouses=GREENHOUSES)
        s.add_all([Device(code=f"d-{gh.id:03d}-{k}", greenhouse_id=gh.id)
                   for gh in made.greenhouses for k in range(per_gh)])
    written = 0
    with database.engine.connect() as conn:
        dialect = database.dialect
        if dialect == "sqlite":
            conn.execute(text("PRAGMA synchronous=OFF"))
        conn.execute(text("CREATE TABLE bench_metrics (metric VARCHAR(20) PRIMARY KEY, base FLOAT, swing FLOAT)"))
        conn.execute(text("INSERT INTO bench_metrics VALUES (:m, :b, :s)"),
                     [{"m": m, "b": b, "s": s} for m, b, s in METRICS[:n_metrics]])
        start = now - timedelta(hours=hours)
        while start < now:  # six hours a statement, in time order as the ingest lays them out
            upto = min(start + timedelta(hours=6), now)
            _times_table(conn, dialect, "bench_times", _periods(start, upto, timedelta(seconds=step)))
            written += conn.execute(text(
                "INSERT INTO readings (device_id, metric, ts, greenhouse_id, value) "
                f"SELECT d.id, m.metric, t.ts, d.greenhouse_id, {_value('t.e')} "
                "FROM bench_times t CROSS JOIN devices d CROSS JOIN bench_metrics m "
                "ORDER BY t.e, d.id, m.metric")).rowcount
            conn.commit()
            start = upto
        conn.execute(text("DROP TABLE bench_times"))
        conn.execute(text("DROP TABLE bench_metrics"))
        conn.commit()
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if dialect == "postgresql" else "ANALYZE"))
    return written


def job(database: Database, now: datetime, hours: int):
    def run() -> float:
        with database.session_scope() as s:
            if settings.get(s, rollups.LATE_HOURS.key) != 0:
                settings.put(s, rollups.LATE_HOURS.key, "0")
            s.get(RollupMark, rollups.MARK).done_until = rollups.floor5(now) - timedelta(hours=hours)
        started = time.perf_counter()
        with database.session_scope() as s:
            rollups.run_rollups(s, now)
        return time.perf_counter() - started
    return run


def bare_group_by(database: Database, now: datetime):
    """The database's own aggregation of the hour into 5-minute periods, read into Python, nothing written."""
    period = rollups._period(database.dialect, "ts", "5m")
    stmt = text(f"SELECT device_id, metric, {period}, min(value), max(value), avg(value), count(*) FROM readings "
                f"WHERE ts >= :start AND ts < :end GROUP BY device_id, metric, {period}").bindparams(
        bindparam("start", type_=UTCDateTime()), bindparam("end", type_=UTCDateTime()))

    def run() -> float:
        started = time.perf_counter()
        with database.session_scope() as s:
            s.execute(stmt, {"start": rollups.floor5(now) - timedelta(hours=1), "end": rollups.floor5(now)}).all()
        return time.perf_counter() - started
    return run


def old_job(database: Database, now: datetime):
    """The job before issue 16, for the baseline: each device's metric read apart, folded and upserted in Python."""
    def upsert(s, rows):
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert
        make = pg_insert if database.dialect == "postgresql" else sqlite_insert
        for i in range(0, len(rows), 500):
            stmt = make(ReadingRollup).values(rows[i:i + 500])
            s.execute(stmt.on_conflict_do_update(
                index_elements=["device_id", "metric", "resolution", "period_start"],
                set_={c: getattr(stmt.excluded, c) for c in ("greenhouse_id", "min", "max", "mean", "count")}))

    def fold(points, key):
        out: dict = {}
        for ts, lo, hi, total, n in points:
            acc = out.setdefault(key(ts), [lo, hi, 0.0, 0])
            acc[0], acc[1], acc[2], acc[3] = min(acc[0], lo), max(acc[1], hi), acc[2] + total, acc[3] + n
        return out

    def rows(folded, d, m, gh, resolution):
        return [{"device_id": d, "metric": m, "resolution": resolution, "period_start": p, "greenhouse_id": gh,
                 "min": lo, "max": hi, "mean": total / n, "count": n} for p, (lo, hi, total, n) in folded.items()]

    def run() -> float:
        end = rollups.floor5(now)
        start = end - timedelta(hours=1)
        started = time.perf_counter()
        with database.session_scope() as s:
            for d, gh in s.execute(select(Device.id, Device.greenhouse_id)).all():
                for m, *_ in METRICS:
                    raw = s.execute(select(Reading.ts, Reading.value).where(
                        Reading.device_id == d, Reading.metric == m, Reading.ts >= start, Reading.ts < end)).all()
                    if not raw:
                        continue
                    upsert(s, rows(fold(((ts, v, v, v, 1) for ts, v in raw), rollups.floor5), d, m, gh, "5m"))
                    for resolution, key, lo, hi in (("1h", rollups.hour_start, start, end),
                                                    ("1d", rollups.day_start, rollups.day_start(start),
                                                     rollups.next_day_start(rollups.day_start(start)))):
                        fives = s.execute(select(ReadingRollup.period_start, ReadingRollup.min, ReadingRollup.max,
                                                 ReadingRollup.mean * ReadingRollup.count, ReadingRollup.count)
                                          .where(ReadingRollup.device_id == d, ReadingRollup.metric == m,
                                                 ReadingRollup.resolution == "5m",
                                                 ReadingRollup.period_start >= lo,
                                                 ReadingRollup.period_start < hi)).all()
                        upsert(s, rows(fold(fives, key), d, m, gh, resolution))
        return time.perf_counter() - started
    return run


def median(fn, repeat: int) -> float:
    fn()  # warm the caches once
    return statistics.median(fn() for _ in range(repeat))


def prepare(url: str, park: str, hours: float, now: datetime) -> Database:
    upgrade(url)
    database = Database(url)
    started = time.perf_counter()
    written = fill(database, park, hours, now)
    filled = time.perf_counter() - started
    started = time.perf_counter()
    with database.session_scope() as s:
        rollups.run_rollups(s, now)  # the first run: folds the whole history
    caught = time.perf_counter() - started
    # The statistics a running park has (autovacuum keeps them): the rollups were empty at the ANALYZE in fill().
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    print(f"  {park} park, {hours:g} h of history: {written:,} readings written in {filled:.0f} s, folded by the "
          f"job's first run in {caught:.1f} s ({written / caught:,.0f} readings/s)", flush=True)
    return database


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("FARM_BENCH_DATABASE_URL")
                        or os.environ.get("FARM_TEST_DATABASE_URL") or "sqlite",
                        help="a PostgreSQL URL (scratch databases are made next to it) or 'sqlite'")
    parser.add_argument("--history-days", type=float, default=3, help="the current park's long history (default 3)")
    args = parser.parse_args()
    now = clock.now().replace(second=0, microsecond=0)
    per_hour = {p: GREENHOUSES * k * m * 3600 // step for p, (k, m, step) in PARKS.items()}
    with tempfile.TemporaryDirectory(dir=os.environ.get("FARM_BENCH_TMP")) as tmp:
        urls, drop = scratch_urls(args.database_url, Path(tmp), ("short", "long", "dense"))
        backend = make_url(urls[0]).get_backend_name()
        print(f"rollups benchmark on {backend}; medians of {REPEAT} runs (the old job's of 3)", flush=True)
        try:
            short = prepare(urls[0], "current", 3, now)
            long = prepare(urls[1], "current", args.history_days * 24, now)
            dense = prepare(urls[2], "dense", 3, now)
            figures = [
                ("current park, 1 hour (3 h of history)", per_hour["current"], median(job(short, now, 1), REPEAT)),
                ("current park, 2 hours (3 h of history)", 2 * per_hour["current"], median(job(short, now, 2), REPEAT)),
                (f"current park, 1 hour ({args.history_days:g} days of history)", per_hour["current"],
                 median(job(long, now, 1), REPEAT)),
                ("  baseline: bare SQL GROUP BY, 1 hour", per_hour["current"], median(bare_group_by(short, now), REPEAT)),
                ("  baseline: the old job, 1 hour", per_hour["current"], median(old_job(short, now), 3)),
                ("dense park, 1 hour (3 h of history)", per_hour["dense"], median(job(dense, now, 1), REPEAT)),
                ("dense park, 2 hours (3 h of history)", 2 * per_hour["dense"], median(job(dense, now, 2), REPEAT)),
                ("  baseline: bare SQL GROUP BY, 1 hour", per_hour["dense"], median(bare_group_by(dense, now), REPEAT)),
            ]
            for db in (short, long, dense):
                db.dispose()
        finally:
            drop()
    print(f"\n{'':48} {'readings':>10} {'time':>9} {'readings/s':>12}")
    for name, n, seconds in figures:
        print(f"{name:48} {n:>10,} {seconds:8.3f}s {n / seconds:>12,.0f}")
    current, dense_one = figures[0][2], figures[5][2]
    rate = min(per_hour["current"] / current, per_hour["dense"] / dense_one)
    met = current <= 0.16 and dense_one <= 3.5 and rate >= 200_000
    print(f"\ngoals: current hour {current:.3f} s (<= 0.16), dense hour {dense_one:.2f} s (<= 3.5), "
          f"lowest rate {rate:,.0f}/s (>= 200,000): {'met' if met else 'NOT met'}")
    print(f"history: {args.history_days:g} days against 3 hours behind the current hour: "
          f"{figures[2][2] / current:.2f}x; two hours against one: {figures[1][2] / current:.2f}x (current), "
          f"{figures[6][2] / dense_one:.2f}x (dense)")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
