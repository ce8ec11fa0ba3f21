"""`init-db` builds the same schema as the models, on SQLite and PostgreSQL."""
from __future__ import annotations

import shutil
import uuid

import pytest
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
SINCE = ("1601_payroll_worker_amount", "1401_session_security", "1151_certificates_and_cancel", "0951_stock_totals", "0901_sales", "0801_sprays", "1001_assets", "0701_warnings", "0601_livelihoods", "0003_official_role", "0303_household_labour", "0302_land_vocab", "0002_foundation_vocab", "0102_harvest_vocab",
         "1702_readings_device_check_pg", "1701_readings_greenhouse_fk_pg", "1301_device_moves", "1201_readings_ts_brin", "0202_sensors_vocab", "0403_people_vocab", "1521_rollups_coarse_covering", "0505_alerts_vocab")


def _snapshot(engine, columns: dict[str, list[str]] | None = None) -> dict[str, tuple[list[str], str]]:
    """{table: (its columns, a digest of its rows)}; with `columns`, only those tables, on those columns (what an
    earlier schema had), so the rows of an older schema can be found again after an upgrade added columns."""
    import hashlib

    from sqlalchemy import inspect, text

    out = {}
    with engine.connect() as conn:
        inspector = inspect(conn)
        for table in inspector.get_table_names():
            if table == "alembic_version" or (columns is not None and table not in columns):
                continue
            names = columns[table] if columns is not None else [c["name"] for c in inspector.get_columns(table)]
            quoted = ", ".join(f'"{c}"' for c in names)
            rows = sorted(repr(tuple(r)) for r in conn.execute(text(f'SELECT {quoted} FROM "{table}"')))
            out[table] = (names, hashlib.sha256("\n".join(rows).encode()).hexdigest() + f":{len(rows)}")
    return out


def _digests(snapshot: dict) -> dict[str, str]:
    return {table: digest for table, (_names, digest) in snapshot.items()}


@pytest.fixture
def own_demo_park(backend, tmp_path, tmp_path_factory):
    """A database of its own holding the demo park (copied from the run's demo template), to migrate up and down."""
    from tests import conftest

    template, _ = conftest._demo_template(backend, conftest._shared_dir(tmp_path_factory))
    if backend == "sqlite":
        path = tmp_path / "old.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    admin = conftest._admin()
    name = f"{conftest.TEMPLATE_PREFIX}upgrade_{uuid.uuid4().hex[:8]}"
    conftest._pg_create(admin, name, template=template)
    yield conftest._pg_url(name)
    conftest._pg_drop(admin, name)
    admin.dispose()


def test_migrations_upgrading_a_populated_park_from_each_earlier_head_keeps_every_row(backend, own_demo_park):
    """Each release's park upgrades without losing a row or changing a value.

    The demo park is seeded with today's models, then the revisions since BEFORE_VOCAB are undone one by one (their
    downgrades rebuild the same tables on SQLite and must keep every row too), so the demo needs no column an old
    schema lacks. Then it is upgraded again one revision at a time: at each earlier head every row the older schema
    held must come through the next upgrade unchanged (on the older schema's columns), and at the end the park is
    the seeded one. Adding a CHECK on SQLite rebuilds the table; no ON DELETE action may run and take rows
    with it."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from farm.db import Database
    from farm.migrate import alembic_config, is_current, upgrade

    url = own_demo_park
    db = Database(url)
    seeded = _snapshot(db.engine)
    config = alembic_config(url)
    for revision in SINCE:
        command.downgrade(config, f"{revision}@-1")
    with db.engine.connect() as conn:
        heads = set(MigrationContext.configure(conn).get_current_heads())
    script = ScriptDirectory.from_config(config)
    reached = {rev.revision for head in heads for rev in script.iterate_revisions(head, "base")}
    assert reached == {rev.revision for head in BEFORE_VOCAB for rev in script.iterate_revisions(head, "base")}
    oldest = _snapshot(db.engine)
    # Tables a revision since then creates are gone; every other table keeps every row.
    assert {t: d.split(":")[1] for t, d in _digests(oldest).items()} == \
        {t: d.split(":")[1] for t, d in _digests(seeded).items() if t in oldest}
    assert int(_digests(oldest)["harvests"].split(":")[1]) > 1000
    for revision in reversed(SINCE):
        before = _snapshot(db.engine)
        command.upgrade(config, revision)
        after = _snapshot(db.engine, {t: names for t, (names, _d) in before.items()})
        assert _digests(after) == _digests(before), f"the upgrade to {revision} changed or lost rows"
    upgrade(url)
    assert is_current(db.engine)
    # Every table the oldest schema had holds the seeded park's rows again, on the columns it had (what came later,
    # tables and columns, was dropped with its revision's downgrade and comes back empty or at its default).
    oldest_columns = {t: names for t, (names, _d) in oldest.items()}
    assert _digests(_snapshot(db.engine, oldest_columns)) == _digests(oldest)
    assert set(_snapshot(db.engine)) == set(seeded)
    if backend == "sqlite":
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    db.dispose()
