"""Fixtures of the harvest tests: a small park with a cucumber planting in GH-001 and one login per role."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from tests.factories import make_farm


@dataclass
class Farm:
    park: object
    crop: object
    planting: object
    users: dict

    @property
    def worker(self):
        return self.users["worker"]


@pytest.fixture
def farm(session) -> Farm:
    """GH-001 grows cucumbers since 2026-09-01; GH-002 and GH-003 stand empty."""
    farm = Farm(*make_farm(session, planted_on=date(2026, 9, 1)))
    session.commit()
    return farm
