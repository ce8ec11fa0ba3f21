"""Benchmark: the rollup job (farm.services.rollups.run_rollups) folding the park's newest hours of raw readings.

Two parks, each on its own scratch database:
  current  104 greenhouses, one device each, 5 metrics, a reading a minute (31,200 readings an hour);
  dense    104 greenhouses, three devices each, 6 metrics, a reading every 10 s (673,920 readings an hour).
Raw readings are written inside the database (INSERT ... SELECT over a table of times), then the job folds all of
it once (its first run, the catch-up: timed and shown too). Then medians of runs taken in turns (each round runs
every measurement of a park once, so a change in the machine's load hits all alike), each run with the mark put back
and no late window:
  a new hour: the hour's 5-minute and hourly rollups removed before the run (not timed), so the job inserts them as
    it does for readings it has not seen; also two new hours (the time must follow the readings folded), and, for the
    current park, a new hour with longer histories behind it (`--history-days`, e.g. 1,7: each its own database of
    raw readings and their rollups) against three hours, in the same rounds;
  a re-folded hour: the rollups are there and unchanged, what the job's late window re-reads on every run;
  baselines in the same rounds: the job writing every period again as it did before (its upsert without the
    "changed" condition), and a bare SQL GROUP BY of the hour (the database's own aggregation, read into Python,
    nothing written); for the current park, the job before issue 16 (a query per device and metric, folded in Python;
    3 runs, apart: it is a hundred times slower).
On PostgreSQL the rollups table is vacuumed before each timed run (not timed), as autovacuum keeps a running park.
Goals (issue 16): a new hour of the current park <= 0.16 s, of the dense park <= 3.5 s, >= 200,000 readings/s.

    .venv/bin/python bench/rollups_bench.py                     # PostgreSQL at FARM_BENCH_DATABASE_URL or
                                                                # FARM_TEST_DATABASE_URL, else SQLite files
    .venv/bin/python bench/rollups_bench.py --database-url sqlite --history-days 1,7 --parks current
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

from sqlalchemy import bindparam, delete, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.readings_bench import METRICS as READINGS_METRICS  # noqa: E402
from bench.readings_bench import _metrics_table, _periods, _times_table, _value  # noqa: E402
from bench.scratch import database_url_argument, scratch_urls  # noqa: E402
from bench.years import medians_ms  # noqa: E402
from farm import clock  # noqa: E402
from farm.db import Database  # noqa: E402
from farm.migrate import upgrade  # noqa: E402
from farm.models.base import UTCDateTime  # noqa: E402
from farm.models.rollups import ReadingRollup, RollupMark  # noqa: E402
from farm.models.sensors import Device, Reading  # noqa: E402
from farm.services import rollups, settings  # noqa: E402
from tests.factories import make_park  # noqa: E402

GREENHOUSES = 104
METRICS = READINGS_METRICS + (("soil_temperature", 20.0, -4.0),)
PARKS = {"current": (1, 5, 60), "dense": (3, 6, 10)}  # devices a greenhouse, metrics, seconds between readings
REPEAT = 7
# The job's upsert as it was before it left unchanged periods alone: every period of the window written again.
WRITE_ALL = rollups.UPSERT.split(" WHERE ")[0]
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
        _metrics_table(conn, METRICS[:n_metrics])
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


def job(database: Database, now: datetime, hours: int, new: bool = True, write_all: bool = False):
    """One run of the job over the newest `hours`, timed alone; returns its milliseconds. `new`: the hours' 5-minute
    and hourly rollups are removed first, so the job folds readings it has not seen; `write_all`: with the upsert of
    before, which wrote every period again whether it changed or not (the baseline)."""
    end = rollups.floor5(now)
    start = end - timedelta(hours=hours)
    r = ReadingRollup.__table__.c

    def run() -> float:
        with database.session_scope() as s:
            if settings.get(s, rollups.LATE_HOURS.key) != 0:
                settings.put(s, rollups.LATE_HOURS.key, "0")
            s.get(RollupMark, rollups.MARK).done_until = start
            if new:
                s.execute(delete(ReadingRollup).where(r.resolution == "5m", r.period_start >= start,
                                                      r.period_start < end))
                s.execute(delete(ReadingRollup).where(r.resolution == "1h", r.period_start >= rollups.hour_start(start),
                                                      r.period_start < end))
        if database.dialect == "postgresql":
            with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM reading_rollups"))
        kept, rollups.UPSERT = rollups.UPSERT, (WRITE_ALL if write_all else rollups.UPSERT)
        try:
            with database.session_scope() as s:
                cpu = cpu_clock(s)
                cpu_from, started = cpu(), time.perf_counter()
                rollups.run_rollups(s, now)
                s.commit()
                wall, run.cpu_ms = time.perf_counter() - started, run.cpu_ms + [(cpu() - cpu_from) * 1000]
            return wall * 1000
        finally:
            rollups.UPSERT = kept
    run.cpu_ms = []
    return run


def cpu_median(run) -> float | None:
    """The median CPU seconds of a job's timed runs (None for what is not the job)."""
    return statistics.median(run.cpu_ms[1:]) / 1000 if getattr(run, "cpu_ms", None) else None  # [0]: the warm-up


def cpu_clock(session):
    """The CPU seconds this process and, on PostgreSQL on this machine, the session's server process have used: a
    figure the machine's load barely moves (its wall time grows with the other processes sharing the cores)."""
    if session.get_bind().dialect.name != "postgresql":
        return time.process_time
    stat = Path(f"/proc/{session.connection().connection.dbapi_connection.info.backend_pid}/stat")
    tick = os.sysconf("SC_CLK_TCK")

    def both() -> float:
        try:  # utime and stime, fields 14 and 15, after the command name in brackets
            server = sum(int(x) for x in stat.read_text().rsplit(")", 1)[1].split()[11:13]) / tick
        except OSError:  # a server on another machine: the client's CPU only
            server = 0.0
        return time.process_time() + server
    return both


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
        return (time.perf_counter() - started) * 1000
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
    database_url_argument(parser)
    parser.add_argument("--history-days", default="1,7",
                        help="the current park's longer histories, in days, comma-separated (default 1,7)")
    parser.add_argument("--parks", default="current,dense", help="which parks: current, dense or both (default)")
    parser.add_argument("--repeat", type=int, default=REPEAT, help=f"rounds (default {REPEAT})")
    args = parser.parse_args()
    parks = [p for p in PARKS if p in args.parks.split(",")]
    histories = [float(d) for d in args.history_days.split(",")]
    now = clock.now().replace(second=0, microsecond=0)
    per_hour = {p: GREENHOUSES * k * m * 3600 // step for p, (k, m, step) in PARKS.items()}
    figures: list[tuple[str, int, float, float | None]] = []
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=os.environ.get("FARM_BENCH_TMP")) as tmp:
        labels = ("short", *(f"long{i}" for i in range(len(histories))), "dense")
        urls, drop = scratch_urls(args.database_url, Path(tmp), labels)
        backend = make_url(urls[0]).get_backend_name()
        print(f"rollups benchmark on {backend}; medians of {args.repeat} rounds (the old job's of 3); "
              f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
        try:
            if "current" in parks:
                short = prepare(urls[0], "current", 3, now)
                longs = [prepare(url, "current", days * 24, now) for url, days in zip(urls[1:-1], histories)]
                n = per_hour["current"]
                timed = [
                    ("current park, a new hour (3 h of history)", n, job(short, now, 1)),
                    *((f"current park, a new hour ({days:g} days of history)", n, job(long, now, 1))
                      for long, days in zip(longs, histories)),
                    ("current park, two new hours (3 h of history)", 2 * n, job(short, now, 2)),
                    ("current park, an unchanged hour re-folded", n, job(short, now, 1, new=False)),
                    ("  baseline: writing every period, new hour", n, job(short, now, 1, write_all=True)),
                    ("  baseline: writing every period, re-folded", n, job(short, now, 1, new=False, write_all=True)),
                    ("  baseline: bare SQL GROUP BY of the hour", n, bare_group_by(short, now)),
                ]
                loads = os.getloadavg()
                ms = medians_ms([fn for _, _, fn in timed], args.repeat, timed_inside=True)
                figures += [(name, k, t / 1000, cpu_median(fn)) for (name, k, fn), t in zip(timed, ms)]
                started = time.perf_counter()
                old = [old_job(short, now)() for _ in range(3)]
                figures.append(("  baseline: the job before issue 16, new hour", n, sorted(old)[1], None))
                print(f"  current park timed in {time.perf_counter() - started + sum(ms) * args.repeat / 1000:.0f} s "
                      f"or so; load average {loads[0]:.1f} before, {os.getloadavg()[0]:.1f} after", flush=True)
                for db in (short, *longs):
                    db.dispose()
            if "dense" in parks:
                dense = prepare(urls[-1], "dense", 3, now)
                n = per_hour["dense"]
                timed = [
                    ("dense park, a new hour (3 h of history)", n, job(dense, now, 1)),
                    ("dense park, two new hours", 2 * n, job(dense, now, 2)),
                    ("dense park, an unchanged hour re-folded", n, job(dense, now, 1, new=False)),
                    ("  baseline: writing every period, new hour", n, job(dense, now, 1, write_all=True)),
                    ("  baseline: bare SQL GROUP BY of the hour", n, bare_group_by(dense, now)),
                ]
                loads = os.getloadavg()
                ms = medians_ms([fn for _, _, fn in timed], max(3, args.repeat // 2), timed_inside=True)
                figures += [(name, k, t / 1000, cpu_median(fn)) for (name, k, fn), t in zip(timed, ms)]
                print(f"  dense park timed; load average {loads[0]:.1f} before, {os.getloadavg()[0]:.1f} after",
                      flush=True)
                dense.dispose()
        finally:
            drop()
    print(f"\n{'':50} {'readings':>10} {'time':>9} {'readings/s':>12} {'CPU':>9} {'readings/CPU s':>15}")
    for name, n, seconds, cpu in figures:
        print(f"{name:50} {n:>10,} {seconds:8.3f}s {n / seconds:>12,.0f}"
              + (f" {cpu:8.3f}s {n / cpu:>15,.0f}" if cpu else ""))
    print("(CPU: this process's and, on PostgreSQL, its server process's)")
    by_name = {name: seconds for name, _, seconds, _ in figures}
    met = True
    for park, goal in (("current", 0.16), ("dense", 3.5)):
        if park not in parks:
            continue
        one = by_name[f"{park} park, a new hour (3 h of history)"]
        rate = per_hour[park] / one
        met = met and one <= goal and rate >= 200_000
        two = by_name[f"{park} park, two new hours" + (" (3 h of history)" if park == "current" else "")]
        print(f"goal, {park} park: a new hour in {one:.3f} s (<= {goal}), {rate:,.0f} readings/s (>= 200,000); "
              f"two hours against one: {two / one:.2f}x")
    if "current" in parks:
        three = by_name["current park, a new hour (3 h of history)"]
        first = by_name[f"current park, a new hour ({histories[0]:g} days of history)"]
        for days in histories:
            t = by_name[f"current park, a new hour ({days:g} days of history)"]
            print(f"history: {days:g} days behind a new hour against 3 hours: {t / three:.2f}x, against "
                  f"{histories[0]:g} days: {t / first:.2f}x")
    print(f"{'met' if met else 'NOT met'}; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}; "
          f"the whole run took {time.perf_counter() - began:.0f} s")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
