"""Engine, session factory and transaction scopes shared by web, ingest and scheduler."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from farm.config import PROJECT_ROOT


def normalise_url(url: str) -> str:
    """Resolve a relative SQLite path against the project folder and make its folder; use psycopg 3 for PostgreSQL."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        # The driver this project installs is psycopg 3; a plain postgresql:// URL would look for psycopg2.
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        path = Path(parsed.database)
        if not path.is_absolute():
            path = PROJECT_ROOT / path
        path.parent.mkdir(parents=True, exist_ok=True)
        parsed = parsed.set(database=str(path))
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the ingest write while pages read; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_savepoint_inside_a_transaction(connection, _name) -> None:
    # Python's sqlite3 (legacy transaction control) sends BEGIN only before INSERT/UPDATE/DELETE. A savepoint
    # opened after reads alone (notify.enqueue's look-up, the harvest key check) would then be SQLite's outermost
    # transaction, and its RELEASE would COMMIT what it wrote while the caller still meant to roll back. So the
    # transaction is begun first, where a savepoint needs one. (The documented alternative, BEGIN before every
    # transaction, would open reads too: a request that reads and then writes would fail at once with
    # "database is locked" whenever the ingest had committed in between, as WAL cannot upgrade an old snapshot.)
    if not connection.connection.driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine with the settings this project needs on SQLite and PostgreSQL."""
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "savepoint", _sqlite_savepoint_inside_a_transaction)
    else:
        engine = create_engine(url, pool_pre_ping=True, **kwargs)
    return engine


class Database:
    """One engine and its session factory; each process makes its own."""

    def __init__(self, url: str, **engine_kwargs):
        self.engine = make_engine(url, **engine_kwargs)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self) -> Session:
        return self.sessionmaker()

    @contextmanager
    def session_scope(self) -> Iterator[Session]:
        """A session whose work is committed on success and rolled back on error."""
        session = self.sessionmaker()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def ping(self) -> None:
        """Raise if the database cannot be reached."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


def request_session() -> Session:
    """The web request's session, opened on first use and closed when the request ends."""
    from flask import current_app, g

    session = g.get("db_session")
    if session is None:
        session = g.db_session = current_app.extensions["farm_db"].session()
    return session
