"""The demo's spraying records: a product list in the right form, 3-4 sprays a month in each vegetable greenhouse,
no harvest of the history inside an interval, and one interval still running at the demo's now, which refuses the
demo worker's harvest there."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from farm import clock
from farm.inputs.sprays import REGISTRATION
from farm.models.harvest import Harvest
from farm.models.sprays import Spray, SprayProduct
from farm.services import sprays
from tests.conftest import csrf_token, login


def test_demo_products_look_like_real_labels(session, demo):
    products = session.scalars(select(SprayProduct)).all()
    assert 6 <= len(products) <= 10
    assert all(REGISTRATION.match(p.registration_no) for p in products)
    assert {"吡虫啉", "百菌清", "阿维菌素"} <= {p.active_ingredient.split()[0] for p in products}


def test_demo_sprays_three_or_four_times_a_month_in_each_vegetable_greenhouse(session, demo):
    today = clock.today()
    rows = session.execute(select(Spray.greenhouse_id, func.count(), func.min(Spray.day))
                           .group_by(Spray.greenhouse_id)).all()
    assert len(rows) == 13
    for _greenhouse, n, first in rows:
        assert 8 <= n <= 13 and first >= today - timedelta(days=90)


def test_demo_has_no_harvest_inside_an_interval(session, demo):
    harvests = session.execute(select(Harvest.greenhouse_id, Harvest.harvested_at)).all()
    assert harvests
    assert [h for h in harvests if sprays.harvest_block(session, *h)] == []


def test_demo_worker_is_refused_in_the_greenhouse_still_inside_its_interval(app, session, demo):
    running = sprays.running(session)
    assert running
    block = next(iter(running.values()))
    assert block.allowed_from > clock.today()
    client = app.test_client()
    login(client, "worker", "worker-demo-2026")
    page = client.get("/harvest").get_data(as_text=True)
    assert block.greenhouse in page and "尚未结束的安全间隔期" in page
    r = client.post("/api/v1/harvests", json={"greenhouse": block.greenhouse, "weight_kg": 10, "grade": "grade1"},
                    headers={"X-CSRFToken": csrf_token(client, "/harvest")})
    assert r.status_code == 422
    assert r.get_json()["error"]["fields"]["harvest_allowed_from"] == block.allowed_from.isoformat()
