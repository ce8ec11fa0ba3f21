"""Small factories for the sales tests: a park with two crops in three greenhouses, harvests on given days."""
from __future__ import annotations

from datetime import date, time
from decimal import Decimal

from farm import clock
from farm.models.harvest import Harvest
from farm.models.people import Worker
from tests.factories import make_crop, make_park, make_planting, make_users


def make_sales_farm(session) -> dict:
    """Cucumbers in GH-001 and GH-002, tomatoes in GH-003, a worker, one login per role (not committed)."""
    park = make_park(session)
    cucumber = make_crop(session)
    tomato = make_crop(session, code="tomato", name_zh="西红柿", name_en="Tomato")
    gh1, gh2, gh3 = park.greenhouses
    plantings = {
        "GH-001": make_planting(session, gh1, cucumber, planted_on=date(2026, 9, 1)),
        "GH-002": make_planting(session, gh2, cucumber, planted_on=date(2026, 9, 1)),
        "GH-003": make_planting(session, gh3, tomato, planted_on=date(2026, 9, 1)),
    }
    worker = Worker(name="韩美兰", phone="13900000000")
    session.add(worker)
    session.flush()
    users = make_users(session)
    users["worker"].worker_id = worker.id
    session.flush()
    return {"park": park, "cucumber": cucumber, "tomato": tomato, "plantings": plantings, "worker": worker,
            "users": users}


def harvest(session, farm: dict, greenhouse: str, day: date, kg: str, grade: str = "grade1", hour: int = 8,
            crates: int | None = None) -> Harvest:
    planting = farm["plantings"][greenhouse]
    moment = clock.at_local(day, time(hour))
    record = Harvest(greenhouse_id=planting.greenhouse_id, planting_id=planting.id, crop_id=planting.crop_id,
                     weight_kg=Decimal(kg), grade=grade, harvested_at=moment, day=day, worker_id=farm["worker"].id,
                     entered_by_id=farm["users"]["manager"].id, crates=crates)
    session.add(record)
    session.flush()
    return record
