"""Small factories for test data (`make_x(session, ...)`), instead of a fixture for every object."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from farm import clock
from farm.models.crops import Crop, Planting
from farm.models.park import Greenhouse, Park
from farm.services import users

PASSWORD = "secret-pass-1"


def make_park(session, greenhouses: int = 3, area: str = "800") -> Park:
    park = Park(code="yawei", name="测试园区", location="乌海")
    session.add(park)
    for n in range(1, greenhouses + 1):
        session.add(Greenhouse(park=park, code=f"GH-{n:03d}", name=f"{n}号棚", zone="A区",
                               area_m2=Decimal(area), status="idle"))
    session.flush()
    return park


def make_crop(session, code: str = "cucumber", name_zh: str = "黄瓜", name_en: str = "Cucumber", **ranges) -> Crop:
    crop = Crop(code=code, name_zh=name_zh, name_en=name_en, category="vegetable", **ranges)
    session.add(crop)
    session.flush()
    return crop


def make_planting(session, greenhouse: Greenhouse, crop: Crop, area: str | None = None,
                  planted_on: date = date(2026, 9, 1), status: str = "growing") -> Planting:
    planting = Planting(greenhouse=greenhouse, crop=crop, planted_on=planted_on,
                        area_m2=Decimal(area) if area else greenhouse.area_m2, status=status)
    greenhouse.status = "active"
    session.add(planting)
    session.flush()
    return planting


def make_user(session, role: str, username: str | None = None, password: str = PASSWORD):
    return users.create_user(session, username or role, role, password)


def make_users(session) -> dict:
    """One login per role, named after the role."""
    return {role: make_user(session, role) for role in ("admin", "manager", "worker", "viewer", "official")}


def make_farm(session, planted_on: date = date(2026, 9, 1)) -> tuple:
    """The areas' small park: cucumbers in GH-001 since `planted_on`, GH-002 and GH-003 empty, one login per role.

    Gives (park, crop, planting, users); not committed."""
    park = make_park(session)
    crop = make_crop(session)
    planting = make_planting(session, park.greenhouses[0], crop, planted_on=planted_on)
    return park, crop, planting, make_users(session)


def token_for(session, user) -> str:
    token = users.create_token(session, user)
    session.commit()
    return token


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def make_device(session, greenhouse: Greenhouse, code: str | None = None, last_seen_at=None, enabled: bool = True,
                created_at=None):
    """A sensor device in a greenhouse (alerts area)."""
    from farm.models.sensors import Device

    device = Device(code=code or f"th-{greenhouse.code[-3:].lower()}", greenhouse_id=greenhouse.id, enabled=enabled,
                    last_seen_at=last_seen_at, created_at=created_at or last_seen_at or clock.now())
    session.add(device)
    session.flush()
    return device
