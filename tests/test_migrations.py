"""`init-db` builds the same schema as the models, on SQLite and PostgreSQL."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from farm.models import metadata


def test_migrations_schema_matches_models(database):
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    assert diff == []


def test_migrations_upgrade_is_repeatable(database_url, database):
    from farm.migrate import upgrade

    upgrade(database_url)  # a second run changes nothing and does not fail
    with database.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_heads()
