"""Crops and their climate ranges, which managers tune and alerts are judged by."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from farm.errors import Invalid, NotFound
from farm.inputs.park import CropIn
from farm.models.crops import CLIMATE_FIELDS, Crop, CropVariety

# (lower, upper) pairs that must not cross, in the order a person reads them.
ORDERED = (
    ("day_temp_min", "day_temp_max"),
    ("night_temp_min", "night_temp_max"),
    ("frost_kill_c", "chill_stop_c"),
    ("chill_stop_c", "chill_slow_c"),
    ("heat_impair_c", "heat_stop_c"),
    ("heat_stop_c", "heat_injury_c"),
    ("humidity_min", "humidity_max"),
    ("soil_temp_min", "soil_temp_max"),
    ("co2_min", "co2_max"),
)
LIMITS = {"humidity_min": (0, 100), "humidity_max": (0, 100), "co2_min": (0, 10000), "co2_max": (0, 10000)}


def list_crops(session: Session) -> list[Crop]:
    return list(session.scalars(select(Crop).options(selectinload(Crop.varieties)).order_by(Crop.category.desc(), Crop.id)))


def get_crop(session: Session, code: str) -> Crop:
    crop = session.scalar(select(Crop).where(Crop.code == code))
    if crop is None:
        raise NotFound(_l("There is no crop %(code)s.", code=code))
    return crop


def check_climate(values: dict) -> None:
    """Refuse ranges whose ends cross or that leave the physical range."""
    fields = {}
    for name, (low, high) in LIMITS.items():
        value = values.get(name)
        if value is not None and not (low <= value <= high):
            fields[name] = _l("Must be between %(low)s and %(high)s.", low=low, high=high)
    for lower, upper in ORDERED:
        a, b = values.get(lower), values.get(upper)
        if a is not None and b is not None and a > b and upper not in fields:
            fields[upper] = _l("Must not be below %(value)s.", value=a)
    if fields:
        raise Invalid(_l("Some ranges are not valid."), fields)


def update_crop(session: Session, code: str, data: CropIn) -> Crop:
    """Store a crop's names, varieties and climate ranges."""
    crop = get_crop(session, code)
    values = data.model_dump()
    check_climate(values)
    crop.name_zh = data.name_zh
    crop.name_en = data.name_en
    for name in CLIMATE_FIELDS:
        setattr(crop, name, values[name])
    wanted = [v for v in (s.strip() for s in re.split(r"[,，、\n]", data.varieties)) if v]
    wanted = list(dict.fromkeys(wanted))
    for variety in list(crop.varieties):
        if variety.name not in wanted:
            crop.varieties.remove(variety)
    have = {v.name for v in crop.varieties}
    for name in wanted:
        if name not in have:
            crop.varieties.append(CropVariety(name=name))
    session.flush()
    return crop
