"""Small factories for land tests, and the check of a vocabulary column in the database (people tests use it too)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from farm.inputs.land import ContractIn, HouseholdIn
from farm.services import land


def make_household(session, name="王建国", group="曙光村一组", status="lifted", period_end=date(2057, 12, 31),
                   **extra):
    data = {"name": name, "village_group": group, "members": 4, "status": status, "phone": "13847312345",
            "id_number": "150303196805121234", "bank_name": "乌海农商银行", "bank_account": "6228480123456781234",
            "contract_period_end": period_end, **extra}
    return land.create_household(session, HouseholdIn.model_validate(data))


def contract_data(household_id, number="TZ-2024-001", codes=("1503031012030100001",), area="10", **extra) -> dict:
    data = {
        "number": number, "household_id": household_id,
        "parcels": [{"name": f"东大块{n}", "code": code, "area_mu": area, "east": "渠", "south": "路",
                     "west": "李家地", "north": "林带", "land_type": "水浇地"} for n, code in enumerate(codes, 1)],
        "start_date": "2024-03-01", "end_date": "2027-02-28", "rent_per_mu_year": "800",
        "payment_month_day": "03-01",
    }
    data.update(extra)
    return data


def make_contract(session, household, **extra):
    return land.create_contract(session, ContractIn.model_validate(contract_data(household.id, **extra)))


def assert_kept_in_vocabulary(session, table: str, column: str, vocabulary, nullable: bool = False) -> None:
    """Every row of `table` (there must be one) takes each value of `vocabulary` (and NULL when `nullable`);
    the database refuses anything else."""
    for value in vocabulary.values():
        session.execute(text(f"UPDATE {table} SET {column} = :v"), {"v": value})
        session.flush()
    if nullable:
        session.execute(text(f"UPDATE {table} SET {column} = NULL"))
        session.flush()
    session.commit()
    with pytest.raises(IntegrityError):
        session.execute(text(f"UPDATE {table} SET {column} = 'bogus'"))
        session.flush()
    session.rollback()


def assert_vocabulary_constraints_made(engine, models) -> None:
    """The migrations made every vocabulary CHECK constraint the models declare."""
    found = inspect(engine)
    for model in models:
        table = model.__table__
        expected = {c.name for c in table.constraints if str(c.name or "").endswith("_vocab")}
        assert expected and expected <= {c["name"] for c in found.get_check_constraints(table.name)}, table.name
