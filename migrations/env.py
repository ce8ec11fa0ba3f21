"""Alembic environment: the project's models and FARM_DATABASE_URL (or the URL the caller passes)."""
from __future__ import annotations

from alembic import context

from farm.db import make_engine
from farm.models import metadata

config = context.config


def _url() -> str:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if not url:
        from farm.config import Config

        url = Config.from_env().database_url
    return url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:
    # Batch mode lets ALTER TABLE work on SQLite, which cannot alter columns in place: it copies the table and drops
    # the old one. The app's connections enforce foreign keys, and dropping a table that way would run every ON
    # DELETE action of the rows pointing at it (a harvest's history, a user's tokens). So on SQLite enforcement is
    # paused for the whole run (the pragma only takes effect outside a transaction), every reference is checked at
    # the end, and enforcement comes back on. Each migration can then rebuild tables without guarding itself.
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        if connection.in_transaction():
            connection.commit()
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True)
    try:
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise RuntimeError(f"a migration left broken references: {broken[:5]}")
    finally:
        if sqlite:
            if connection.in_transaction():
                connection.commit()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
