"""The land area's vocabularies in the database: every allowed value is stored, anything else is refused."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from farm.models.land import Household, LandContract, RentPayment
from farm.vocab import ContractStatus, HouseholdStatus, PaymentMethod
from tests.land.factories import (
    assert_kept_in_vocabulary,
    assert_vocabulary_constraints_made,
    make_contract,
    make_household,
)

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
    assert_kept_in_vocabulary(session, table, column, vocabulary)


def test_migrations_create_the_models_vocabulary_constraints(database):
    assert_vocabulary_constraints_made(database.engine, (Household, LandContract, RentPayment))
