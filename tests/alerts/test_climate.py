"""Climate alerts on crafted reading series: the hold time, refresh, hysteresis, escalation to frost, day and night
ranges, houses without a planting or readings, and runs repeated or cut short."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from farm.jobs import Job, Scheduler
from farm.models.alerts import Alert, AlertCondition, Notification
from farm.models.crops import Planting
from farm.models.park import Greenhouse
from farm.services import alerts, settings
from tests.alerts.conftest import (
    DAY,
    MINUTE,
    NIGHT,
    add_series,
    all_alerts,
    run,
    snapshot,
    webhook_on,
)
from tests.factories import make_crop, make_device, make_planting


def test_cold_opens_only_after_the_hold_time(database, session, park):
    dev = park["tomato"].device
    add_series(session, dev, NIGHT, [11.0] * 10)  # minutes 0-9 below the night minimum of 12
    run(database, NIGHT + 9 * MINUTE + timedelta(seconds=30))
    assert all_alerts(session, "cold") == []  # held nine minutes: not yet
    add_series(session, dev, NIGHT + 10 * MINUTE, [11.2])
    run(database, NIGHT + 10 * MINUTE + timedelta(seconds=30))
    [alert] = all_alerts(session, "cold")
    assert alert.state == "open" and alert.severity == "warning" and alert.metric == "temperature"
    assert alert.started_at == NIGHT and alert.opened_at == NIGHT + 10 * MINUTE  # the readings' own times
    assert alert.worst_value == 11.0 and alert.limit_value == 12.0
    assert alert.greenhouse_id == park["tomato"].greenhouse.id and alert.device_id is None


def test_a_reading_back_inside_restarts_the_hold(database, session, park):
    add_series(session, park["tomato"].device, NIGHT, [11, 11, 11, 11, 11, 12.0, 11, 11, 11, 11, 11, 11, 11, 11])
    run(database, NIGHT + 20 * MINUTE)
    assert all_alerts(session, "cold") == []  # 12.0 is inside: the count started again at minute 6
    add_series(session, park["tomato"].device, NIGHT + 14 * MINUTE, [11, 11, 11])
    run(database, NIGHT + 20 * MINUTE)
    [alert] = all_alerts(session, "cold")
    assert alert.started_at == NIGHT + 6 * MINUTE and alert.opened_at == NIGHT + 16 * MINUTE


def test_a_gap_longer_than_the_hold_proves_nothing(database, session, park):
    dev = park["tomato"].device
    add_series(session, dev, NIGHT, [11.0])
    add_series(session, dev, NIGHT + 30 * MINUTE, [11.0, 11.0])  # silent for 30 minutes in between
    run(database, NIGHT + 40 * MINUTE)
    assert all_alerts(session, "cold") == []


def test_open_alert_is_refreshed_not_repeated(database, session, park):
    webhook_on(session)
    dev = park["tomato"].device
    add_series(session, dev, NIGHT, [11.0] * 11)
    run(database, NIGHT + 11 * MINUTE)
    add_series(session, dev, NIGHT + 11 * MINUTE, [10.5, 9.8, 10.2] * 10)
    run(database, NIGHT + 45 * MINUTE)
    [alert] = all_alerts(session, "cold")
    assert alert.state == "open"
    assert alert.worst_value == 9.8 and alert.last_value == 10.2
    assert alert.refreshed_at == NIGHT + 40 * MINUTE
    assert alert.severity == "warning"  # 9.8 is above the chill stop of 5
    notes = session.scalars(select(Notification)).all()
    assert [(n.key, n.channel) for n in notes if n.key == f"alert-{alert.id}"] == [(f"alert-{alert.id}", "webhook")]
    assert sorted(n.key for n in notes) == sorted(f"alert-{a.id}" for a in all_alerts(session))  # one per alert


def test_hysteresis_clears_only_past_the_margin(database, session, park):
    dev = park["tomato"].device
    add_series(session, dev, NIGHT, [11.0] * 11)
    run(database, NIGHT + 11 * MINUTE)
    # Back inside the 12 °C minimum but not by the 1 °C margin: stays open.
    add_series(session, dev, NIGHT + 11 * MINUTE, [12.0, 12.5, 12.9] * 5)
    run(database, NIGHT + 30 * MINUTE)
    [alert] = all_alerts(session, "cold")
    assert alert.state == "open" and alert.open_key is not None
    add_series(session, dev, NIGHT + 26 * MINUTE, [13.0, 14.0])
    run(database, NIGHT + 30 * MINUTE)
    [alert] = all_alerts(session, "cold")
    assert alert.state == "cleared" and alert.cleared_at == NIGHT + 26 * MINUTE and alert.open_key is None
    # A new cold spell is a new alert.
    add_series(session, dev, NIGHT + 28 * MINUTE, [10.0] * 12)
    run(database, NIGHT + 45 * MINUTE)
    first, second = all_alerts(session, "cold")
    assert first.state == "cleared" and second.state == "open" and second.started_at == NIGHT + 28 * MINUTE


def test_hysteresis_margin_is_a_setting(database, session, park):
    settings.put(session, "alerts.margin_temperature", "3")
    session.commit()
    dev = park["tomato"].device
    add_series(session, dev, NIGHT, [11.0] * 11 + [14.0, 14.9])
    run(database, NIGHT + 20 * MINUTE)
    assert all_alerts(session, "cold")[0].state == "open"
    add_series(session, dev, NIGHT + 13 * MINUTE, [15.0])
    run(database, NIGHT + 20 * MINUTE)
    assert all_alerts(session, "cold")[0].state == "cleared"


def test_a_cold_spell_down_to_frost_is_one_alert_whose_rise_to_critical_notifies_once(database, session, park):
    webhook_on(session)
    dev = park["tomato"].device
    # A quilt left up: 11 °C for eleven minutes opens a cold alert (a warning) ...
    add_series(session, dev, NIGHT, [11.0] * 11)
    run(database, NIGHT + 11 * MINUTE)
    [cold] = all_alerts(session, "cold")
    assert cold.severity == "warning"
    # ... then it falls to 4.5 (the chill stop is 5) and to -2 (the tomato dies at -1), held for ten minutes.
    add_series(session, dev, NIGHT + 11 * MINUTE, [8.0, 6.0, 4.5] + [-2.0] * 11)
    run(database, NIGHT + 30 * MINUTE)
    run(database, NIGHT + 30 * MINUTE)  # a repeated run adds nothing
    assert all_alerts(session, "cold") == []  # one event, one alert: the cold alert became the frost alert
    [frost] = all_alerts(session, "frost")
    assert frost.id == cold.id and frost.state == "open" and frost.severity == "critical"
    assert frost.started_at == NIGHT and frost.worst_value == -2.0 and frost.limit_value == -1.0
    assert "-2.0" in alerts.describe(frost) and "-1.0" in alerts.describe(frost)
    notes = [n for n in session.scalars(select(Notification)) if n.key.startswith(f"alert-{frost.id}")]
    # The opening, and the rise to critical once (not once for the chill stop and again for the frost).
    assert sorted(n.key for n in notes) == [f"alert-{frost.id}", f"alert-{frost.id}-critical"]
    assert "-2.0" in next(n.body for n in notes if n.key.endswith("-critical"))
    # Warming up: past the frost limit it is still cold, so the same alert stays open until past 12 + 1.
    add_series(session, dev, NIGHT + 25 * MINUTE, [0.5, 6.0, 12.5, 13.5])
    run(database, NIGHT + 30 * MINUTE)
    [frost] = all_alerts(session, "frost")
    assert frost.state == "cleared" and frost.cleared_at == NIGHT + 28 * MINUTE
    assert [a.kind for a in all_alerts(session) if a.kind != "offline"] == ["frost"]


def test_a_sudden_frost_opens_only_the_frost_alert_with_one_message(database, session, park):
    webhook_on(session)
    add_series(session, park["tomato"].device, NIGHT, [-2.0] * 11)
    run(database, NIGHT + 11 * MINUTE)
    [frost] = [a for a in all_alerts(session) if a.kind != "offline"]
    assert frost.kind == "frost" and frost.severity == "critical"
    keys = [n.key for n in session.scalars(select(Notification)) if n.key.startswith(f"alert-{frost.id}")]
    assert keys == [f"alert-{frost.id}"]


def test_a_cold_alert_rising_to_critical_notifies_once(database, session, park):
    webhook_on(session)
    dev = park["tomato"].device
    add_series(session, dev, NIGHT, [11.0] * 11)
    run(database, NIGHT + 11 * MINUTE)
    add_series(session, dev, NIGHT + 11 * MINUTE, [4.0, 3.0, 4.5, 2.0])  # below the chill stop of 5, above frost
    run(database, NIGHT + 15 * MINUTE)
    add_series(session, dev, NIGHT + 15 * MINUTE, [1.5, 3.0])
    run(database, NIGHT + 17 * MINUTE)
    [cold] = all_alerts(session, "cold")
    assert cold.severity == "critical"
    keys = sorted(n.key for n in session.scalars(select(Notification)) if n.key.startswith(f"alert-{cold.id}"))
    assert keys == [f"alert-{cold.id}", f"alert-{cold.id}-critical"]


def test_open_frost_and_cold_alerts_from_before_merge_into_one(database, session, park):
    """Alerts opened when frost and cold were separate: the frost one carries the event on, the cold one clears."""
    gh = park["tomato"].greenhouse
    common = dict(greenhouse_id=gh.id, metric="temperature", severity="critical", state="open", started_at=NIGHT,
                  opened_at=NIGHT, refreshed_at=NIGHT, ack_note="", worst_value=-2.0, last_value=-2.0)
    session.add(Alert(kind="cold", open_key=f"gh:{gh.id}:cold", limit_value=12.0, **common))
    session.add(Alert(kind="frost", open_key=f"gh:{gh.id}:frost", limit_value=-1.0, **common))
    session.commit()
    add_series(session, park["tomato"].device, NIGHT - 11 * MINUTE, [-2.0] * 12)  # still freezing
    run(database, NIGHT + MINUTE)
    cold, frost = all_alerts(session, "cold") + all_alerts(session, "frost")
    assert cold.state == "cleared" and frost.state == "open" and frost.open_key == f"gh:{gh.id}:cold"


def test_day_and_night_ranges_follow_the_set_hours(database, session, park):
    dev = park["tomato"].device
    # 15 °C is fine at night (12-17) ...
    add_series(session, dev, NIGHT, [15.0] * 15)
    run(database, NIGHT + 15 * MINUTE)
    assert all_alerts(session, "cold") == [] and all_alerts(session, "hot") == []
    # ... but too cold at 13:00 (24-26).
    add_series(session, dev, DAY, [15.0] * 11)
    run(database, DAY + 11 * MINUTE)
    [cold] = all_alerts(session, "cold")
    assert cold.limit_value == 24.0 and cold.opened_at == DAY + 10 * MINUTE


def test_ramp_keeps_the_night_range_for_a_while_after_day_starts(database, session, park):
    dev = park["tomato"].device
    morning = DAY - 6 * timedelta(hours=1) + 30 * MINUTE  # 07:30 in the park: the day started half an hour ago
    add_series(session, dev, morning, [15.0] * 60)
    run(database, morning + 60 * MINUTE)
    assert all_alerts(session, "cold") == []  # the night minimum of 12 still applies until 09:00
    after = morning + 90 * MINUTE  # 09:00
    add_series(session, dev, after, [15.0] * 11)
    run(database, after + 11 * MINUTE)
    [cold] = all_alerts(session, "cold")
    assert cold.limit_value == 24.0 and cold.started_at == after


def test_day_start_is_a_setting(database, session, park):
    settings.put(session, "alerts.day_starts", "14:00")
    settings.put(session, "alerts.ramp_minutes", "0")
    session.commit()
    add_series(session, park["tomato"].device, DAY, [15.0] * 15)  # 13:00: still night now
    run(database, DAY + 15 * MINUTE)
    assert all_alerts(session, "cold") == []


def test_other_metrics_humidity_co2_soil(database, session, park):
    dev = park["tomato"].device
    add_series(session, dev, NIGHT, [90.0] * 11, metric="humidity")
    add_series(session, dev, NIGHT, [250.0] * 11, metric="co2")
    add_series(session, dev, NIGHT, [16.0] * 11, metric="soil_temperature")
    add_series(session, dev, NIGHT, [10.0] * 11, metric="soil_moisture")
    add_series(session, dev, NIGHT, [0.0] * 11, metric="light")  # no range: never an alert
    run(database, NIGHT + 11 * MINUTE)
    kinds = sorted(a.kind for a in all_alerts(session) if a.kind != "offline")
    assert kinds == ["co2_low", "humidity_high", "soil_moisture_low", "soil_temp_low"]
    assert all(a.severity == "warning" for a in all_alerts(session))
    [humid] = all_alerts(session, "humidity_high")
    assert humid.limit_value == 55.0 and "90" in alerts.describe(humid)


def test_greenhouse_without_planting_gets_no_climate_alert_but_offline_still(database, session, park):
    add_series(session, park["empty"].device, NIGHT, [-5.0] * 30)
    run(database, NIGHT + 50 * MINUTE)
    empty = park["empty"].greenhouse.id
    assert [a.kind for a in all_alerts(session) if a.greenhouse_id == empty] == ["offline"]
    assert session.scalars(select(AlertCondition).where(AlertCondition.greenhouse_id == empty)).all() == []


def test_planting_ended_clears_its_climate_alerts(database, session, park):
    add_series(session, park["tomato"].device, NIGHT, [11.0] * 11)
    run(database, NIGHT + 11 * MINUTE)
    planting = session.scalar(select(Planting))
    planting.status = "ended"
    session.commit()
    run(database, NIGHT + 12 * MINUTE)
    [cold] = all_alerts(session, "cold")
    assert cold.state == "cleared" and cold.cleared_at == NIGHT + 12 * MINUTE
    assert session.scalars(select(AlertCondition)).all() == []


def test_device_without_readings_and_house_without_device_do_not_crash(database, session, park):
    gh3 = session.scalar(select(Greenhouse).where(Greenhouse.code == "GH-003"))  # planted, no device at all
    make_planting(session, gh3, make_crop(session, "cucumber", day_temp_min=25, night_temp_min=18))
    make_device(session, park["tomato"].greenhouse, "th-quiet", last_seen_at=None, created_at=NIGHT)
    session.commit()
    result = run(database, NIGHT + 5 * MINUTE)
    assert result["readings"] == 0
    assert [a for a in all_alerts(session) if a.kind != "offline"] == []


def test_run_twice_changes_nothing(database, session, park):
    webhook_on(session)
    add_series(session, park["tomato"].device, NIGHT, [11.0] * 11 + [-3.0] * 12)
    now = NIGHT + 25 * MINUTE
    run(database, now)
    first = snapshot(session)
    run(database, now)
    assert snapshot(session) == first
    assert len(first[0]) == 2 and len(first[2]) == 2  # the cold spell become frost, the empty house offline; one message each
    climate = [a for a in first[0] if ("kind", "offline") not in a]
    run(database, now + MINUTE)  # later, with no new readings: the climate stays as it was
    assert [a for a in snapshot(session)[0] if ("kind", "offline") not in a] == climate
    assert snapshot(session)[1:] == first[1:]


def test_conditions_are_written_back_as_judged(database, session, park):
    """Condition.save: the changed states (a value set, a value cleared back to NULL) land on their own rows, an
    unchanged one stays, a new one is added and a gone one removed (PostgreSQL writes the changes in one statement)."""
    dev, other = park["tomato"].device, park["empty"].device
    t1, t2 = NIGHT + MINUTE, NIGHT + 2 * MINUTE
    with database.session_scope() as s:
        alerts.Condition.save(s, [
            alerts.Condition(dev.id, "cold", dev.greenhouse_id, NIGHT),
            alerts.Condition(dev.id, "hot", dev.greenhouse_id, NIGHT, NIGHT, True, 31.5, 26.0),
            alerts.Condition(dev.id, "frost", dev.greenhouse_id, NIGHT, NIGHT, False, -1.5, -1.0),
            alerts.Condition(other.id, "cold", other.greenhouse_id, NIGHT)], [])
    with database.session_scope() as s:
        stored = alerts.Condition.load(s)
        cold, hot, frost = (stored[(dev.id, k)] for k in ("cold", "hot", "frost"))
        cold.judged_until, cold.since, cold.active, cold.worst, cold.worst_limit = t2, t1, True, 10.5, 12.0
        hot.judged_until, hot.since, hot.active, hot.worst, hot.worst_limit = t1, None, False, None, None
        alerts.Condition.save(s, [cold, hot, frost, alerts.Condition(dev.id, "co2_low", dev.greenhouse_id, t2)],
                              [stored[(other.id, "cold")]])
    with database.session_scope() as s:
        assert {key: c.state() for key, c in alerts.Condition.load(s).items()} == {
            (dev.id, "cold"): (t2, t1, True, 10.5, 12.0),
            (dev.id, "hot"): (t1, None, False, None, None),
            (dev.id, "frost"): (NIGHT, NIGHT, False, -1.5, -1.0),
            (dev.id, "co2_low"): (t2, None, False, None, None)}


def test_judging_minute_by_minute_or_at_once_gives_the_same_alerts(database, session, park):
    values = [11.0] * 11 + [13.5] + [10.0] * 15 + [-2.0] * 12 + [14.0] * 3
    dev = park["tomato"].device
    add_series(session, dev, NIGHT, values)
    end = NIGHT + len(values) * MINUTE
    run(database, end)
    at_once = [(a.kind, a.started_at, a.opened_at, a.cleared_at, a.worst_value, a.severity)
               for a in all_alerts(session) if a.kind != "offline"]
    # The same series judged by a run every minute.
    with database.session_scope() as s:
        s.execute(delete(Alert))
        s.execute(delete(AlertCondition))
    now = NIGHT
    while now <= end:
        run(database, now)
        now += MINUTE
    by_minute = [(a.kind, a.started_at, a.opened_at, a.cleared_at, a.worst_value, a.severity)
                 for a in all_alerts(session) if a.kind != "offline"]
    assert by_minute == at_once
    assert [k for k, *_ in at_once] == ["cold", "frost"]  # the second cold spell went down to frost: one alert


def _boom_after(calls: int):
    real = alerts._judge
    seen = {"n": 0}

    def judge(*args, **kwargs):
        seen["n"] += 1
        if seen["n"] > calls:
            raise RuntimeError("scheduler killed")
        return real(*args, **kwargs)

    return judge


@pytest.mark.parametrize("where", ["judging", "notifying"])
def test_run_cut_short_then_rerun_doubles_nothing(database, session, park, monkeypatch, where):
    webhook_on(session)
    add_series(session, park["tomato"].device, NIGHT, [11.0] * 11 + [-3.0] * 12)
    now = NIGHT + 25 * MINUTE
    scheduler = Scheduler(database, [], holder="only")
    job = Job("alerts", alerts.run_alerts, 60)
    if where == "judging":
        monkeypatch.setattr(alerts, "_judge", _boom_after(40))  # well after the cold alert opened
    else:
        def killed(*_args, **_kwargs):
            raise RuntimeError("scheduler killed")

        monkeypatch.setattr(alerts.notify, "enqueue", killed)
    assert scheduler.run_job(job, now) == "failed"
    assert all_alerts(session) == []  # nothing half-done survives
    monkeypatch.undo()
    assert scheduler.run_job(job, now) == "skipped"  # the failed run used its slot (one run a slot) ...
    assert scheduler.run_job(job, now + MINUTE) == "ok"  # ... the next slot's run redoes its work
    assert scheduler.run_job(job, now + 2 * MINUTE) == "ok"
    kinds = sorted(a.kind for a in all_alerts(session))
    assert kinds == ["frost", "offline"]  # the cold spell that went down to frost is one alert
    keys = [n.key for n in session.scalars(select(Notification))]
    assert len(keys) == len(set(keys)) == 2


def test_late_readings_before_the_watermark_are_not_judged_twice(database, session, park):
    dev = park["tomato"].device
    add_series(session, dev, NIGHT, [11.0] * 11)
    run(database, NIGHT + 11 * MINUTE)
    # Readings stamped inside the judged window arrive late (another second per minute): ignored, nothing doubles.
    add_series(session, dev, NIGHT + timedelta(seconds=30), [5.0] * 10)
    run(database, NIGHT + 12 * MINUTE)
    [alert] = all_alerts(session, "cold")
    assert alert.worst_value == 11.0


def test_buffered_readings_of_a_silent_device_are_judged_on_their_own_times(database, session, park):
    dev = park["tomato"].device
    run(database, NIGHT)
    # The device was silent, then sends 20 minutes it buffered, all at once.
    add_series(session, dev, NIGHT, [11.0] * 20)
    run(database, NIGHT + 2 * timedelta(hours=1))
    [alert] = all_alerts(session, "cold")
    assert alert.started_at == NIGHT and alert.opened_at == NIGHT + 10 * MINUTE


def test_two_devices_one_alert_until_both_are_back(database, session, park):
    gh = park["tomato"].greenhouse
    a = park["tomato"].device
    b = make_device(session, gh, "th-001b", last_seen_at=NIGHT)
    session.commit()
    half = timedelta(seconds=30)
    # A reads cold, B normal, interleaved: A's condition holds on A's own readings.
    add_series(session, a, NIGHT, [11.0] * 12)
    add_series(session, b, NIGHT + half, [14.0] * 12)
    run(database, NIGHT + 12 * MINUTE)
    [alert] = all_alerts(session, "cold")
    assert alert.state == "open" and alert.opened_at == NIGHT + 10 * MINUTE
    # B turns cold as well and holds it; then A recovers while B is still cold: the alert stays open.
    add_series(session, a, NIGHT + 12 * MINUTE, [11.0] * 12 + [14.0] * 6)
    add_series(session, b, NIGHT + 12 * MINUTE + half, [10.0] * 16)
    run(database, NIGHT + 30 * MINUTE)
    [alert] = all_alerts(session, "cold")
    assert alert.state == "open" and alert.worst_value == 10.0
    # B is back too: now it clears, at B's reading.
    add_series(session, b, NIGHT + 28 * MINUTE + half, [14.0])
    run(database, NIGHT + 30 * MINUTE)
    [alert] = all_alerts(session, "cold")
    assert alert.state == "cleared" and alert.cleared_at == NIGHT + 28 * MINUTE + half


def test_at_most_one_open_alert_per_greenhouse_and_kind_in_the_database(database, session, park):
    from sqlalchemy.exc import IntegrityError

    add_series(session, park["tomato"].device, NIGHT, [11.0] * 11)
    run(database, NIGHT + 11 * MINUTE)
    [alert] = all_alerts(session, "cold")
    session.add(Alert(greenhouse_id=alert.greenhouse_id, kind="cold", metric="temperature", severity="warning",
                      state="open", open_key=alert.open_key, started_at=NIGHT, opened_at=NIGHT, refreshed_at=NIGHT,
                      ack_note=""))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    # Cleared alerts keep NULL keys, which never collide.
    for _ in range(2):
        session.add(Alert(greenhouse_id=alert.greenhouse_id, kind="cold", metric="temperature", severity="warning",
                          state="cleared", open_key=None, started_at=NIGHT, opened_at=NIGHT, refreshed_at=NIGHT,
                          ack_note=""))
    session.commit()


def test_alerts_between_for_the_daily_report(database, session, park):
    dev = park["tomato"].device
    add_series(session, dev, NIGHT, [11.0] * 11 + [14.0])
    run(database, NIGHT + 12 * MINUTE)
    [alert] = all_alerts(session, "cold")
    assert alert.cleared_at == NIGHT + 11 * MINUTE
    with database.session_scope() as s:
        def kinds(start, end):
            return [a.kind for a in alerts.alerts_between(s, start, end) if a.kind != "offline"]

        assert kinds(NIGHT, NIGHT + MINUTE * 11) == ["cold"]
        assert kinds(NIGHT + 11 * MINUTE, NIGHT + 20 * MINUTE) == []  # cleared at the start
        assert kinds(NIGHT - MINUTE, NIGHT + 10 * MINUTE) == []  # opened at the end


def test_device_moved_away_clears_the_alert_it_held(database, session, park):
    dev = park["tomato"].device
    add_series(session, dev, NIGHT, [11.0] * 11)
    run(database, NIGHT + 11 * MINUTE)
    session.get(type(dev), dev.id).greenhouse_id = park["empty"].greenhouse.id
    session.commit()
    run(database, NIGHT + 12 * MINUTE)
    [cold] = all_alerts(session, "cold")
    assert cold.state == "cleared" and cold.cleared_at == NIGHT + 12 * MINUTE


def test_only_plantings_active_on_the_park_day_are_judged(database, session, park):
    # The same rule as the daily report (farm.services.plantings.active_on): planted by the park day, not ended.
    from datetime import date

    empty = park["empty"]
    cucumber = make_crop(session, "cucumber", night_temp_min=18, night_temp_max=22)
    later = make_planting(session, empty.greenhouse, cucumber, planted_on=date(2026, 11, 29), status="planned")
    gone = make_planting(session, empty.greenhouse, cucumber, planted_on=date(2026, 9, 1), status="ended")
    gone.ended_on = date(2026, 11, 27)
    session.commit()
    add_series(session, empty.device, NIGHT, [10.0] * 12)  # 02:00 on 28 November: far below 18 °C
    run(database, NIGHT + 12 * MINUTE)
    assert [a.kind for a in all_alerts(session) if a.greenhouse_id == empty.greenhouse.id] == []
    later.planted_on = date(2026, 11, 28)  # planted that very day: judged from now on
    session.commit()
    add_series(session, empty.device, NIGHT + 12 * MINUTE, [10.0] * 12)
    run(database, NIGHT + 24 * MINUTE)
    assert [a.kind for a in all_alerts(session) if a.greenhouse_id == empty.greenhouse.id] == ["cold"]
