"""Benchmark: one run of the alerts job (farm.services.alerts.run_alerts: the offline check and the climate) over
the whole park, as the scheduler runs it every minute.

Three scratch databases, filled by bench/rollups_bench.py's writer (raw readings written inside the database), every
greenhouse planted (one in eight with a crop whose ranges the readings break, so alerts open, refresh and clear as
they would) and one device in twenty silent for an hour (offline alerts):
  short    the current park (104 greenhouses, one device each, 5 metrics, a reading a minute), one day of history;
  long     the same park with `--history-days` of history (default 3);
  dense    three devices a greenhouse, 6 metrics, a reading every 10 s, 2 hours of history.
The job's first run (its catch-up over the 6-hour look-back) is timed once; then the runs are timed in turns, each
judging the next minute of readings as the scheduler's runs would (medians of `--repeat`):
  the job; in the same turns, the baselines: the job as it was before issue 16 (a query per greenhouse, metric and
  device) and a bare SQL read of the same minute's readings (through the readings' key, nothing judged or written).
  Beside the wall-clock medians, the medians of the process's CPU time (steadier under a loaded machine).
Goal (issue 16): a run at most 0.2 s on the current park and 1 s on the dense one, the same with a long history.

    .venv/bin/python bench/alerts_bench.py                      # PostgreSQL at FARM_BENCH_DATABASE_URL or
                                                                # FARM_TEST_DATABASE_URL, else SQLite files
    .venv/bin/python bench/alerts_bench.py --database-url sqlite --history-days 7
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select, text, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.rollups_bench import METRICS, PARKS, fill  # noqa: E402
from bench.scratch import database_url_argument, scratch_urls  # noqa: E402
from bench.years import medians_ms  # noqa: E402
from farm import clock  # noqa: E402
from farm.db import Database  # noqa: E402
from farm.migrate import upgrade  # noqa: E402
from farm.models.alerts import Alert, AlertCondition  # noqa: E402
from farm.models.park import Greenhouse  # noqa: E402
from farm.models.sensors import Device, Reading  # noqa: E402
from farm.services import alerts  # noqa: E402
from farm.vocab import AlertState  # noqa: E402
from tests.factories import make_crop, make_planting  # noqa: E402

REPEAT = 9
GOALS = {"current": 0.2, "dense": 1.0}
# A crop the readings keep inside its ranges, and one they break (too cold by day, too humid, CO2 too high).
EASY = dict(day_temp_min=Decimal(5), day_temp_max=Decimal(45), night_temp_min=Decimal(5), night_temp_max=Decimal(45),
            humidity_min=Decimal(20), humidity_max=Decimal(95), co2_min=Decimal(200), co2_max=Decimal(2000),
            soil_temp_min=Decimal(5), soil_temp_max=Decimal(35), chill_stop_c=Decimal(2), frost_kill_c=Decimal(-2))
HARD = dict(EASY, day_temp_min=Decimal(27), humidity_max=Decimal(60), co2_max=Decimal(600))


def prepare(url: str, park: str, hours: float, now: datetime, minutes: int) -> tuple[Database, int]:
    """A filled park with readings until `minutes` after `now`, after the job's first run at `now`."""
    upgrade(url)
    database = Database(url)
    started = time.perf_counter()
    written = fill(database, park, hours + minutes / 60, now + timedelta(minutes=minutes, seconds=1))
    with database.session_scope() as s:
        easy, hard = make_crop(s, "easy", **EASY), make_crop(s, "hard", "难", "Hard", **HARD)
        for n, gh in enumerate(s.scalars(select(Greenhouse).order_by(Greenhouse.id))):
            make_planting(s, gh, hard if n % 8 == 0 else easy, planted_on=clock.park_day(now) - timedelta(days=60))
        s.execute(update(Device).values(last_seen_at=now + timedelta(minutes=minutes)))
        s.execute(update(Device).where(Device.id % 20 == 0).values(last_seen_at=now - timedelta(hours=1)))
    filled = time.perf_counter() - started
    started = time.perf_counter()
    with database.session_scope() as s:
        first = alerts.run_alerts(s, now)
    caught = time.perf_counter() - started
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))  # the statistics autovacuum would keep
    with database.session_scope() as s:
        conditions = s.scalar(select(text("count(*)")).select_from(AlertCondition))
        open_alerts = s.scalar(select(text("count(*)")).select_from(Alert).where(Alert.state == AlertState.OPEN))
    print(f"  {park} park, {hours:g} h of history: {written:,} readings written in {filled:.0f} s; the job's first "
          f"run (6 h look-back) {caught:.2f} s: {first}; {conditions:,} conditions, {open_alerts} open alerts",
          flush=True)
    return database, written


def minutes_after(now: datetime):
    """The next minute to run at, shared by the functions timed in turns on one database."""
    state = {"at": now}

    def next_minute() -> datetime:
        state["at"] += timedelta(minutes=1)
        return state["at"]
    return next_minute


def job(database: Database, next_minute, cpu: list):
    """A run as the scheduler makes it, in its own transaction; its process CPU seconds go to `cpu` (with SQLite
    that includes the database's work; PostgreSQL's is in its own processes)."""
    def run():
        started = time.process_time()
        with database.session_scope() as s:
            alerts.run_alerts(s, next_minute())
        cpu.append(time.process_time() - started)
    return run


def old_job(database: Database, next_minute, cpu: list):
    """The job with the climate judged as before issue 16: a query per greenhouse, metric and device."""
    def run():
        with patched(alerts, "judge_climate", old_judge_climate):
            job(database, next_minute, cpu)()
    return run


def bare_read(database: Database, next_minute, park: str):
    """The minute's readings of every device and judged metric, read through the readings' key; nothing judged."""
    metrics = [m for m, *_ in METRICS[:PARKS[park][1]] if m != "light"]

    def run():
        at = next_minute()
        with database.session_scope() as s:
            ids = list(s.scalars(select(Device.id)))
            s.execute(select(Reading.device_id, Reading.metric, Reading.ts, Reading.value).where(
                Reading.device_id.in_(ids), Reading.metric.in_(metrics), Reading.ts > at - timedelta(minutes=1),
                Reading.ts <= at)).all()
    return run


@contextmanager
def patched(module, name: str, value):
    saved = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, saved)


def old_judge_climate(session, now, run, config) -> None:
    """farm.services.alerts.judge_climate as it was before issue 16 (the baseline), judging through the same
    state machine (alerts._judge)."""
    crops = alerts._greenhouse_crops(session, now)
    devices: dict[int, list[Device]] = {}
    for device in session.scalars(select(Device).order_by(Device.id)):
        devices.setdefault(device.greenhouse_id, []).append(device)
    device_greenhouse = {d.id: gh for gh, ds in devices.items() for d in ds}
    conditions = {(c.device_id, c.kind): c for c in session.scalars(select(AlertCondition))}
    ranges = {gh: alerts.Ranges.of(cs, config) for gh, cs in crops.items()}
    applicable = {gh: [k for k in alerts.KINDS.values() if r.applies(k.name)] for gh, r in ranges.items()}
    for (device_id, kind), cond in list(conditions.items()):
        gh = device_greenhouse.get(device_id)
        if gh != cond.greenhouse_id or all(k.name != kind for k in applicable.get(gh, [])):
            session.delete(cond)
            del conditions[(device_id, kind)]
    session.flush()
    floor = now - alerts.LOOKBACK
    for gh, kinds in applicable.items():
        by_metric: dict = {}
        for kind in kinds:
            by_metric.setdefault(kind.metric, []).append(kind)
        for metric, metric_kinds in by_metric.items():
            stream = []
            for device in devices.get(gh, []):
                marks = [conditions[(device.id, k.name)].judged_until if (device.id, k.name) in conditions else floor
                         for k in metric_kinds]
                start = max(floor, min(marks))
                rows = session.execute(
                    select(Reading.ts, Reading.value)
                    .where(Reading.device_id == device.id, Reading.metric == metric, Reading.greenhouse_id == gh,
                           Reading.ts > start, Reading.ts <= now)
                    .order_by(Reading.ts)).all()
                stream.extend((ts, device.id, value) for ts, value in rows)
            stream.sort()
            run.readings += len(stream)
            for ts, device_id, value in stream:
                for kind in metric_kinds:
                    cond = conditions.get((device_id, kind.name))
                    if cond is None:
                        cond = AlertCondition(device_id=device_id, kind=kind.name, greenhouse_id=gh,
                                              judged_until=floor, since=None, active=False)
                        session.add(cond)
                        conditions[(device_id, kind.name)] = cond
                    if ts <= cond.judged_until:
                        continue
                    alerts._judge(session, run, config, ranges[gh], kind, cond, conditions, ts, value)
    held = {alerts.climate_key(c.greenhouse_id, c.kind) for c in conditions.values() if c.active}
    for key, alert in list(run.open.items()):
        if alert.kind != alerts.AlertKind.OFFLINE and key not in held:
            alerts._clear(run, alert, now)
    session.flush()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    database_url_argument(parser)
    parser.add_argument("--history-days", type=float, default=3, help="the current park's long history (default 3)")
    parser.add_argument("--repeat", type=int, default=REPEAT, help=f"timed runs of each (default {REPEAT})")
    args = parser.parse_args()
    now = clock.now().replace(second=0, microsecond=0) - timedelta(hours=1)
    minutes = 3 * (args.repeat + 1) + 1  # three functions in turns, each warmed once, a minute a run
    with tempfile.TemporaryDirectory(dir=os.environ.get("FARM_BENCH_TMP")) as tmp:
        urls, drop = scratch_urls(args.database_url, Path(tmp), ("short", "long", "dense"))
        backend = make_url(urls[0]).get_backend_name()
        print(f"alerts benchmark on {backend}; medians of {args.repeat} runs in turns; "
              f"load average {os.getloadavg()[0]:.1f}", flush=True)
        try:
            figures = []
            for label, park, hours in (("short", "current", 24), ("long", "current", args.history_days * 24),
                                       ("dense", "dense", 2)):
                database, _ = prepare(urls[("short", "long", "dense").index(label)], park, hours, now, minutes)
                next_minute = minutes_after(now)
                load = os.getloadavg()[0]
                cpu_new, cpu_old = [], []
                new, old, bare = medians_ms([job(database, next_minute, cpu_new),
                                             old_job(database, next_minute, cpu_old),
                                             bare_read(database, next_minute, park)], args.repeat)
                history = f"{hours / 24:g} day{'s' if hours > 24 else ''}" if hours >= 24 else f"{hours:g} h"
                cpu = [statistics.median(c[1:]) * 1000 for c in (cpu_new, cpu_old)]  # not the warming run
                figures.append((park, history, new, old, bare, *cpu, (load + os.getloadavg()[0]) / 2))
                database.dispose()
        finally:
            drop()
    print(f"\n{'park, history':22} {'job':>10} {'job before':>11} {'bare read':>10} {'job CPU':>9} "
          f"{'before CPU':>11} {'load':>5}")
    for park, history, new, old, bare, cpu_new, cpu_old, load in figures:
        print(f"{park + ', ' + history:22} {new:8.1f}ms {old:9.1f}ms {bare:8.1f}ms {cpu_new:7.1f}ms {cpu_old:9.1f}ms "
              f"{load:5.1f}")
    met = all(new <= GOALS[park] * 1000 for park, _h, new, *_ in figures)
    short, long = figures[0][2], figures[1][2]
    print(f"\ngoals: current park {max(short, long):.0f} ms (<= 200), dense park {figures[2][2]:.0f} ms (<= 1000): "
          f"{'met' if met else 'NOT met'}; long history against one day: {long / short:.2f}x; "
          f"load average now {os.getloadavg()[0]:.1f}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
