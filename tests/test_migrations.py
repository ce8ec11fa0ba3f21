"""`init-db` builds the same schema as the models, on SQLite and PostgreSQL."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from farm.models import metadata


def test_migrations_schema_matches_models(database):
    def on_this_database(obj, name, kind, reflected, compare_to):
        # An index declared for one database only (Index.ddl_if, e.g. PostgreSQL's BRIN) is compared only there.
        only = getattr(obj, "_ddl_if", None)
        return only is None or only.dialect is None or only.dialect == database.dialect

    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": on_this_database})
        diff = compare_metadata(context, metadata)
    assert diff == []


def test_migrations_upgrade_is_repeatable(database_url, database):
    from farm.migrate import upgrade

    upgrade(database_url)  # a second run changes nothing and does not fail
    with database.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_heads()


# The heads before the vocabulary CHECK constraints: a park running the earlier release has these.
BEFORE_VOCAB = ("0001_foundation", "0101_harvest", "0201_sensors", "0301_land", "0402_people_links",
                "0504_rollup_backlog")
# What was added since, newest of each branch first: undone one by one, they leave a park at BEFORE_VOCAB.
SINCE = ("1201_readings_ts_brin", "0951_stock_totals", "0901_sales", "0801_sprays", "1001_assets", "0701_warnings", "0601_livelihoods", "0003_official_role", "0303_household_labour", "0302_land_vocab", "0002_foundation_vocab", "0102_harvest_vocab",
         "0202_sensors_vocab", "0403_people_vocab", "0505_alerts_vocab")


def test_migrations_upgrading_a_populated_sqlite_park_keeps_every_row(tmp_path):
    """Adding a CHECK on SQLite rebuilds the table; no ON DELETE action may run and take rows with it.

    The park is seeded with today's models, then the revisions since BEFORE_VOCAB are undone (their downgrades
    rebuild the same tables and must keep every row too), so the demo needs no columns an old schema lacks."""
    from alembic import command
    from alembic.script import ScriptDirectory
    from sqlalchemy import inspect, text

    from farm.db import Database
    from farm.demo import seed_demo
    from farm.migrate import alembic_config, upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url)
    db = Database(url)
    with db.session() as session:
        seed_demo(session)
        session.commit()

    def counts():
        with db.engine.connect() as conn:
            return {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar()
                    for t in inspect(conn).get_table_names() if t != "alembic_version"}

    seeded = counts()
    config = alembic_config(url)
    for revision in SINCE:
        command.downgrade(config, f"{revision}@-1")
    with db.engine.connect() as conn:
        heads = set(MigrationContext.configure(conn).get_current_heads())
    script = ScriptDirectory.from_config(config)
    reached = {rev.revision for head in heads for rev in script.iterate_revisions(head, "base")}
    assert reached == {rev.revision for head in BEFORE_VOCAB for rev in script.iterate_revisions(head, "base")}
    before = counts()
    # Tables a revision since then creates are gone; every other table keeps every row.
    assert before == {t: n for t, n in seeded.items() if t in before}
    assert before["harvest_changes"] and before["api_tokens"] >= 0 and before["harvests"]
    upgrade(url)
    after = counts()
    assert {t: after[t] for t in before} == before
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    db.dispose()
