"""The people area's vocabularies in the database: every allowed value is stored, anything else is refused."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from farm.models.people import Job, PayRate, PayrollLine, PayrollMonth, Worker
from farm.vocab import Grade, JobKind, PayLineKind, RateKind, WorkerStatus
from tests.land.factories import assert_kept_in_vocabulary, assert_vocabulary_constraints_made

COLUMNS = [("workers", "status", WorkerStatus, False), ("jobs", "kind", JobKind, False),
           ("pay_rates", "kind", RateKind, False), ("pay_rates", "grade", Grade, True),
           ("payroll_lines", "kind", PayLineKind, False), ("payroll_lines", "grade", Grade, True)]


@pytest.fixture
def rows(session, farm):
    """One row in each table with a vocabulary column."""
    session.add(Job(day=date(2026, 10, 5), kind=JobKind.HARVEST, hours=Decimal(8)))
    session.add(PayRate(kind=RateKind.PIECE, crop_id=farm.crop.id, grade=Grade.PREMIUM, valid_from=date(2026, 10, 1),
                        amount=Decimal("0.30")))
    month = PayrollMonth(month="2026-09")
    month.lines.append(PayrollLine(worker_id=farm.alice.id, kind=PayLineKind.PIECE, crop_id=farm.crop.id,
                                   grade=Grade.GRADE1, quantity=Decimal(10), rate=Decimal("0.2"), amount=Decimal(2)))
    session.add(month)
    session.commit()


@pytest.mark.parametrize(("table", "column", "vocabulary", "nullable"), COLUMNS)
def test_database_keeps_vocabulary_columns_inside_their_vocabulary(session, rows, table, column, vocabulary,
                                                                   nullable):
    assert_kept_in_vocabulary(session, table, column, vocabulary, nullable)


def test_database_refuses_an_unknown_worker_status_from_the_models(session, farm):
    farm.bob.status = "retired"
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_migrations_create_the_models_vocabulary_constraints(database):
    assert_vocabulary_constraints_made(database.engine, (Worker, Job, PayRate, PayrollLine))
