"""The report's numbers against hand-built fixtures: harvest and target, climate from rollups across the park's
midnight and the day/night boundary, rent due and overdue, contracts ending."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from farm.errors import Invalid, NotFound
from farm.models.daily_reports import DailyReport
from farm.services import daily_report, settings
from tests.daily_report.helpers import DAY, build_land, build_park, local
from tests.daily_report.helpers import alert as _alert


def test_report_harvest_against_target_by_crop_and_greenhouse(session):
    build_park(session)
    data = daily_report.build(session, DAY)
    h = data["harvest"]
    # 100.5 + 20 (tomato, GH-001) + 50 (cucumber, GH-002); the voided 999 kg and the day before's 77 kg left out.
    assert (h["total_kg"], h["count"], h["target_kg"], h["percent"]) == ("170.500", 3, "400", 42)
    assert [(c["code"], c["weight_kg"], c["count"]) for c in h["by_crop"]] == [("tomato", "120.500", 2),
                                                                             ("cucumber", "50.000", 1)]
    assert [(g["code"], g["crop"], g["weight_kg"]) for g in h["by_greenhouse"]] == [
        ("GH-001", "tomato", "120.500"), ("GH-002", "cucumber", "50.000")]
    # The target in force the day before was still the default.
    assert daily_report.build(session, DAY - timedelta(days=1))["harvest"]["target_kg"] == "1500"


def test_report_climate_hours_outside_the_crops_day_and_night_ranges(session):
    build_park(session)
    data = daily_report.build(session, DAY)
    climate = {c["greenhouse"]: c for c in data["climate"]}
    assert list(climate) == ["GH-001", "GH-002", "GH-003"]  # GH-004 has no sensor
    gh1 = climate["GH-001"]
    assert gh1["crop"]["code"] == "tomato"
    assert gh1["ranges"] == {"day": [24.0, 26.0], "night": [12.0, 17.0], "humidity": [45.0, 55.0]}
    # Ten 5-minute periods; below: 00:00 (night), 09:00 (the morning ramp over), 12:00 (the second device's 20),
    # 12:05; above: 12:00, 12:05, each counted once in the outside minutes. The neighbouring days' -5 and the
    # hourly row's -99 are not read.
    assert gh1["temperature"] == {"min": 10, "max": 27, "minutes": 50, "minutes_below": 20, "minutes_above": 10,
                                  "minutes_outside": 20}
    assert gh1["humidity"] == {"min": 40, "max": 60, "minutes": 15, "minutes_below": 5, "minutes_above": 5,
                               "minutes_outside": 10}
    # Hourly rollups where the day has no 5-minute ones: the 03:00 hour below the cucumber's night 18-22.
    assert climate["GH-002"]["temperature"] == {"min": 17, "max": 28, "minutes": 120, "minutes_below": 60,
                                                "minutes_above": 0, "minutes_outside": 60}
    assert climate["GH-002"]["humidity"] is None
    # No planting: min and max, never outside a range.
    assert climate["GH-003"]["crop"] is None
    assert climate["GH-003"]["temperature"]["minutes_outside"] == 0
    assert (climate["GH-003"]["temperature"]["min"], climate["GH-003"]["temperature"]["max"]) == (5, 40)
    assert (data["day_starts"], data["night_starts"], data["ramp_minutes"]) == ("07:00", "19:00", 120)


def test_report_climate_follows_the_alerts_day_and_night_settings(session):
    build_park(session)
    # Without the ramp the ranges switch sharply at 07:00 and 19:00: 07:00 and 08:55 are below the day range,
    # 19:00 above the night range.
    settings.put(session, "alerts.ramp_minutes", "0")
    gh1 = daily_report.build(session, DAY)["climate"][0]
    assert gh1["temperature"] == {"min": 10, "max": 27, "minutes": 50, "minutes_below": 30, "minutes_above": 15,
                                  "minutes_outside": 35}
    # Night from 18:00 on: 18:55 is judged by the night range (above 17).
    settings.put(session, "alerts.night_starts", "18:00")
    data = daily_report.build(session, DAY)
    assert data["night_starts"] == "18:00"
    assert data["climate"][0]["temperature"]["minutes_above"] == 20
    # A value that applies from a later day leaves this day's report as it was.
    settings.put(session, "alerts.night_starts", "19:00")
    settings.put(session, "alerts.night_starts", "18:00", valid_from=DAY + timedelta(days=1))
    assert daily_report.build(session, DAY)["climate"][0]["temperature"]["minutes_above"] == 15


def test_report_climate_of_the_next_day_holds_only_its_own_periods(session):
    build_park(session)
    climate = {c["greenhouse"]: c for c in daily_report.build(session, DAY + timedelta(days=1))["climate"]}
    assert climate["GH-001"]["temperature"]["min"] == -5
    assert climate["GH-001"]["temperature"]["minutes"] == 5
    assert climate["GH-001"]["humidity"] is None


def test_report_rent_overdue_due_soon_and_contracts_ending(session):
    build_land(session)
    data = daily_report.build(session, DAY)
    assert [(r["contract_number"], r["due_on"], r["amount"], r["days"]) for r in data["rent_overdue"]] == [
        ("TZ-2024-001", "2026-03-01", "8000.00", -264)]
    assert [(r["contract_number"], r["due_on"], r["amount"], r["days"]) for r in data["rent_due"]] == [
        ("TZ-2025-002", "2026-12-10", "3000.00", 20)]
    assert [(r["contract_number"], r["end_on"], r["days"]) for r in data["contracts_ending"]] == [
        ("TZ-2024-001", "2027-02-28", 100)]
    assert (data["due_days"], data["ending_days"]) == (30, 180)
    # With a 10-day window the December rent is not yet due soon.
    settings.put(session, "land.remind_due_days", "10")
    assert daily_report.build(session, DAY)["rent_due"] == []


def test_report_holds_no_id_or_phone_numbers(session):
    build_park(session)
    land = build_land(session)
    text = json.dumps(daily_report.build(session, DAY), ensure_ascii=False)
    assert land["household"].phone not in text and land["household"].id_number not in text
    assert land["household"].bank_account not in text
    assert "王建国" in text  # the household's name is what the rent lines say


def test_report_generate_replaces_the_snapshot(session):
    fixtures = build_park(session)
    first = daily_report.generate(session, DAY, local(21))
    session.commit()
    assert first.data["harvest"]["total_kg"] == "170.500"
    from tests.daily_report.helpers import harvest

    harvest(session, fixtures["plantings"][0], "9.5", local(22), fixtures["user"])
    again = daily_report.generate(session, DAY, local(22, 30))
    session.commit()
    assert session.query(DailyReport).count() == 1
    assert again.data["harvest"]["total_kg"] == "180.000"
    assert again.generated_at == local(22, 30)


def test_report_refuses_a_day_to_come_and_bad_days(session):
    with pytest.raises(Invalid):
        daily_report.generate(session, DAY + timedelta(days=1), local(21))
    assert session.query(DailyReport).count() == 0
    for text in ("2026-13-01", "yesterday", "2026-1-1", "1", "20261120"):
        with pytest.raises(NotFound):
            daily_report.parse_day(text)
    assert daily_report.parse_day("2026-11-20") == date(2026, 11, 20)


def test_report_settings_parse_times_and_switches(session):
    assert settings.time_of_day("8.30") == "08:30" and settings.time_of_day("20") == "20:00"
    for bad in ("24:00", "20:5", "noon", "", "-1:00"):
        with pytest.raises(Invalid):
            settings.time_of_day(bad)
    with pytest.raises(Invalid):
        settings.put(session, "report.daily_time", "25:00")
    with pytest.raises(Invalid) as refused:
        settings.put(session, "report.send", "maybe")
    assert refused.value.fields["value"] == "Enter 1 (on) or 0 (off)."
    assert settings.history(session, "report.send") == []
    settings.put(session, "report.daily_time", "18:30")
    settings.put(session, "report.send", "on")
    assert settings.get(session, "report.daily_time") == "18:30" and settings.get(session, "report.send") == 1
    assert daily_report.report_moment(session, DAY) == datetime.fromisoformat("2026-11-20T10:30:00+00:00")


def test_report_alerts_of_the_day_in_the_parks_language(session, monkeypatch):
    monkeypatch.delenv("FARM_LANGUAGE", raising=False)
    fixtures = build_park(session)
    gh1, gh2, gh3 = fixtures["park"].greenhouses[:3]
    # Open across the park's midnight into the day, open within it, still open from before: in the report;
    # cleared before the day began, or opened after it ended: not.
    across = _alert(session, gh1, "cold", local(23) - timedelta(days=1), local(1))
    within = _alert(session, gh2, "hot", local(12), local(13), worst=31.0, limit=29.0)
    still = _alert(session, gh3, "frost", local(3) - timedelta(days=2), severity="critical", worst=-1.5, limit=-1.0)
    _alert(session, gh1, "hot", local(10) - timedelta(days=1), local(0) - timedelta(minutes=1))
    _alert(session, gh2, "cold", local(0) + timedelta(days=1), local(1) + timedelta(days=1))
    alerts = daily_report.build(session, DAY)["alerts"]
    assert [a["id"] for a in alerts] == [still.id, across.id, within.id]
    first = alerts[1]
    assert (first["greenhouse"], first["kind"], first["severity"], first["worst_value"]) == ("GH-001", "cold",
                                                                                         "warning", 10.5)
    assert first["opened_at"] == across.opened_at.isoformat() and first["cleared_at"] == local(1).isoformat()
    assert first["message"] == "GH-001 温度过低：10.5 °C，低于作物适宜下限 12.0 °C。"
    assert alerts[0]["cleared_at"] is None and alerts[0]["severity"] == "critical"


def test_report_rounds_half_a_fen_and_half_a_gram_up_like_pay(session, monkeypatch):
    # The report once rounded half to even (0.125 元 -> 0.12), pay and rent half up: one rule now, farm.units.
    from farm import units
    from farm.services import harvest, land
    from farm.services.harvest import DaySummary
    from farm.services.land import Reminder

    due = Reminder(kind="rent_due", contract_id=1, contract_number="TZ-1", household_id=1, household_name="王",
                   on=DAY + timedelta(days=3), amount=Decimal("0.125"), days=3)
    overdue = Reminder(kind="rent_overdue", contract_id=2, contract_number="TZ-2", household_id=2,
                       household_name="李", on=DAY - timedelta(days=3), amount=Decimal("2.345"), days=-3)
    monkeypatch.setattr(land, "reminders", lambda session, day: [due, overdue])
    crop = {"code": "tomato", "name_zh": "西红柿", "name_en": "Tomato", "color": "#c00", "weight_kg": Decimal("0.0005"),
            "count": 1}
    monkeypatch.setattr(harvest, "day_summary", lambda session, day: DaySummary(
        day=day, total_kg=Decimal("1.0025"), count=1, target_kg=Decimal(400), by_crop=[crop],
        by_greenhouse=[{"code": "GH-001", "crop": "tomato", "name_zh": "西红柿", "name_en": "Tomato",
                        "weight_kg": Decimal("0.0005")}]))
    data = daily_report.build(session, DAY)
    assert data["rent_due"][0]["amount"] == str(units.fen(Decimal("0.125"))) == "0.13"
    assert data["rent_overdue"][0]["amount"] == "2.35"
    assert data["harvest"]["total_kg"] == str(units.kg(Decimal("1.0025"))) == "1.003"
    assert data["harvest"]["by_crop"][0]["weight_kg"] == data["harvest"]["by_greenhouse"][0]["weight_kg"] == "0.001"
