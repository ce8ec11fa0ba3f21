"""Demo steps of the harvest area: the park's workers, and 90 days of harvest history (about 1,500 kg a day)."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from farm import clock
from farm.demo.park import FIRST_PICK_DAYS
from farm.models.auth import User
from farm.models.harvest import Harvest, HarvestChange
from farm.models.people import Worker
from farm.vocab import Grade, WorkerStatus

SEED = 3101  # the area's own generator, so the shared one keeps its sequence for other steps
WORKERS = 60
HISTORY_DAYS = 90
DAILY_KG = 1500
VILLAGE_GROUPS = [f"曙光村{n}组" for n in "一二三四五六"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭田董袁蒋于杜程魏苏吕丁任姚崔白孟乔郝贺武"
GIVEN = ("秀英 桂英 秀兰 玉兰 桂兰 秀珍 凤英 玉珍 兰英 淑珍 红梅 丽华 春花 金花 海燕 桂芳 淑芬 彩霞 玉梅 翠兰 "
         "建国 建军 国庆 志强 永强 海军 建华 卫东 志刚 长青 宝山 来福 俊峰 文斌 德明 振华 福生 永明 保平 二虎 "
         "敏 静 丽 军 勇 强 磊 刚 杰 芳").split()
# Relative daily yield per m² of each vegetable at full harvest.
CROP_YIELD = {"cucumber": 1.3, "tomato": 1.0, "eggplant": 0.9, "pepper": 0.7}
# Weekday factors average 1.0: Sundays the city's buyers take less.
WEEKDAY = (1.04, 1.04, 1.04, 1.04, 1.04, 0.95, 0.85)
GRADE_MIX = ((Grade.PREMIUM, 0.24), (Grade.GRADE1, 0.46), (Grade.GRADE2, 0.22), (Grade.OFFGRADE, 0.08))
CORRECTIONS = 25
# Pickers per vegetable house: every house picks every day, so four share a house's day (13 houses, 52 of the
# 60 workers) and no one's piece pay runs far ahead of the others'.
TEAM = 4
DUPLICATES = 6


def _names(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    """`count` new full names, none already taken."""
    names = []
    while len(names) < count:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        if name not in taken:
            taken.add(name)
            names.append(name)
    return names


def add_workers(session: Session, ctx: dict) -> None:
    """About 60 workers from the village groups of 曙光村, with daily wages of 120-180 元."""
    rng = random.Random(SEED)
    today = ctx["today"]
    taken = set(session.scalars(select(Worker.name)))
    workers = []
    for name in _names(rng, WORKERS, taken):
        worker = Worker(
            name=name, village_group=rng.choice(VILLAGE_GROUPS), status=WorkerStatus.ACTIVE,
            phone=f"1{rng.choice('358')}{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
            daily_wage=Decimal(rng.randrange(120, 185, 5)), started_on=today - timedelta(days=rng.randint(100, 1500)),
        )
        session.add(worker)
        workers.append(worker)
    session.flush()
    ctx["workers"] = workers


def _harvest_window(planting, today: date) -> tuple[date, date]:
    """The days a planting picks: from its first picking to its end (or today)."""
    start = planting.planted_on + timedelta(days=FIRST_PICK_DAYS.get(planting.crop.code, 50))
    return start, planting.ended_on or today


def _split(rng: random.Random, total: float) -> list[Decimal]:
    """A greenhouse's day split into entries of 2-5 crates (10-15 kg a crate), weighed to 0.1 kg."""
    entries = []
    left = total
    while left > 8:
        weight = min(left, rng.randint(2, 5) * rng.uniform(10, 15))
        entries.append(Decimal(str(round(weight, 1))))
        left -= weight
    return entries


def _moment(rng: random.Random, day: date) -> datetime:
    """When a crate was weighed: mostly in the morning's picking, some in the late afternoon."""
    if rng.random() < 0.8:
        minutes = rng.randint(6 * 60 + 30, 10 * 60 + 30)
    else:
        minutes = rng.randint(15 * 60 + 30, 18 * 60)
    return clock.at_local(day, time(minutes // 60, minutes % 60, rng.randint(0, 59)))


def _grade(rng: random.Random) -> Grade:
    """A grade drawn with the shares of GRADE_MIX."""
    roll, acc = rng.random(), 0.0
    for grade, share in GRADE_MIX:
        acc += share
        if roll < acc:
            return grade
    return Grade.OFFGRADE


def add_harvest_history(session: Session, ctx: dict) -> None:
    """90 days of harvests in the vegetable greenhouses, about 1,500 kg a day, with a few corrections and voids.

    Written with bulk inserts so the demo loads in seconds.
    """
    rng = random.Random(SEED + 1)
    today = ctx["today"]
    now = clock.now()
    users = {u.username: u for u in session.scalars(select(User))}
    manager, demo_worker = users.get("manager") or next(iter(users.values())), users.get("worker")
    houses = [g for g in ctx["greenhouses"] if ctx["uses"][g.code] in CROP_YIELD]
    pickers = list(ctx.get("workers", []))
    rng.shuffle(pickers)
    teams = {g.id: pickers[i * TEAM:i * TEAM + TEAM] for i, g in enumerate(houses)}
    if demo_worker is not None and demo_worker.worker_id is not None and houses:
        teams[houses[0].id] = [*teams[houses[0].id], demo_worker.worker]
    # Which plantings pick on each day, then the day's weight (about DAILY_KG, less on Sundays) shared
    # among them by crop, area and how far into its harvest each planting is.
    # The park plans its sales at about DAILY_KG a day, so the day's weight does not follow how many
    # greenhouses pick; between seasons the few that pick carry more.
    days = []
    for back in range(HISTORY_DAYS - 1, -1, -1):
        day = today - timedelta(days=back)
        active = []
        for house in houses:
            for planting in house.plantings:
                start, end = _harvest_window(planting, today)
                if start <= day <= end:
                    ramp = min(1.0, 0.4 + 0.06 * (day - start).days)
                    share = CROP_YIELD[planting.crop.code] * float(planting.area_m2) / 800 * ramp * rng.uniform(0.85, 1.15)
                    active.append((house, planting, share))
                    break
        strength = WEEKDAY[day.weekday()] * rng.gauss(1, 0.05)
        days.append((day, active, strength if active else 0.0))
    rows: list[dict] = []
    for day, active, strength in days:
        if not active:
            continue
        day_kg = DAILY_KG * strength
        shares = sum(s for _, _, s in active)
        for house, planting, share in active:
            team = teams.get(house.id) or [None]
            for weight in _split(rng, day_kg * share / shares):
                at = _moment(rng, day)
                if at > now:
                    continue
                worker = rng.choice(team)
                entered_by = demo_worker if (worker is not None and demo_worker is not None
                                             and worker.id == demo_worker.worker_id) else manager
                created = at + timedelta(minutes=rng.randint(1, 4))
                rows.append({
                    "greenhouse_id": house.id, "planting_id": planting.id, "crop_id": planting.crop_id,
                    "weight_kg": weight, "grade": _grade(rng), "crates": max(1, round(float(weight) / 12.5)),
                    "harvested_at": at, "day": day, "worker_id": worker.id if worker else None,
                    "entered_by_id": entered_by.id, "note": "", "created_at": created, "updated_at": created,
                    "void_reason": "",
                })
    if not rows:
        return
    # A few entries were typed twice by mistake and voided by the manager.
    duplicates = []
    for row in rng.sample(rows, min(DUPLICATES, len(rows))):
        copy = dict(row, created_at=row["created_at"] + timedelta(minutes=1))
        copy.update(voided_at=copy["created_at"] + timedelta(minutes=30), voided_by_id=manager.id,
                    void_reason="重复录入")
        duplicates.append(copy)
    rows.extend(duplicates)
    ids = session.scalars(insert(Harvest).returning(Harvest.id, sort_by_parameter_order=True), rows).all()
    changes = []
    for row_id, row in zip(ids[-len(duplicates):], duplicates):
        changes.append({"harvest_id": row_id, "action": "void", "changed_by_id": manager.id,
                        "changed_at": row["voided_at"], "before": {"voided": False}, "after": {"voided": True},
                        "reason": "重复录入"})
    # Some weights were misread on the scale and corrected by the manager later that day.
    corrected = rng.sample(range(len(rows) - len(duplicates)), min(CORRECTIONS, len(rows) - len(duplicates)))
    for index in corrected:
        row = rows[index]
        old = row["weight_kg"] + Decimal(rng.choice((-10, -5, 5, 10)))
        at = row["created_at"] + timedelta(hours=2)
        changes.append({"harvest_id": ids[index], "action": "correct", "changed_by_id": manager.id,
                        "changed_at": at, "before": {"weight_kg": f"{old:.3f}"},
                        "after": {"weight_kg": f"{row['weight_kg']:.3f}"}, "reason": "秤读错，按复秤改正"})
    session.execute(insert(HarvestChange), changes)
