"""Hand-built fixtures for the daily report: a park day with harvests, a target, rollups, contracts."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import insert

from farm.inputs.land import PaymentIn
from farm.models.alerts import Alert
from farm.models.harvest import Harvest
from farm.models.rollups import ReadingRollup
from farm.models.sensors import Device
from farm.services import land, settings
from tests.factories import make_crop, make_park, make_planting, make_user
from tests.land.factories import make_contract, make_household

UTC = timezone.utc
DAY = date(2026, 11, 20)
PARK_TZ_HOURS = 8  # Asia/Shanghai: the park day DAY runs from 16:00 UTC the day before


def local(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    """A park-local time on `day`, as the UTC instant rollups are keyed by."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=PARK_TZ_HOURS)


def rollup(session, device, metric, start, low, high, resolution="5m"):
    session.execute(insert(ReadingRollup), [{
        "device_id": device.id, "metric": metric, "resolution": resolution, "period_start": start,
        "greenhouse_id": device.greenhouse_id, "min": low, "max": high, "mean": (low + high) / 2, "count": 5}])


def harvest(session, planting, kg, when, user, voided=False):
    session.add(Harvest(greenhouse_id=planting.greenhouse_id, planting_id=planting.id, crop_id=planting.crop_id,
                        weight_kg=Decimal(kg), grade="grade1", harvested_at=when, day=(when + timedelta(hours=8)).date(),
                        entered_by_id=user.id, voided_at=when if voided else None))


def alert(session, greenhouse, kind, opened, cleared=None, severity="warning", worst=10.5, limit=12.0):
    """An alert of `kind` in `greenhouse`, opened (and cleared) at the given instants."""
    row = Alert(greenhouse_id=greenhouse.id, kind=kind, metric="temperature", severity=severity,
                state="cleared" if cleared else "open", open_key=None if cleared else f"{greenhouse.id}:{kind}",
                started_at=opened, opened_at=opened, refreshed_at=opened, cleared_at=cleared, worst_value=worst,
                limit_value=limit)
    session.add(row)
    session.flush()
    return row


def build_park(session) -> dict:
    """GH-001 tomato with two devices, GH-002 cucumber (hourly rollups only), GH-003 sensors but no planting,
    GH-004 neither; harvests on DAY and the day before; the target 400 kg from DAY on."""
    park = make_park(session, greenhouses=4)
    gh1, gh2, gh3, _gh4 = park.greenhouses
    tomato = make_crop(session, "tomato", "西红柿", "Tomato", day_temp_min=Decimal(24), day_temp_max=Decimal(26),
                       night_temp_min=Decimal(12), night_temp_max=Decimal(17), humidity_min=Decimal(45),
                       humidity_max=Decimal(55))
    cucumber = make_crop(session, "cucumber", "黄瓜", "Cucumber", day_temp_min=Decimal(25), day_temp_max=Decimal(29),
                         night_temp_min=Decimal(18), night_temp_max=Decimal(22), humidity_min=Decimal(60),
                         humidity_max=Decimal(85))
    p1 = make_planting(session, gh1, tomato, planted_on=date(2026, 8, 1))
    p2 = make_planting(session, gh2, cucumber, planted_on=date(2026, 8, 1))
    devices = {}
    for code, house in (("th-1a", gh1), ("th-1b", gh1), ("th-2", gh2), ("th-3", gh3)):
        devices[code] = Device(code=code, greenhouse_id=house.id)
        session.add(devices[code])
    session.flush()
    user = make_user(session, "manager")
    harvest(session, p1, "100.5", local(9), user)
    harvest(session, p1, "20", local(23, 59), user)
    harvest(session, p2, "50", local(0, 0), user)
    harvest(session, p2, "999", local(10), user, voided=True)
    harvest(session, p1, "77", local(23, 59) - timedelta(days=1), user)  # the day before
    settings.put(session, "harvest.daily_target_kg", "400", valid_from=DAY)

    a, b = devices["th-1a"], devices["th-1b"]
    # (local time, min, max) of th-1a. Tomato: day 24-26 from 07:00, night 12-17 from 19:00; for two hours after
    # each switch (the alerts' ramp, 120 minutes by default) the looser of the two ranges applies.
    temperature = [
        ((0, 0), 10, 11),    # night: below
        ((6, 55), 13, 14),   # night, the last period before 07:00: inside
        ((7, 0), 13, 14),    # day: below 24, but inside the night range still allowed by the ramp
        ((8, 55), 13, 14),   # the ramp's last period: inside
        ((9, 0), 13, 14),    # the ramp is over: below
        ((12, 0), 25, 27),   # above (and below, with th-1b's 20)
        ((12, 5), 23, 27),   # below and above: five minutes outside, counted once
        ((18, 55), 24, 26),  # on the edges: inside
        ((19, 0), 18, 18),   # night: above 17, inside the day range the ramp still allows
        ((23, 55), 12, 17),  # inside
    ]
    for (hh, mm), low, high in temperature:
        rollup(session, a, "temperature", local(hh, mm), low, high)
    rollup(session, b, "temperature", local(12, 0), 20, 25)
    # Periods of the neighbouring park days and another resolution are not this day's 5-minute rollups.
    rollup(session, a, "temperature", local(0, 0) - timedelta(minutes=5), -5, -5)
    rollup(session, a, "temperature", local(0, 0) + timedelta(days=1), -5, -5)
    rollup(session, a, "temperature", local(12, 0), -99, 99, resolution="1h")
    for (hh, mm), low, high in (((10, 0), 40, 50), ((10, 5), 50, 60), ((10, 10), 46, 54)):
        rollup(session, a, "humidity", local(hh, mm), low, high)
    # GH-002 has only hourly rollups: cucumber night 18-22.
    rollup(session, devices["th-2"], "temperature", local(3), 17, 19, resolution="1h")
    rollup(session, devices["th-2"], "temperature", local(13), 26, 28, resolution="1h")
    rollup(session, devices["th-3"], "temperature", local(12), 5, 40)
    return {"park": park, "plantings": (p1, p2), "devices": devices, "user": user}


def build_land(session) -> dict:
    """Contract A: 10 mu at 800 yuan, rent years from 03-01, the 2026 rent unpaid (overdue on DAY), ending
    2027-02-28; contract B: 5 mu at 600 yuan from 12-10, the first year paid, the next due 2026-12-10."""
    household = make_household(session)
    a = make_contract(session, household)
    land.record_payment(session, a.id, PaymentIn(paid_on=date(2025, 3, 1), amount=Decimal(16000)), today=DAY)
    b = make_contract(session, household, number="TZ-2025-002", codes=("1503031012030100002",), area="5",
                      start_date="2025-12-10", end_date="2030-12-09", rent_per_mu_year="600",
                      payment_month_day="12-10")
    land.record_payment(session, b.id, PaymentIn(paid_on=date(2025, 12, 10), amount=Decimal(3000)), today=DAY)
    return {"household": household, "a": a, "b": b}
