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


def revision(database_url: str, message: str, head: str = "head") -> None:
    """Autogenerate a migration against a database at the current heads (a developer's tool)."""
    command.revision(alembic_config(database_url), message=message, autogenerate=True, head=head)
