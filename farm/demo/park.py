"""Demo steps of the park itself: the park, its crops with their climate ranges, the 104 greenhouses, their
plantings (current and past seasons), one login per role and a sensor device per greenhouse."""
from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from farm.models.crops import Crop, CropVariety, Planting
from farm.models.park import Greenhouse, Park
from farm.models.sensors import Device
from farm.services.users import create_user
from farm.vocab import CropCategory, GreenhouseKind, GreenhouseStatus, PlantingStatus, Role

# (login, role, password), printed by `seed-demo` and `all`.
DEMO_LOGINS: list[tuple[str, str, str]] = [
    ("admin", Role.ADMIN, "admin-demo-2026"),
    ("manager", Role.MANAGER, "manager-demo-2026"),
    ("worker", Role.WORKER, "worker-demo-2026"),
    ("viewer", Role.VIEWER, "viewer-demo-2026"),
    ("official", Role.OFFICIAL, "official-demo-2026"),
]
DEMO_DISPLAY_NAMES = {
    "admin": "系统管理员",
    "manager": "刘海峰",
    "worker": "王秀英",
    "viewer": "曙光村村委会",
    "official": "赵志刚（镇乡村振兴办）",
}

PARK_NAME = "乌海市海南区曙光村高效农业示范园"
PARK_LOCATION = "内蒙古乌海市海南区曙光村"
PARK_AREA_MU = Decimal("840")

GREENHOUSE_COUNT = 104
ZONES = ("A区", "B区", "C区", "D区")
PER_ZONE = GREENHOUSE_COUNT // len(ZONES)
PER_ROW = 2
TUNNELS = 6

VEGETABLE_PLAN = {"cucumber": 4, "tomato": 4, "eggplant": 2, "pepper": 3}
VEGETABLE_SPACING = 8
FRUIT_PLAN = {"strawberry": 8, "melon": 5}
IDLE = 12  # idle greenhouses, the tunnels among them
MAINTENANCE = 1

MAINTENANCE_NOTE = "更换保温被和棚膜"
UNUSED = (GreenhouseStatus.IDLE, GreenhouseStatus.MAINTENANCE)  # uses of a greenhouse without a planting

_D = Decimal

CROPS = [
    {
        "code": "cucumber", "name_zh": "黄瓜", "name_en": "Cucumber", "category": CropCategory.VEGETABLE, "color": "#2e7d32",
        "varieties": ["津优35号", "津优303", "中农26号"],
        "day_temp_min": _D(25), "day_temp_max": _D(29), "night_temp_min": _D(18), "night_temp_max": _D(22),
        "chill_slow_c": _D(13), "chill_stop_c": _D(5), "frost_kill_c": _D(-1),
        "heat_impair_c": _D(35), "heat_stop_c": _D(40), "heat_injury_c": _D(45),
        "humidity_min": _D(60), "humidity_max": _D(85), "soil_temp_min": _D(20), "soil_temp_max": _D(25),
        "co2_min": _D(400), "co2_max": _D(1200),
    },
    {
        "code": "tomato", "name_zh": "西红柿", "name_en": "Tomato", "category": CropCategory.VEGETABLE, "color": "#e53935",
        "varieties": ["普罗旺斯", "金棚1号", "欧盾"],
        "day_temp_min": _D(24), "day_temp_max": _D(26), "night_temp_min": _D(12), "night_temp_max": _D(17),
        "chill_slow_c": _D(10), "chill_stop_c": _D(5), "frost_kill_c": _D(-1),
        "heat_impair_c": _D(33), "heat_stop_c": _D(40), "heat_injury_c": _D(45),
        "humidity_min": _D(45), "humidity_max": _D(55), "soil_temp_min": _D(20), "soil_temp_max": _D(23),
        "co2_min": _D(400), "co2_max": _D(1200),
    },
    {
        "code": "eggplant", "name_zh": "茄子", "name_en": "Eggplant", "category": CropCategory.VEGETABLE, "color": "#8e24aa",
        "varieties": ["布利塔", "京茄黑宝"],
        "day_temp_min": _D(25), "day_temp_max": _D(30), "night_temp_min": _D(15), "night_temp_max": _D(20),
        "chill_slow_c": _D(15), "chill_stop_c": _D(10), "frost_kill_c": _D(0),
        "heat_impair_c": _D(35), "heat_stop_c": _D(38), "heat_injury_c": _D(45),
        "humidity_min": _D(45), "humidity_max": _D(55), "soil_temp_min": None, "soil_temp_max": None,
        "co2_min": _D(400), "co2_max": _D(1200),
    },
    {
        "code": "pepper", "name_zh": "尖椒", "name_en": "Pepper", "category": CropCategory.VEGETABLE, "color": "#9e9d24",
        "varieties": ["螺丝椒", "陇椒2号"],
        "day_temp_min": _D(25), "day_temp_max": _D(30), "night_temp_min": _D("15.5"), "night_temp_max": _D("20.5"),
        "chill_slow_c": _D(10), "chill_stop_c": _D(3), "frost_kill_c": _D(0),
        "heat_impair_c": _D(35), "heat_stop_c": _D(40), "heat_injury_c": _D(45),
        "humidity_min": _D(60), "humidity_max": _D(85), "soil_temp_min": _D(22), "soil_temp_max": _D(24),
        "co2_min": _D(400), "co2_max": _D(1200),
    },
    {
        "code": "grape", "name_zh": "葡萄", "name_en": "Grape", "category": CropCategory.FRUIT, "color": "#3949ab",
        "varieties": ["红提", "夏黑", "阳光玫瑰"],
    },
    {
        "code": "strawberry", "name_zh": "草莓", "name_en": "Strawberry", "category": CropCategory.FRUIT, "color": "#d81b60",
        "varieties": ["红颜", "章姬"],
    },
    {
        "code": "melon", "name_zh": "甜瓜", "name_en": "Melon", "category": CropCategory.FRUIT, "color": "#fbc02d",
        "varieties": ["玉菇", "西州蜜25号"],
    },
]

def add_park(session: Session, ctx: dict) -> None:
    """The park itself."""
    park = Park(code=ctx["park_code"], name=PARK_NAME, location=PARK_LOCATION, area_mu=PARK_AREA_MU)
    session.add(park)
    session.flush()
    ctx["park"] = park


def add_crops(session: Session, ctx: dict) -> None:
    """Vegetables with their fruiting-stage climate ranges (docs/domain.md), and the fruit crops."""
    crops = {}
    for spec in CROPS:
        values = dict(spec)
        varieties = values.pop("varieties")
        crop = Crop(**values, varieties=[CropVariety(name=name) for name in varieties])
        session.add(crop)
        crops[crop.code] = crop
    session.flush()
    ctx["crops"] = crops


def _plan_uses(rng: random.Random) -> tuple[dict[int, str], set[int]]:
    """Which crop (or the status idle or maintenance) each greenhouse number gets, and which are tunnels."""
    numbers = range(1, GREENHOUSE_COUNT + 1)
    vegetable_numbers = [1 + VEGETABLE_SPACING * i for i in range(sum(VEGETABLE_PLAN.values()))]
    vegetables = [code for code, count in VEGETABLE_PLAN.items() for _ in range(count)]
    rng.shuffle(vegetables)
    uses = dict(zip(vegetable_numbers, vegetables))

    rest = [n for n in numbers if n not in uses]
    tunnels = set(rest[-TUNNELS:])
    for n in tunnels:
        uses[n] = GreenhouseStatus.IDLE
    solar = [n for n in rest if n not in tunnels]
    rng.shuffle(solar)
    plan = [(GreenhouseStatus.IDLE, IDLE - TUNNELS), (GreenhouseStatus.MAINTENANCE, MAINTENANCE), *FRUIT_PLAN.items()]
    for use, count in plan:
        for n in solar[:count]:
            uses[n] = use
        solar = solar[count:]
    for n in solar:
        uses[n] = "grape"
    return uses, tunnels


def _area(rng: random.Random, tunnel: bool) -> Decimal:
    """A greenhouse's floor area: length times span, in whole m²."""
    if tunnel:
        return Decimal(rng.randint(50, 70) * rng.choice((6, 8)))
    return Decimal(rng.randint(75, 100) * rng.choice((8, 9, 10)))


def add_greenhouses(session: Session, ctx: dict) -> None:
    """104 greenhouses in four zones, each zone in rows of two."""
    rng = ctx["rng"]
    uses, tunnels = _plan_uses(rng)
    greenhouses = []
    for n in range(1, GREENHOUSE_COUNT + 1):
        use = uses[n]
        index = (n - 1) % PER_ZONE
        greenhouse = Greenhouse(
            park=ctx["park"],
            code=f"GH-{n:03d}",
            name=f"{n}号棚",
            zone=ZONES[(n - 1) // PER_ZONE],
            row=index // PER_ROW + 1,
            area_m2=_area(rng, n in tunnels),
            kind=GreenhouseKind.TUNNEL if n in tunnels else GreenhouseKind.SOLAR,
            status=use if use in UNUSED else GreenhouseStatus.ACTIVE,
            notes=MAINTENANCE_NOTE if use == GreenhouseStatus.MAINTENANCE else "",
        )
        session.add(greenhouse)
        greenhouses.append(greenhouse)
    session.flush()
    ctx["greenhouses"] = greenhouses
    ctx["uses"] = {g.code: uses[n] for n, g in enumerate(greenhouses, start=1)}


def _variety(rng: random.Random, crop: Crop) -> str:
    return rng.choice([v.name for v in crop.varieties])


# Days from transplanting to the first picking, by crop (a local estimate).
FIRST_PICK_DAYS = {"cucumber": 35, "tomato": 55, "eggplant": 45, "pepper": 45}
# How long before the demo's day the vegetable houses started picking: plantings staggered over about four weeks,
# all of them picking through the 90 days of harvest history, so the 13 houses share the park's daily harvest.
FIRST_PICK_AGO = (92, 120)


def _vegetable_planting(rng: random.Random, greenhouse: Greenhouse, crop: Crop, today: date) -> Planting:
    planted = today - timedelta(days=FIRST_PICK_DAYS.get(crop.code, 50) + rng.randint(*FIRST_PICK_AGO))
    return Planting(
        greenhouse=greenhouse, crop=crop, variety=_variety(rng, crop), planted_on=planted,
        area_m2=greenhouse.area_m2, expected_harvest_on=planted + timedelta(days=rng.randint(50, 60)),
        status=PlantingStatus.HARVESTING,
    )


def _grape_planting(rng: random.Random, greenhouse: Greenhouse, crop: Crop, today: date) -> Planting:
    planted = date(today.year - rng.randint(4, 9), 4, rng.randint(1, 28))
    return Planting(
        greenhouse=greenhouse, crop=crop, variety=_variety(rng, crop), planted_on=planted,
        area_m2=greenhouse.area_m2, expected_harvest_on=date(planted.year + 2, 7, rng.randint(1, 31)),
        status=PlantingStatus.HARVESTING if 6 <= today.month <= 9 else PlantingStatus.GROWING,
    )


def _seasonal_planting(
    rng: random.Random, greenhouse: Greenhouse, crop: Crop, today: date,
    age: tuple[int, int], to_harvest: tuple[int, int],
) -> Planting:
    planted = today - timedelta(days=rng.randint(*age))
    expected = planted + timedelta(days=rng.randint(*to_harvest))
    return Planting(
        greenhouse=greenhouse, crop=crop, variety=_variety(rng, crop), planted_on=planted,
        area_m2=greenhouse.area_m2, expected_harvest_on=expected,
        status=PlantingStatus.HARVESTING if expected <= today else PlantingStatus.GROWING,
    )


def add_plantings(session: Session, ctx: dict) -> None:
    """The current planting of every greenhouse in use."""
    rng, today, crops = ctx["rng"], ctx["today"], ctx["crops"]
    for greenhouse in ctx["greenhouses"]:
        use = ctx["uses"][greenhouse.code]
        if use in UNUSED:
            continue
        crop = crops[use]
        if crop.category == CropCategory.VEGETABLE:
            planting = _vegetable_planting(rng, greenhouse, crop, today)
        elif use == "grape":
            planting = _grape_planting(rng, greenhouse, crop, today)
        elif use == "strawberry":
            planting = _seasonal_planting(rng, greenhouse, crop, today, (90, 150), (85, 95))
        else:
            planting = _seasonal_planting(rng, greenhouse, crop, today, (40, 100), (85, 100))
        session.add(planting)
    session.flush()


def add_planting_history(session: Session, ctx: dict) -> None:
    """One or two ended seasons before the current one in every vegetable greenhouse."""
    rng, crops = ctx["rng"], ctx["crops"]
    vegetables = [c for c in crops.values() if c.category == CropCategory.VEGETABLE]
    for greenhouse in ctx["greenhouses"]:
        if ctx["uses"][greenhouse.code] not in VEGETABLE_PLAN:
            continue
        start = min(p.planted_on for p in greenhouse.plantings)
        for _ in range(rng.choice((1, 2))):
            ended = start - timedelta(days=rng.randint(10, 25))
            planted = ended - timedelta(days=rng.randint(150, 200))
            crop = rng.choice(vegetables)
            session.add(Planting(
                greenhouse=greenhouse, crop=crop, variety=_variety(rng, crop), planted_on=planted,
                area_m2=greenhouse.area_m2, expected_harvest_on=planted + timedelta(days=rng.randint(50, 60)),
                ended_on=ended, status=PlantingStatus.ENDED,
            ))
            start = planted
    session.flush()


def add_users(session: Session, ctx: dict) -> None:
    """One login per role; the worker login brings its worker record."""
    today = ctx["today"]
    for username, role, password in DEMO_LOGINS:
        user = create_user(session, username, role, password, display_name=DEMO_DISPLAY_NAMES[username])
        if user.worker is not None:
            user.worker.village_group = "曙光村二组"
            user.worker.daily_wage = Decimal("150.00")
            user.worker.started_on = today - timedelta(days=420)
    session.flush()


def add_devices(session: Session, ctx: dict) -> None:
    """One air/soil sensor per greenhouse (th-001 in GH-001 ...), as the simulator publishes them."""
    for n, greenhouse in enumerate(ctx["greenhouses"], start=1):
        session.add(Device(code=f"th-{n:03d}", greenhouse=greenhouse, name="温湿度·土壤·CO₂·光照"))
    session.flush()
