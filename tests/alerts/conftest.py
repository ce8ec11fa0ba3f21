"""Fixtures for the alerts tests: a park with a tomato house and an empty house, each with a sensor, and crafted
reading series."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from farm.models.alerts import Alert, AlertCondition, Notification
from farm.models.park import Greenhouse
from farm.models.sensors import Device, Reading
from farm.services import alerts, settings
from tests.factories import make_crop, make_device, make_park, make_planting

# 02:00 on 28 November in the park (UTC+8): night, when the tomato's range is 12-17 °C.
NIGHT = datetime(2026, 11, 27, 18, 0, tzinfo=timezone.utc)
# 13:00 the same day: day, 24-26 °C.
DAY = datetime(2026, 11, 28, 5, 0, tzinfo=timezone.utc)
MINUTE = timedelta(minutes=1)

# docs/domain.md, tomato at the fruiting stage.
TOMATO = dict(day_temp_min=Decimal(24), day_temp_max=Decimal(26), night_temp_min=Decimal(12),
              night_temp_max=Decimal(17), chill_slow_c=Decimal(10), chill_stop_c=Decimal(5),
              frost_kill_c=Decimal(-1), heat_impair_c=Decimal(33), heat_stop_c=Decimal(40),
              heat_injury_c=Decimal(45), humidity_min=Decimal(45), humidity_max=Decimal(55),
              soil_temp_min=Decimal(20), soil_temp_max=Decimal(23), co2_min=Decimal(400), co2_max=Decimal(1200))


@dataclass
class House:
    greenhouse: Greenhouse
    device: Device


@pytest.fixture
def park(session):
    """GH-001 grows tomatoes, GH-002 stands empty; one sensor in each, heard a moment before NIGHT."""
    park = make_park(session, greenhouses=3)
    gh1, gh2, _gh3 = park.greenhouses
    tomato = make_crop(session, "tomato", "西红柿", "Tomato", **TOMATO)
    make_planting(session, gh1, tomato)
    houses = {"tomato": House(gh1, make_device(session, gh1, "th-001", last_seen_at=NIGHT)),
              "empty": House(gh2, make_device(session, gh2, "th-002", last_seen_at=NIGHT))}
    session.commit()
    return houses


def add_series(session, device: Device, start: datetime, values, metric: str = "temperature",
               step: timedelta = MINUTE) -> datetime:
    """One reading per step from `start`; returns the time of the last. Also keeps the device heard."""
    ts = start
    for i, value in enumerate(values):
        ts = start + i * step
        session.add(Reading(device_id=device.id, greenhouse_id=device.greenhouse_id, metric=metric, ts=ts,
                            value=float(value)))
    device.last_seen_at = max(device.last_seen_at or ts, ts)
    session.commit()
    return ts


def run(database, now: datetime) -> dict:
    """One run of the alerts job in its own transaction, as the scheduler runs it."""
    with database.session_scope() as s:
        return alerts.run_alerts(s, now)


def all_alerts(session, kind: str | None = None) -> list[Alert]:
    session.expire_all()
    query = select(Alert).order_by(Alert.id)
    if kind:
        query = query.where(Alert.kind == kind)
    return list(session.scalars(query))


def snapshot(session) -> tuple:
    """Everything a run writes, to compare two runs."""
    session.expire_all()
    rows = [tuple((c.name, getattr(a, c.key)) for c in Alert.__table__.columns) for a in all_alerts(session)]
    conds = [tuple((c.name, getattr(x, c.key)) for c in AlertCondition.__table__.columns)
             for x in session.scalars(select(AlertCondition).order_by(AlertCondition.device_id, AlertCondition.kind))]
    notes = [(n.key, n.channel) for n in session.scalars(select(Notification).order_by(Notification.id))]
    return rows, conds, notes


def webhook_on(session, url: str = "http://127.0.0.1:9/robot") -> None:
    """Turn the webhook channel on, so each alert opening queues a message."""
    settings.put(session, "notify.webhook_url", url)
    session.commit()
