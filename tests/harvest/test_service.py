"""Harvest rules in the service: logging, idempotency, corrections with history, voids, the day against the target."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from farm import clock
from farm.errors import Conflict, Forbidden, Invalid, NotFound
from farm.inputs import parse
from farm.inputs.harvest import HarvestChange, HarvestIn
from farm.models.harvest import Harvest
from farm.models.harvest import HarvestChange as ChangeRecord
from farm.models.people import PayrollMonth, Worker
from farm.services import harvest as harvests
from farm.services import settings
from tests.factories import make_crop, make_planting

# "Today" and "now" stand still through each test (and cannot roll over midnight under it).
pytestmark = pytest.mark.usefixtures("frozen_clock")


def entry(**fields) -> HarvestIn:
    return parse(HarvestIn, {"greenhouse": "GH-001", "weight_kg": "12.5", "grade": "grade1", **fields})


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(Harvest))


def test_log_harvest_takes_crop_and_planting_from_the_greenhouse(app, session, farm):
    with app.test_request_context():
        harvest, new = harvests.log_harvest(session, entry(crates=1), farm.users["manager"])
    assert new
    assert harvest.planting_id == farm.planting.id and harvest.crop_id == farm.crop.id
    assert harvest.weight_kg == Decimal("12.500")
    assert harvest.harvested_at.tzinfo is not None
    assert harvest.day == clock.today()


def test_log_harvest_day_is_the_parks_local_day(app, session, farm):
    # 17:30 UTC is 01:30 the next morning in Wuhai (UTC+8).
    at = datetime(2026, 11, 2, 17, 30, tzinfo=timezone.utc)
    with app.test_request_context():
        harvest, _ = harvests.log_harvest(session, entry(harvested_at=at.isoformat()), farm.users["manager"])
    assert harvest.day.isoformat() == "2026-11-03"


def test_log_harvest_time_without_offset_is_local(app, session, farm):
    with app.test_request_context():
        harvest, _ = harvests.log_harvest(session, entry(harvested_at="2026-11-03T08:00"), farm.users["manager"])
    assert harvest.harvested_at == datetime(2026, 11, 3, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("weight", ["0", "-3", "abc", "NaN", "1e400"])
def test_harvest_input_refuses_bad_weights(app, weight):
    with app.test_request_context(), pytest.raises(Invalid) as exc:
        entry(weight_kg=weight)
    assert "weight_kg" in exc.value.fields


def test_harvest_input_refuses_unknown_grade(app):
    with app.test_request_context(), pytest.raises(Invalid) as exc:
        entry(grade="super")
    assert "grade" in exc.value.fields


def test_log_harvest_refuses_more_than_the_entry_maximum(app, session, farm):
    with app.test_request_context():
        with pytest.raises(Invalid) as exc:
            harvests.log_harvest(session, entry(weight_kg="500.001"), farm.users["manager"])
        assert "weight_kg" in exc.value.fields
        settings.put(session, "harvest.max_entry_kg", "100")
        with pytest.raises(Invalid):
            harvests.log_harvest(session, entry(weight_kg="150"), farm.users["manager"])
        harvests.log_harvest(session, entry(weight_kg="100"), farm.users["manager"])
    assert count(session) == 1


def test_log_harvest_refuses_a_time_in_the_future(app, session, farm):
    later = clock.now() + timedelta(hours=1)
    with app.test_request_context(), pytest.raises(Invalid) as exc:
        harvests.log_harvest(session, entry(harvested_at=later.isoformat()), farm.users["manager"])
    assert "harvested_at" in exc.value.fields
    assert count(session) == 0


def test_log_harvest_refuses_a_time_before_the_planting(app, session, farm):
    with app.test_request_context(), pytest.raises(Invalid) as exc:
        harvests.log_harvest(session, entry(harvested_at="2026-08-31T10:00+08:00"), farm.users["manager"])
    assert "2026-09-01" in str(exc.value.fields["harvested_at"])


def test_log_harvest_refuses_a_greenhouse_without_active_planting(app, session, farm):
    with app.test_request_context(), pytest.raises(Invalid) as exc:
        harvests.log_harvest(session, entry(greenhouse="GH-002"), farm.users["manager"])
    assert exc.value.status == 422 and "greenhouse" in exc.value.fields
    with app.test_request_context("/?lang=en"):
        assert "no active planting" in str(exc.value.message)


def test_log_harvest_refuses_an_unknown_greenhouse(app, session, farm):
    with app.test_request_context(), pytest.raises(Invalid) as exc:
        harvests.log_harvest(session, entry(greenhouse="GH-999"), farm.users["manager"])
    assert "greenhouse" in exc.value.fields


def test_worker_logs_for_themself(app, session, farm):
    worker = farm.worker
    with app.test_request_context():
        own, _ = harvests.log_harvest(session, entry(), worker)
        named, _ = harvests.log_harvest(session, entry(worker=worker.worker_id), worker)
    assert own.worker_id == worker.worker_id == named.worker_id


def test_worker_may_not_log_for_another_worker(app, session, farm):
    other = Worker(name="李桂兰")
    session.add(other)
    session.flush()
    with app.test_request_context(), pytest.raises(Forbidden) as exc:
        harvests.log_harvest(session, entry(worker=other.id), farm.worker)
    assert "worker" in exc.value.fields
    assert count(session) == 0


def test_manager_logs_for_a_named_worker_and_not_an_unknown_one(app, session, farm):
    with app.test_request_context():
        harvest, _ = harvests.log_harvest(session, entry(worker=farm.worker.worker_id), farm.users["manager"])
        assert harvest.worker_id == farm.worker.worker_id
        with pytest.raises(Invalid):
            harvests.log_harvest(session, entry(worker=9999), farm.users["manager"])


def test_idempotency_key_stores_one_record(app, session, farm):
    with app.test_request_context():
        first, new1 = harvests.log_harvest(session, entry(), farm.worker, "k-1")
        again, new2 = harvests.log_harvest(session, entry(weight_kg="99"), farm.worker, "k-1")
        other_user, new3 = harvests.log_harvest(session, entry(), farm.users["manager"], "k-1")
    session.commit()
    assert (new1, new2, new3) == (True, False, True)
    assert again.id == first.id and again.weight_kg == Decimal("12.5")
    assert other_user.id != first.id
    assert count(session) == 2


def test_idempotency_key_race_answers_with_the_first_record(app, database, session, farm, monkeypatch):
    # Session B looks for the key before session A commits it; B's insert then meets the unique constraint
    # and B answers with A's record instead of storing a second one.
    from farm.models.auth import User

    other = database.session()
    try:
        with app.test_request_context():
            first, _ = harvests.log_harvest(session, entry(), farm.worker, "race")
            session.commit()
            real, looks = harvests._by_key, []

            def too_early(s, user, key):
                looks.append(key)
                return None if len(looks) == 1 else real(s, user, key)

            monkeypatch.setattr(harvests, "_by_key", too_early)
            second, new = harvests.log_harvest(other, entry(), other.get(User, farm.worker.id), "race")
            other.commit()
        assert not new and second.id == first.id and len(looks) == 2
    finally:
        other.close()
    assert count(session) == 1


def test_correction_keeps_who_when_before_and_after(app, session, farm):
    manager = farm.users["manager"]
    with app.test_request_context():
        harvest, _ = harvests.log_harvest(session, entry(), farm.worker)
        harvests.correct_harvest(session, harvest.id, parse(HarvestChange, {"weight_kg": "13.2", "grade": "premium",
                                                                            "reason": "复秤"}), manager)
    session.commit()
    changes = session.scalars(select(ChangeRecord)).all()
    assert len(changes) == 1
    change = changes[0]
    assert change.changed_by_id == manager.id and change.action == "correct" and change.reason == "复秤"
    assert change.before == {"weight_kg": "12.500", "grade": "grade1"}
    assert change.after == {"weight_kg": "13.200", "grade": "premium"}
    assert session.get(Harvest, harvest.id).weight_kg == Decimal("13.2")


def test_correction_that_changes_nothing_keeps_no_history(app, session, farm):
    with app.test_request_context():
        harvest, _ = harvests.log_harvest(session, entry(), farm.worker)
        harvests.correct_harvest(session, harvest.id, parse(HarvestChange, {"weight_kg": "12.5"}), farm.users["manager"])
    assert session.scalar(select(func.count()).select_from(ChangeRecord)) == 0


def test_correction_to_another_greenhouse_needs_its_active_planting(app, session, farm):
    with app.test_request_context():
        harvest, _ = harvests.log_harvest(session, entry(), farm.users["manager"])
        with pytest.raises(Invalid) as exc:
            harvests.correct_harvest(session, harvest.id, parse(HarvestChange, {"greenhouse": "GH-002"}),
                                     farm.users["manager"])
    assert "greenhouse" in exc.value.fields


def test_worker_corrects_own_entry_only_within_the_window(app, session, farm, monkeypatch):
    with app.test_request_context():
        harvest, _ = harvests.log_harvest(session, entry(), farm.worker)
        harvests.correct_harvest(session, harvest.id, parse(HarvestChange, {"weight_kg": "11"}), farm.worker)
        later = clock.now() + timedelta(minutes=16)
        monkeypatch.setattr(clock, "now", lambda: later)
        with pytest.raises(Forbidden):
            harvests.correct_harvest(session, harvest.id, parse(HarvestChange, {"weight_kg": "10"}), farm.worker)
        # the manager still can
        harvests.correct_harvest(session, harvest.id, parse(HarvestChange, {"weight_kg": "10"}), farm.users["manager"])
    assert session.get(Harvest, harvest.id).weight_kg == Decimal("10")


def test_worker_cannot_see_or_change_anothers_record(app, session, farm):
    with app.test_request_context():
        harvest, _ = harvests.log_harvest(session, entry(), farm.users["manager"])
        with pytest.raises(NotFound):
            harvests.correct_harvest(session, harvest.id, parse(HarvestChange, {"weight_kg": "1"}), farm.worker)
        with pytest.raises(NotFound):
            harvests.void_harvest(session, harvest.id, "wrong", farm.worker)


def test_void_keeps_the_record_out_of_totals(app, session, farm):
    with app.test_request_context():
        keep, _ = harvests.log_harvest(session, entry(weight_kg="20"), farm.users["manager"])
        wrong, _ = harvests.log_harvest(session, entry(weight_kg="30"), farm.users["manager"])
        harvests.void_harvest(session, wrong.id, "重复录入", farm.users["manager"])
        summary = harvests.day_summary(session)
        with pytest.raises(Conflict):
            harvests.void_harvest(session, wrong.id, "again", farm.users["manager"])
        with pytest.raises(Conflict):
            harvests.correct_harvest(session, wrong.id, parse(HarvestChange, {"weight_kg": "1"}), farm.users["manager"])
    assert summary.total_kg == Decimal("20") and summary.count == 1
    record = session.get(Harvest, wrong.id)
    assert record.voided and record.void_reason == "重复录入" and record.changes[-1].action == "void"
    assert count(session) == 2


def test_day_summary_against_the_target_by_crop_and_greenhouse(app, session, farm):
    with app.test_request_context():
        settings.put(session, "harvest.daily_target_kg", "100")
        harvests.log_harvest(session, entry(weight_kg="30"), farm.users["manager"])
        harvests.log_harvest(session, entry(weight_kg="45.5"), farm.users["manager"])
        summary = harvests.day_summary(session)
    assert summary.total_kg == Decimal("75.5") and summary.target_kg == Decimal("100") and summary.percent == 75
    assert summary.by_crop[0]["code"] == "cucumber" and summary.by_crop[0]["weight_kg"] == Decimal("75.5")
    assert summary.by_greenhouse == [{"code": "GH-001", "crop": "cucumber", "name_zh": "黄瓜", "name_en": "Cucumber",
                                      "weight_kg": Decimal("75.500")}]


def test_day_summary_default_target_is_1500(app, session, farm):
    with app.test_request_context():
        assert harvests.day_summary(session).target_kg == Decimal("1500")


# --- what a worker may correct: one rule in the service ----------------------------------------------------

def change(**fields) -> HarvestChange:
    return parse(HarvestChange, fields)


def test_correctable_fields_by_role_and_record(app, session, farm):
    with app.test_request_context():
        own, _ = harvests.log_harvest(session, entry(), farm.worker)
        theirs, _ = harvests.log_harvest(session, entry(worker=farm.worker.worker_id), farm.users["manager"])
        assert harvests.correctable_fields(session, farm.worker, own) == ("weight_kg", "grade", "crates", "note")
        assert harvests.correctable_fields(session, farm.worker, theirs) == ()
        for role in ("manager", "admin"):
            assert set(harvests.correctable_fields(session, farm.users[role], own)) == {
                "greenhouse", "weight_kg", "grade", "crates", "harvested_at", "worker", "note"}
        assert harvests.correctable_fields(session, farm.users["viewer"], own) == ()
        harvests.void_harvest(session, own.id, "重复", farm.users["manager"])
        assert harvests.correctable_fields(session, farm.users["manager"], own) == ()


@pytest.mark.parametrize("fields", [
    {"greenhouse": "GH-002"}, {"harvested_at": "2026-10-01T08:00:00+08:00"}, {"worker": 1},
    {"weight_kg": "11", "greenhouse": "GH-001"},
])
def test_worker_may_not_correct_where_when_or_whose(app, session, farm, fields):
    make_planting(session, farm.park.greenhouses[1], farm.crop)
    with app.test_request_context():
        harvest, _ = harvests.log_harvest(session, entry(), farm.worker)
        session.commit()
        before = harvests.snapshot(harvest)
        with pytest.raises(Forbidden) as exc:
            harvests.correct_harvest(session, harvest.id, change(**fields), farm.worker)
        refused = [name for name in fields if name not in ("weight_kg",)]
        assert set(exc.value.fields) == set(refused)
        assert "worker" not in exc.value.fields or "工人" in str(exc.value.fields["worker"])  # named, in Chinese
    session.rollback()
    session.expire_all()
    assert harvests.snapshot(session.get(Harvest, harvest.id)) == before
    assert session.scalar(select(func.count()).select_from(ChangeRecord)) == 0


def test_worker_forbidden_field_message_names_the_field(app, session, farm):
    with app.test_request_context("/?lang=en"):
        harvest, _ = harvests.log_harvest(session, entry(), farm.worker)
        with pytest.raises(Forbidden) as exc:
            harvests.correct_harvest(session, harvest.id, change(greenhouse="GH-002"), farm.worker)
        assert "Greenhouse" in str(exc.value.fields["greenhouse"])
        assert "Greenhouse" in str(exc.value.message)


def test_worker_may_not_correct_a_record_a_manager_entered_for_them(app, session, farm):
    with app.test_request_context():
        harvest, _ = harvests.log_harvest(session, entry(worker=farm.worker.worker_id), farm.users["manager"])
        assert harvests.get_harvest(session, harvest.id, farm.worker)  # they see it in their list
        with pytest.raises(Forbidden):
            harvests.correct_harvest(session, harvest.id, change(weight_kg="1"), farm.worker)
        with pytest.raises(Forbidden):
            harvests.void_harvest(session, harvest.id, "wrong", farm.worker)
    assert session.get(Harvest, harvest.id).weight_kg == Decimal("12.5")


def test_worker_may_not_correct_in_a_closed_pay_month(app, session, farm):
    with app.test_request_context():
        harvest, _ = harvests.log_harvest(session, entry(), farm.worker)
        session.add(PayrollMonth(month=clock.month_of(harvest.day)))
        session.flush()
        assert harvests.correctable_fields(session, farm.worker, harvest) == ()
        with pytest.raises(Forbidden) as exc:
            harvests.correct_harvest(session, harvest.id, change(weight_kg="1"), farm.worker)
        assert clock.month_of(harvest.day) in str(exc.value.message)
        with pytest.raises(Forbidden):
            harvests.void_harvest(session, harvest.id, "wrong", farm.worker)
        # a manager still corrects it (pay shows the drift against what was paid)
        harvests.correct_harvest(session, harvest.id, change(weight_kg="2"), farm.users["manager"])
    assert session.get(Harvest, harvest.id).weight_kg == Decimal("2")


def test_manager_moves_a_record_to_another_greenhouse_and_time(app, session, farm):
    other = make_planting(session, farm.park.greenhouses[1], make_crop(session, "tomato", "番茄", "Tomato"))
    with app.test_request_context():
        harvest, _ = harvests.log_harvest(session, entry(), farm.worker)
        moved = harvests.correct_harvest(session, harvest.id, change(
            greenhouse="GH-002", harvested_at="2026-10-01T08:00:00+08:00", worker=None, reason="记错棚"),
            farm.users["manager"])
    assert moved.greenhouse.code == "GH-002" and moved.planting_id == other.id and moved.crop.code == "tomato"
    assert moved.day.isoformat() == "2026-10-01"
    history = moved.changes[-1]
    assert history.before["greenhouse"] == "GH-001" and history.after["greenhouse"] == "GH-002"
    assert history.changed_by_id == farm.users["manager"].id


def test_the_database_refuses_an_unknown_grade(session, farm):
    from sqlalchemy.exc import IntegrityError

    now = clock.now()
    session.add(Harvest(greenhouse_id=farm.park.greenhouses[0].id, planting_id=farm.planting.id,
                        crop_id=farm.crop.id, weight_kg=Decimal("1"), grade="gold", harvested_at=now,
                        day=clock.park_day(now), entered_by_id=farm.users["manager"].id, note="", void_reason="",
                        created_at=now, updated_at=now))
    with pytest.raises(IntegrityError) as exc:
        session.flush()
    assert "grade_vocab" in str(exc.value) or "CHECK" in str(exc.value)
    session.rollback()


def test_a_late_entry_is_credited_to_the_planting_in_the_ground_that_day(app, session, farm):
    # The cucumbers ended yesterday and tomatoes went in today: a harvest dated two days ago is cucumbers'.
    today = clock.today()
    farm.planting.status, farm.planting.ended_on = "ended", today - timedelta(days=1)
    tomato = make_crop(session, code="tomato", name_zh="西红柿", name_en="Tomato")
    tomatoes = make_planting(session, farm.park.greenhouses[0], tomato, planted_on=today)
    session.flush()
    two_days_ago = clock.at_local(today - timedelta(days=2), datetime.min.time().replace(hour=9))
    with app.test_request_context():
        late, _ = harvests.log_harvest(session, entry(harvested_at=two_days_ago.isoformat()), farm.users["manager"])
        fresh, _ = harvests.log_harvest(session, entry(), farm.users["manager"])
        # Moved to today, the late entry becomes the tomatoes'; a time before any planting is refused.
        harvests.correct_harvest(session, late.id, parse(HarvestChange, {"harvested_at": clock.now().isoformat()}),
                                 farm.users["manager"])
        with pytest.raises(Invalid) as exc:
            harvests.log_harvest(session, entry(harvested_at="2026-01-01T09:00"), farm.users["manager"])
    assert (fresh.planting_id, fresh.crop_id) == (tomatoes.id, tomato.id)
    assert (late.planting_id, late.crop_id) == (tomatoes.id, tomato.id)
    assert "harvested_at" in exc.value.fields or "greenhouse" in exc.value.fields


def test_a_late_entry_keeps_the_ended_plantings_crop(app, session, farm):
    today = clock.today()
    farm.planting.status, farm.planting.ended_on = "ended", today - timedelta(days=1)
    session.flush()
    yesterday = clock.at_local(today - timedelta(days=1), datetime.min.time().replace(hour=9))
    with app.test_request_context():
        late, _ = harvests.log_harvest(session, entry(harvested_at=yesterday.isoformat()), farm.users["manager"])
    assert (late.planting_id, late.crop_id) == (farm.planting.id, farm.crop.id)
