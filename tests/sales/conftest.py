"""The sales tests' small park: cucumbers in GH-001 and GH-002, tomatoes in GH-003, one login per role."""
from __future__ import annotations

import pytest

from tests.factories import bearer, token_for
from tests.sales.factories import make_sales_farm


@pytest.fixture
def farm(session, frozen_clock):
    made = make_sales_farm(session)
    session.commit()
    return made


@pytest.fixture
def tokens(session, farm) -> dict:
    return {role: bearer(token_for(session, user)) for role, user in farm["users"].items()}
