"""The demo park (docs/domain.md, The demo park: the park, its greenhouses, plantings and logins)."""
from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from sqlalchemy import select

from farm import clock
from farm.demo import DEMO_LOGINS, ParkExists, seed_demo
from farm.models.auth import User
from farm.models.park import Greenhouse, Park
from farm.services import park as park_service
from tests.conftest import login

pytestmark = pytest.mark.timeout(300)


def test_demo_has_104_greenhouses_numbered_in_order(session, demo):
    codes = session.scalars(select(Greenhouse.code).order_by(Greenhouse.code)).all()
    assert codes == [f"GH-{n:03d}" for n in range(1, 105)]
    assert demo["summary"]["greenhouses"] == 104
    assert session.scalar(select(Park.code)) == "yawei"


def test_demo_has_13_vegetable_greenhouses_and_ten_idle(session, demo):
    greenhouses = park_service.list_greenhouses(session)
    vegetable = [g for g in greenhouses
                 if any(p.crop.category == "vegetable" for p in park_service.active_plantings(g))]
    assert len(vegetable) == 13
    assert {p.crop.code for g in vegetable for p in park_service.active_plantings(g)} == {
        "cucumber", "tomato", "eggplant", "pepper"}
    idle = [g for g in greenhouses if g.status == "idle" and not park_service.active_plantings(g)]
    assert len(idle) >= 10
    other = [g for g in greenhouses if g not in vegetable and park_service.active_plantings(g)]
    assert other, "some greenhouses grow other crops"
    counts = park_service.overview_counts(greenhouses)
    assert counts.total == 104 and counts.vegetables == 13 and counts.idle >= 10


def test_demo_plantings_fit_their_greenhouses(session, demo):
    for greenhouse in park_service.list_greenhouses(session):
        active = park_service.active_plantings(greenhouse)
        assert sum((p.area_m2 for p in active), Decimal(0)) <= greenhouse.area_m2, greenhouse.code
        assert (greenhouse.status == "active") == bool(active), greenhouse.code
        for planting in greenhouse.plantings:
            if planting.expected_harvest_on:
                assert planting.expected_harvest_on >= planting.planted_on
            if planting.ended_on:
                assert planting.ended_on >= planting.planted_on and planting.status == "ended"


def test_demo_one_login_per_role_that_works(app, session, demo):
    roles = Counter(session.scalars(select(User.role)).all())
    for role in ("admin", "manager", "worker", "viewer"):
        assert roles[role] >= 1, role
    assert {role for _, role, _ in DEMO_LOGINS} == {"admin", "manager", "worker", "viewer", "official"}
    for username, _role, password in DEMO_LOGINS:
        client = app.test_client()
        assert login(client, username, password).status_code == 302, username
    worker = session.scalar(select(User).where(User.role == "worker"))
    assert worker.worker is not None


def test_demo_refuses_a_database_with_a_park(session, demo):
    with pytest.raises(ParkExists):
        seed_demo(session)
    session.rollback()
    assert len(session.scalars(select(Greenhouse)).all()) == 104


def test_demo_manager_sees_the_park_in_chinese(app, session, demo):
    client = app.test_client()
    login(client, "manager", "manager-demo-2026")
    page = client.get("/park").get_data(as_text=True)
    assert 'lang="zh-CN"' in page
    assert "GH-001" in page and "GH-104" in page


def test_demo_loads_quickly(demo):
    assert demo["seconds"] < 60


def test_demo_has_sensor_history_for_the_vegetable_greenhouses(session, demo):
    from datetime import timedelta

    from sqlalchemy import func

    from farm.models.rollups import ReadingRollup
    from farm.models.sensors import Reading

    greenhouses = park_service.list_greenhouses(session)
    vegetable = {g.id for g in greenhouses
                 if any(p.crop.category == "vegetable" for p in park_service.active_plantings(g))}
    days = session.execute(select(ReadingRollup.greenhouse_id, func.count(), func.min(ReadingRollup.period_start))
                           .where(ReadingRollup.resolution == "1d", ReadingRollup.metric == "temperature")
                           .group_by(ReadingRollup.greenhouse_id)).all()
    assert {gh for gh, _, _ in days} == vegetable
    assert all(n >= 85 for _, n, _ in days)
    assert min(first for _, _, first in days) <= clock.now() - timedelta(days=89)
    # Raw readings for the last two park days only, which the rollup job folds on its first run.
    first_raw = session.scalar(select(func.min(Reading.ts)))
    assert clock.now() - timedelta(days=2) <= first_raw <= clock.now() - timedelta(days=1)
    means = session.scalars(select(ReadingRollup.mean).where(ReadingRollup.resolution == "1d",
                                                             ReadingRollup.metric == "temperature")).all()
    assert 5 < sum(means) / len(means) < 35


def test_demo_vegetable_houses_never_read_below_their_crops_frost_limit(session, demo):
    """The history follows the managed climate: no planted vegetable house froze (a dead crop) in the 90 days."""
    from sqlalchemy import func

    from farm.models.crops import Planting
    from farm.models.rollups import ReadingRollup
    from farm.models.sensors import Reading

    plantings = [p for g in park_service.list_greenhouses(session) for p in park_service.active_plantings(g)
                 if p.crop.category == "vegetable"]
    assert len(plantings) == 13
    checked = 0
    for planting in plantings:
        assert planting.crop.frost_kill_c is not None, planting.crop.code
        first = session.scalar(select(func.min(ReadingRollup.period_start))
                               .where(ReadingRollup.greenhouse_id == planting.greenhouse_id))
        # Planted through the whole history: the house was managed for its crop all along.
        assert first is not None and planting.planted_on < clock.park_day(first), planting.greenhouse.code
        assert not session.scalar(select(func.count()).select_from(Planting).where(
            Planting.greenhouse_id == planting.greenhouse_id, Planting.id != planting.id,
            Planting.ended_on >= clock.park_day(first)))
        coldest_rollup = session.scalar(select(func.min(ReadingRollup.min)).where(
            ReadingRollup.greenhouse_id == planting.greenhouse_id, ReadingRollup.metric == "temperature"))
        coldest_raw = session.scalar(select(func.min(Reading.value)).where(
            Reading.greenhouse_id == planting.greenhouse_id, Reading.metric == "temperature"))
        assert coldest_rollup > planting.crop.frost_kill_c, (planting.greenhouse.code, coldest_rollup)
        assert coldest_raw > planting.crop.frost_kill_c, (planting.greenhouse.code, coldest_raw)
        # Held near the crop's night minimum, not merely above freezing.
        assert coldest_rollup >= float(planting.crop.night_temp_min) - 3, (planting.greenhouse.code, coldest_rollup)
        checked += 1
    assert checked == 13


def test_demo_every_vegetable_house_harvests_on_most_days_and_shares_the_load(session, demo):
    from sqlalchemy import func

    from farm.models.harvest import Harvest

    vegetable = {g.id: g.code for g in park_service.list_greenhouses(session)
                 if any(p.crop.category == "vegetable" for p in park_service.active_plantings(g))}
    assert len(vegetable) == 13
    alive = Harvest.voided_at.is_(None)
    days = dict(session.execute(select(Harvest.greenhouse_id, func.count(func.distinct(Harvest.day)))
                                .where(alive).group_by(Harvest.greenhouse_id)).all())
    assert set(days) == set(vegetable)
    for gh_id, code in vegetable.items():
        assert days[gh_id] >= 60, (code, days[gh_id])
    per_day = session.execute(select(Harvest.greenhouse_id, Harvest.day, func.sum(Harvest.weight_kg))
                              .where(alive).group_by(Harvest.greenhouse_id, Harvest.day)).all()
    park_days = {day for _, day, _ in per_day}
    total = sum(kg for _, _, kg in per_day)
    assert 1300 < total / len(park_days) < 1700  # about 1,500 kg a day
    # No house carries the park: the heaviest house-day is a fair share of the day, not up to 700 kg.
    assert max(kg for _, _, kg in per_day) < 350
