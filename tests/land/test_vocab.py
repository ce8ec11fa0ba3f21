"""The land area's vocabularies in the database: every allowed value is stored, anything else is refused."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from farm.models.land import Household, LandContract, RentPayment
from farm.vocab import ContractStatus, HouseholdStatus, PaymentMethod
from tests.land.factories import make_contract, make_household

COLUMNS = [("households", "status", HouseholdStatus), ("land_contracts", "status", ContractStatus),
           ("land_contracts", "payment_method", PaymentMethod), ("rent_payments", "method", PaymentMethod)]


@pytest.fixture
def rows(session):
    """A household with a contract and a payment."""
    contract = make_contract(session, make_household(session))
    session.add(RentPayment(contract=contract, paid_on=date(2024, 3, 1), amount=Decimal(8000)))
    session.commit()


@pytest.mark.parametrize(("table", "column", "vocabulary"), COLUMNS)
def test_database_keeps_vocabulary_columns_inside_their_vocabulary(session, rows, table, column, vocabulary):
    for value in vocabulary.values():
        session.execute(text(f"UPDATE {table} SET {column} = :v"), {"v": value})
        session.flush()
    session.commit()
    with pytest.raises(IntegrityError):
        session.execute(text(f"UPDATE {table} SET {column} = 'bogus'"))
        session.flush()
    session.rollback()


def test_migrations_create_the_models_vocabulary_constraints(database):
    found = inspect(database.engine)
    for model in (Household, LandContract, RentPayment):
        table = model.__table__
        expected = {c.name for c in table.constraints if str(c.name or "").endswith("_vocab")}
        assert expected and expected <= {c["name"] for c in found.get_check_constraints(table.name)}, table.name
