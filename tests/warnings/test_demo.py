"""The demo park's warnings: a handful open of different kinds, one followed up by the village official, and the
job run again on the demo's day opens nothing new."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from farm.models.warnings import Warning
from farm.services import warnings as rules
from tests.conftest import DEMO_NOW


def test_demo_has_open_warnings_of_several_kinds(session, demo):
    found = list(session.scalars(select(Warning).order_by(Warning.id)))
    kinds = Counter(w.kind for w in found)
    assert {"below_line", "near_line", "income_drop", "rent_overdue"} <= set(kinds)
    assert 5 <= len(found) <= 15
    followed = [w for w in found if w.state == "following"]
    assert len(followed) == 1 and followed[0].follow_ups[0].by.role == "official"
    assert all(w.state in ("open", "following") and w.condition_holds and w.reason for w in found)
    # Rent overdue only for lifted or monitored households.
    assert all(w.household.status in ("lifted", "monitored") for w in found if w.kind == "rent_overdue")


def test_demo_job_again_opens_nothing(session, demo):
    before = session.query(Warning).count()
    assert rules.run_warnings(session, DEMO_NOW)["opened"] == 0
    assert session.query(Warning).count() == before
