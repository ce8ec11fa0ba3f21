"""The vocabularies in the database: every column holding one has its CHECK, in the models and in the migrated
database, and the database refuses a value outside it."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import CheckConstraint, inspect, text
from sqlalchemy.exc import IntegrityError

from farm.models import metadata
from farm.vocab import VOCABULARIES, CropCategory, GreenhouseKind, GreenhouseStatus, PlantingStatus, Role
from tests.factories import make_crop, make_park, make_planting, make_users

# The foundation's vocabulary columns (each area's tests list their own).
FOUNDATION = {
    ("greenhouses", "kind"): GreenhouseKind,
    ("greenhouses", "status"): GreenhouseStatus,
    ("crops", "category"): CropCategory,
    ("plantings", "status"): PlantingStatus,
    ("users", "role"): Role,
}


def _vocab_checks() -> dict[tuple[str, str], CheckConstraint]:
    """{(table, column): its vocabulary CHECK} over every model."""
    found = {}
    for table in metadata.tables.values():
        for constraint in table.constraints:
            if isinstance(constraint, CheckConstraint) and str(constraint.name).endswith("_vocab"):
                column = str(constraint.name).removeprefix(f"ck_{table.name}_").removesuffix("_vocab")
                found[(table.name, column)] = constraint
    return found


def _values(sql: str) -> set[str]:
    return set(re.findall(r"'([^']*)'", sql))


def test_every_foundation_vocabulary_column_has_its_check():
    checks = _vocab_checks()
    for (table, column), term in FOUNDATION.items():
        assert (table, column) in checks, f"{table}.{column} has no CHECK"
        assert _values(str(checks[(table, column)].sqltext)) == set(term.values())


def test_every_vocabulary_check_allows_exactly_one_vocabulary():
    vocabularies = [set(v.values()) for v in VOCABULARIES.values()]
    for (table, column), constraint in _vocab_checks().items():
        assert table in metadata.tables and column in metadata.tables[table].c
        assert _values(str(constraint.sqltext)) in vocabularies, f"{table}.{column}"


def test_every_vocabulary_check_of_the_models_is_in_the_migrated_database(database):
    inspector = inspect(database.engine)
    for (table, _column), constraint in _vocab_checks().items():
        names = {c["name"] for c in inspector.get_check_constraints(table)}
        assert constraint.name in names, f"no migration adds {constraint.name}"


@pytest.fixture
def rows(session):
    park = make_park(session)
    crop = make_crop(session)
    make_planting(session, park.greenhouses[0], crop)
    make_users(session)
    session.commit()


@pytest.mark.parametrize(("table", "column"), sorted(FOUNDATION))
def test_database_refuses_a_value_outside_the_vocabulary(database, session, rows, table, column):
    with pytest.raises(IntegrityError):
        session.execute(text(f"UPDATE {table} SET {column} = 'nonsense'"))
        session.flush()
    session.rollback()


@pytest.mark.parametrize(("table", "column"), sorted(FOUNDATION))
def test_database_takes_every_value_of_the_vocabulary(database, session, rows, table, column):
    for value in FOUNDATION[(table, column)].values():
        session.execute(text(f"UPDATE {table} SET {column} = :value"), {"value": value})
    session.rollback()
