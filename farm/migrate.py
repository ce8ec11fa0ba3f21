"""Schema migrations with Alembic: `init-db` upgrades every branch to its head."""
from __future__ import annotations

from alembic import command
from alembic.config import Config as AlembicConfig

from farm.config import PROJECT_ROOT


def alembic_config(database_url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.attributes["database_url"] = database_url
    return cfg


def upgrade(database_url: str) -> None:
    """Create or upgrade the schema. Areas keep their own migration branches, so upgrade all heads."""
    command.upgrade(alembic_config(database_url), "heads")


def is_current(engine) -> bool:
    """True when the database's schema is at every branch's head (nothing left for `init-db` to do)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(engine.url.render_as_string(hide_password=False)))
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_heads()
    # The version table keeps only the newest revision of each line; a revision that another one depends on is
    # applied without being kept there, so follow down revisions and dependencies from what it holds.
    applied: set[str] = set()
    todo = list(script.get_revisions(current))
    while todo:
        rev = todo.pop()
        if rev is None or rev.revision in applied:
            continue
        applied.add(rev.revision)
        for ref in (rev.down_revision, rev.dependencies):
            if ref:
                todo.extend(script.get_revisions(ref))
    return applied == {rev.revision for rev in script.walk_revisions()}


def revision(database_url: str, message: str, head: str = "head") -> None:
    """Autogenerate a migration against a database at the current heads (a developer's tool)."""
    command.revision(alembic_config(database_url), message=message, autogenerate=True, head=head)
