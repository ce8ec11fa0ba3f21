"""Scratch databases for the benchmarks: SQLite files in a temporary folder, or throwaway PostgreSQL databases
created next to the one a URL names and dropped afterwards."""
from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Callable

from sqlalchemy import text
from sqlalchemy.engine import make_url

from farm.db import make_engine


def scratch_urls(base: str | None, tmp: Path, labels: tuple[str, ...]) -> tuple[list[str], Callable[[], None]]:
    """One database URL per label, and the function that drops them (nothing to drop for SQLite files)."""
    if not base or base == "sqlite":
        return [f"sqlite:///{tmp / f'bench-{label}.db'}" for label in labels], lambda: None
    url = make_url(base)
    admin = make_engine(url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    names = [f"farm_bench_{uuid.uuid4().hex[:8]}" for _ in labels]
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return [url.set(database=n).render_as_string(hide_password=False) for n in names], drop


def database_url_argument(parser) -> None:
    """The benchmarks' --database-url: 'sqlite' (files in a temporary folder) or a PostgreSQL URL next to which
    scratch databases are made; by default FARM_BENCH_DATABASE_URL, else FARM_TEST_DATABASE_URL, else SQLite."""
    parser.add_argument("--database-url", default=os.environ.get("FARM_BENCH_DATABASE_URL")
                        or os.environ.get("FARM_TEST_DATABASE_URL") or "sqlite",
                        help="a PostgreSQL URL (scratch databases are made next to it) or 'sqlite'")
