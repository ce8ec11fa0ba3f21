"""The demo park: the Shuguang village demonstration park in Wuhai, loaded into an empty database.

`seed_demo` runs the steps in `STEPS` in order with one shared context and leaves the commit to its caller. One
module per area holds that area's steps (park, harvest, land, people, sensors, assets). The park's steps draw from one
seeded generator (`ctx["rng"]`) and every other area from its own, so the park comes out the same each time; a new
step is appended to `STEPS` and takes its own generator, so the earlier ones keep their content.
"""
from __future__ import annotations

import random
from datetime import date
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from farm import clock
from farm.demo import assets, harvest, land, linkage, livelihoods, park, people, sales, sensors, sprays, trace, warnings
from farm.demo.park import DEMO_LOGINS
from farm.models.auth import User
from farm.models.crops import Planting
from farm.models.harvest import Harvest
from farm.models.park import Greenhouse, Park
from farm.models.sensors import Device

__all__ = ["DEMO_LOGINS", "ParkExists", "STEPS", "seed_demo"]

SEED = 2026

Step = Callable[[Session, dict], None]


class ParkExists(Exception):
    """The database already holds a park, so the demo is not loaded."""

    def __init__(self) -> None:
        super().__init__("The database already holds a park; seed-demo changes nothing.")


STEPS: list[Step] = [
    park.add_park,
    park.add_crops,
    park.add_greenhouses,
    park.add_plantings,
    park.add_planting_history,
    park.add_users,
    harvest.add_workers,
    harvest.add_harvest_history,
    # Right after the harvest history, which it keeps consistent with the intervals, before the steps reading it.
    sprays.add_sprays,
    land.add_land,
    park.add_devices,
    people.add_people,
    sensors.add_sensor_history,
    land.add_livelihoods,
    # Before the other income, which is drawn against what the park paid each household.
    linkage.add_last_year_work,
    livelihoods.add_income_history,
    warnings.add_warnings,
    assets.add_assets,
    sales.add_sales,
    trace.add_producer,
    trace.add_certificate_log,
]

# What `seed-demo` prints in its one line: counts, never a line per simulated event.
SUMMARY = {"greenhouses": Greenhouse, "plantings": Planting, "harvests": Harvest, "devices": Device, "users": User}


def seed_demo(session: Session, park_code: str = "yawei", today: date | None = None) -> dict:
    """Load the demo park with `session` (not committed) and return how many rows of each kind it holds."""
    if session.scalar(select(Park.id).limit(1)) is not None:
        raise ParkExists()
    ctx = {
        "park": None,
        "today": today or clock.today(),
        "park_code": park_code,
        "crops": {},
        "greenhouses": [],
        "rng": random.Random(SEED),
    }
    for step in STEPS:
        step(session, ctx)
    session.flush()
    return {name: session.scalar(select(func.count()).select_from(model)) for name, model in SUMMARY.items()}
