"""Demo step of the spraying records: the park's pesticide products, and 3-4 sprays a month in each vegetable
greenhouse over the harvest history, consistent with it.

Most sprays are biological or short-interval products applied in the evening, after the day's last picking, so the
next morning's harvest is allowed. Some take a product with a longer interval: the greenhouse was not picked until
it had passed, so the harvest entries the history had put inside it are taken out (a few per cent of the weight).
The demo worker's greenhouse was sprayed yesterday evening with a three-day product, so at the demo's "now" its
interval is still running and a harvest there is refused.

This step runs right after the harvest history, before the steps that read it (jobs and pay, sales), so those see
the harvests as they finally stand; it draws from its own generator and leaves the others' sequences alone.
"""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from farm import clock
from farm.demo.harvest import CROP_YIELD
from farm.models.auth import User
from farm.models.harvest import Harvest, HarvestChange
from farm.models.sprays import Spray, SprayProduct
from farm.services import plantings
from farm.services.sprays import allowed_from

SEED = 8101
HISTORY_DAYS = 90

# name, registration number (made up, in the right form), active ingredient, interval in days, dose per 15 L
# sprayer tank and its unit, what it is sprayed against, label note.
PRODUCTS = (
    ("0.3%苦参碱水剂", "PD20132345", "苦参碱", 1, Decimal(20), "ml", ("蚜虫", "菜青虫")),
    ("1000亿孢子/克枯草芽孢杆菌可湿性粉剂", "PD20152876", "枯草芽孢杆菌", 0, Decimal(15), "g", ("白粉病", "灰霉病")),
    ("1.8%阿维菌素乳油", "PD20080506", "阿维菌素", 2, Decimal(10), "ml", ("红蜘蛛", "斑潜蝇")),
    ("5%啶虫脒乳油", "PD20070345", "啶虫脒", 2, Decimal(10), "ml", ("白粉虱", "蚜虫")),
    ("10%吡虫啉可湿性粉剂", "PD20081234", "吡虫啉", 3, Decimal(10), "g", ("蚜虫", "白粉虱")),
    ("50%腐霉利可湿性粉剂", "PD20094412", "腐霉利", 3, Decimal(20), "g", ("灰霉病",)),
    ("50%多菌灵可湿性粉剂", "PD20085123", "多菌灵", 5, Decimal(25), "g", ("白粉病", "叶霉病")),
    ("75%百菌清可湿性粉剂", "PD20096543", "百菌清", 7, Decimal(30), "g", ("霜霉病", "早疫病")),
)
# Share of each product among the sprays of a greenhouse that is being picked (short intervals mostly), and
# among those of one that is not picking yet (any product).
PICKING_WEIGHTS = (50, 36, 5, 4, 3, 2, 0, 0)
GROWING_WEIGHTS = (15, 15, 10, 10, 15, 10, 10, 15)
# The greenhouse whose interval still runs today: this product, sprayed yesterday evening.
RUNNING_PRODUCT = "10%吡虫啉可湿性粉剂"


def add_sprays(session: Session, ctx: dict) -> None:
    """The product list, the sprays of the last 90 days, and the harvests inside an interval taken out."""
    rng = random.Random(SEED)
    today, now = ctx["today"], clock.now()
    manager = session.scalar(select(User).where(User.username == "manager")) or session.scalars(select(User)).first()
    if manager is None:
        return
    products = []
    for name, number, ingredient, phi, *_rest in PRODUCTS:
        content = name[:name.index(ingredient)]  # "10%" of 10%吡虫啉可湿性粉剂
        product = SprayProduct(name=name, registration_no=number, active_ingredient=f"{ingredient} {content}",
                               phi_days=phi, active=True, note="", created_at=now - timedelta(days=HISTORY_DAYS + 30))
        session.add(product)
        products.append(product)
    session.flush()
    houses = [g for g in ctx["greenhouses"] if ctx["uses"][g.code] in CROP_YIELD]
    workers = list(ctx.get("workers", []))
    if not houses or not workers:
        return
    picked = set(session.execute(select(Harvest.greenhouse_id, Harvest.day)
                                 .where(Harvest.day >= today - timedelta(days=HISTORY_DAYS))).all())
    sprays: list[Spray] = []
    for house in houses:
        operator = rng.choice(workers)  # each greenhouse has its sprayer, trained for it
        day = today - timedelta(days=HISTORY_DAYS - 1 - rng.randint(0, 6))
        while day < today:
            if plantings.current_planting(house, day) is not None:
                weights = PICKING_WEIGHTS if (house.id, day + timedelta(days=1)) in picked else GROWING_WEIGHTS
                index = rng.choices(range(len(PRODUCTS)), weights)[0]
                at = clock.at_local(day, time(18, rng.randint(15, 59)))
                sprays.append(_spray(rng, house, products[index], PRODUCTS[index], at, operator, manager))
            day += timedelta(days=rng.randint(7, 10))
    # The demo worker's greenhouse (the first one: the harvest history puts the demo worker in its team).
    running = next(i for i, p in enumerate(PRODUCTS) if p[0] == RUNNING_PRODUCT)
    yesterday = clock.at_local(today - timedelta(days=1), time(18, 40))
    if yesterday < now:
        sprays = [s for s in sprays if not (s.greenhouse_id == houses[0].id and s.day >= today - timedelta(days=1))]
        sprays.append(_spray(rng, houses[0], products[running], PRODUCTS[running], yesterday, workers[0], manager))
    session.add_all(sprays)
    session.flush()
    _take_out_harvests_inside(session, sprays)


def _spray(rng: random.Random, house, product: SprayProduct, spec: tuple, at: datetime, operator, manager) -> Spray:
    _name, _number, _ingredient, _phi, per_tank, unit, targets = spec
    tanks = rng.choice((2, 3, 4))
    day = clock.park_day(at)
    return Spray(
        greenhouse_id=house.id, applied_at=at, day=day, product_id=product.id, product_name=product.name,
        registration_no=product.registration_no, active_ingredient=product.active_ingredient,
        dose=per_tank * tanks, dose_unit=unit, water_l=Decimal(15 * tanks), target=rng.choice(targets),
        operator_id=operator.id, phi_days=product.phi_days,
        harvest_allowed_from=allowed_from(day, product.phi_days), note="", recorded_by_id=manager.id,
        created_at=at + timedelta(minutes=rng.randint(20, 90)),
    )


def _take_out_harvests_inside(session: Session, sprays: list[Spray]) -> None:
    """Remove the harvest entries (and their history) the history had put inside an interval."""
    inside = []
    for spray in sprays:
        if spray.harvest_allowed_from <= spray.day:
            continue
        inside.extend(session.scalars(select(Harvest.id).where(
            Harvest.greenhouse_id == spray.greenhouse_id, Harvest.harvested_at >= spray.applied_at,
            Harvest.day < spray.harvest_allowed_from)))
    for start in range(0, len(inside), 500):
        chunk = inside[start:start + 500]
        session.execute(delete(HarvestChange).where(HarvestChange.harvest_id.in_(chunk)))
        session.execute(delete(Harvest).where(Harvest.id.in_(chunk)))

