"""Fixtures of the people tests: a small park with cucumbers in GH-001, one login per role, two workers."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from farm.models.harvest import Harvest
from farm.models.people import Worker
from tests.factories import make_farm


@dataclass
class Farm:
    park: object
    crop: object
    planting: object
    users: dict
    alice: Worker  # the `worker` login's own worker record
    bob: Worker


@pytest.fixture
def farm(session) -> Farm:
    park, crop, planting, users = make_farm(session, planted_on=date(2026, 8, 1))
    alice = users["worker"].worker
    alice.name, alice.daily_wage, alice.started_on = "王秀英", Decimal("150.00"), date(2026, 1, 1)
    bob = Worker(name="李建国", daily_wage=Decimal("160.00"), started_on=date(2026, 9, 10), phone="13900001111",
                 id_number="150303198001011234")
    session.add(bob)
    session.commit()
    return Farm(park, crop, planting, users, alice, bob)


def add_harvest(session, farm, worker, day: date, kg: str, grade: str = "premium", crates: int | None = None,
                voided: bool = False) -> Harvest:
    at = datetime(day.year, day.month, day.day, 2, 0, tzinfo=timezone.utc)
    h = Harvest(greenhouse_id=farm.park.greenhouses[0].id, planting_id=farm.planting.id, crop_id=farm.crop.id,
                weight_kg=Decimal(kg), grade=grade, crates=crates, harvested_at=at, day=day, worker_id=worker.id,
                entered_by_id=farm.users["manager"].id, voided_at=at if voided else None)
    session.add(h)
    session.flush()
    return h
