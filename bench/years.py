"""What the two-against-ten-years benchmarks share: the planted park they fill, the logged-in app they call, the
medians taken in turns, and the run that prints both figures with their ratio and fails over 1.5x."""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

from sqlalchemy.engine import make_url

from bench.scratch import scratch_urls
from farm import clock, create_app
from farm.config import Config
from farm.db import Database
from farm.models.people import Worker
from tests.factories import make_crop, make_park, make_planting, make_user

PER_DAY = 137  # harvest records a day: about 1,500 kg in 13 greenhouses
LIMIT = 1.5  # ten years may take at most this many times two
CROPS = (("cucumber", "黄瓜", "Cucumber"), ("tomato", "番茄", "Tomato"), ("eggplant", "茄子", "Eggplant"),
         ("pepper", "尖椒", "Pepper"))


def planted_park(session, years: int, today: date) -> tuple[list[tuple[int, int, int]], list[int], int]:
    """13 greenhouses planted with the four crops since before `years` ago, 60 workers and a manager: the
    (greenhouse id, planting id, crop id) of each planting, the workers' ids and the manager's id."""
    park = make_park(session, greenhouses=13)
    crops = [make_crop(session, code=c, name_zh=zh, name_en=en) for c, zh, en in CROPS]
    plantings = [make_planting(session, gh, crops[i % 4], planted_on=today - timedelta(days=366 * years + 30))
                 for i, gh in enumerate(park.greenhouses)]
    user = make_user(session, "manager")
    workers = [Worker(name=f"工人{n}") for n in range(60)]
    session.add_all(workers)
    session.flush()
    return [(p.greenhouse_id, p.id, p.crop_id) for p in plantings], [w.id for w in workers], user.id


def logged_in(url: str, database: Database):
    """The app over `database` and a test client logged in as a manager (the login made unless a run before made
    it, so a benchmark can run again on a park it filled)."""
    app = create_app(Config.from_env(env={}, database_url=url, secret_key="bench", instance_path=tempfile.mkdtemp()),
                     database)
    with database.session_scope() as s:
        from sqlalchemy import select

        from farm.models.auth import User
        from farm.services import users

        if s.scalar(select(User.id).where(User.username == "boss")) is None:
            users.create_user(s, "boss", "manager", "bench-pass-1")
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/login", data={"username": "boss", "password": "bench-pass-1", "csrf_token": csrf})
    return app, client


def in_app(app, fn: Callable) -> Callable:
    """`fn` run inside a request context (services that translate their labels need one)."""
    def run():
        with app.test_request_context():
            fn()
    return run


def medians_ms(fns: list, repeat: int, timed_inside: bool = False) -> list[float]:
    """Median milliseconds of each function, run in turns so that a change in the machine's load hits all alike
    (`timed_inside`: each function prepares its run, times only the work and returns its milliseconds)."""
    for fn in fns:
        fn()  # warm the caches once
    times = [[] for _ in fns]
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            started = time.perf_counter()
            inside = fn()
            times[i].append(inside if timed_inside else (time.perf_counter() - started) * 1000)
    return [statistics.median(t) for t in times]


def compare(title: str, prepare: Callable[[str, int, date], dict], repeat: int) -> int:
    """Fill a two-year and a ten-year database (SQLite, or PostgreSQL named by the first argument), time each of
    `prepare`'s operations on both in turns, print the figures and ratios; 0 when every ratio is within LIMIT."""
    base = sys.argv[1] if len(sys.argv) > 1 else None
    today = clock.today()
    with tempfile.TemporaryDirectory() as tmp:
        urls, drop = scratch_urls(base, Path(tmp), ("2y", "10y"))
        try:
            print(f"{title} on {make_url(urls[0]).get_backend_name()}, median of {repeat} runs", flush=True)
            two, ten = prepare(urls[0], 2, today), prepare(urls[1], 10, today)
            figures = {name: medians_ms([two[name], ten[name]], repeat) for name in two if not name.startswith("_")}
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
    print(f"\nworst ratio 10y/2y: {worst:.2f} ({'within' if worst <= LIMIT else 'OVER'} {LIMIT}x)")
    return 0 if worst <= LIMIT else 1
