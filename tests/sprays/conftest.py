"""Fixtures of the spraying tests: the areas' small park (cucumbers in GH-001 since 2026-09-01, GH-002 and GH-003
empty, one login per role), a product on the list, and the clock stopped on 2026-11-20 10:00 park time."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

import pytest

from farm.inputs.sprays import ProductIn
from farm.services import sprays
from tests.factories import make_farm

# 2026-11-20 10:00 in Asia/Shanghai.
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)


@dataclass
class Farm:
    park: object
    crop: object
    planting: object
    users: dict
    product: object

    @property
    def worker(self):
        return self.users["worker"]


@pytest.fixture
def farm(session, frozen_clock) -> Farm:
    frozen_clock.set(NOW)
    park, crop, planting, users = make_farm(session, planted_on=date(2026, 9, 1))
    product = sprays.save_product(session, ProductIn(name="吡虫啉", registration_no="PD20081234",
                                                     active_ingredient="吡虫啉 10%", phi_days=3))
    session.commit()
    return Farm(park, crop, planting, users, product)
