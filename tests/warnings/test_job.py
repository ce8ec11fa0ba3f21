"""The warnings job on fixed dates: what it opens with its figures, a second run opens nothing, it never closes a
warning but records when the condition no longer holds, a warning closed while its condition held is not opened
again until the condition lifted once, and each new warning is notified once."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from farm.inputs.land import PaymentIn
from farm.inputs.warnings import CloseIn
from farm.models.alerts import Notification
from farm.models.warnings import Warning
from farm.services import land, livelihoods, settings
from farm.services import warnings as rules
from tests.factories import make_users
from tests.land.factories import make_contract, make_household
from tests.warnings.factories import T0, attend, days, make_member

TODAY = date(2026, 11, 28)


def _open(session) -> dict:
    session.expire_all()
    return {(w.household.name, w.kind): w for w in session.scalars(select(Warning).where(Warning.state != "closed"))}


@pytest.fixture
def village(session):
    """On 2026-11-28, with the line at 7,300 for 2026:
    - 王建国 (lifted, 4 members): this year's rent of 8,000 due on 11-12 unpaid (16 days late), last year's paid in
      2025; nothing received in 2026 and nothing more due this year: 0 per person, below the line and rent overdue;
    - 李桂兰 (none, 1 member): 8,000 rent received on 03-01: 8,000 per person, near the line;
    - 张玉梅 (none, 1 member, 20,000 rent received): above; her member worked 10 days in each of 2025-08..10 and
      7 days in each of 2026-08..10: a drop of exactly 30 %, no warning;
    - 刘长生 (none, 1 member, 20,000 rent received): his member worked in 2025-08..10 and not since: income dropped;
    - 陈秀英 (monitored, 1 member, 20,000 rent received): her member worked every second day from 08-29 to
      10-28 and not since: stopped working."""
    users = make_users(session)
    livelihoods.set_line(session, 2026, Decimal("7300"), today=TODAY)
    settings.put(session, "notify.webhook_url", "http://127.0.0.1:9/robot")
    wang = make_household(session, name="王建国")
    start = date(2025, 11, 12)
    make_contract(session, wang, number="TZ-1", codes=("P-1",), start_date=start.isoformat(),
                  end_date="2028-11-11", payment_month_day="11-12")
    land.record_payment(session, wang.contracts[0].id, PaymentIn.model_validate(
        {"paid_on": "2025-11-12", "amount": "8000.00", "method": "bank"}), today=TODAY)
    homes = {}
    for n, (name, status, rent) in enumerate((("李桂兰", "none", "8000.00"), ("张玉梅", "none", "20000.00"),
                                              ("刘长生", "none", "20000.00"), ("陈秀英", "monitored", "20000.00"))):
        home = make_household(session, name=name, status=status, id_number="")
        home.members = 1
        area = str(Decimal(rent) / 800)
        contract = make_contract(session, home, number=f"TZ-{n + 2}", codes=(f"P-{n + 2}",), area=area,
                                 start_date="2026-03-01", end_date="2029-02-28")
        land.record_payment(session, contract.id, PaymentIn.model_validate(
            {"paid_on": "2026-03-01", "amount": rent, "method": "bank"}), today=TODAY)
        homes[name] = home
    zhang = make_member(session, homes["张玉梅"], "张小梅")
    for month in ("2025-08", "2025-09", "2025-10"):
        attend(session, zhang, days(date.fromisoformat(month + "-01"), 10))
    for month in ("2026-08", "2026-09", "2026-10"):
        attend(session, zhang, days(date.fromisoformat(month + "-01"), 7))
    liu = make_member(session, homes["刘长生"], "刘小军")
    for month in ("2025-08", "2025-09", "2025-10"):
        attend(session, liu, days(date.fromisoformat(month + "-01"), 10))
    chen = make_member(session, homes["陈秀英"], "陈小英")
    attend(session, chen, days(date(2026, 8, 29), 31, 2))  # 08-29 .. 10-28
    session.commit()
    return {"users": users, "wang": wang, **homes, "chen": chen}


def test_job_opens_each_kind_with_its_figures(session, village):
    summary = rules.run_warnings(session, T0)
    session.commit()
    found = _open(session)
    assert set(found) == {("王建国", "below_line"), ("王建国", "rent_overdue"), ("李桂兰", "near_line"),
                          ("刘长生", "income_drop"), ("陈秀英", "stopped_working")}
    assert summary["opened"] == 5 and summary["notified"] == 5

    below = found[("王建国", "below_line")]
    assert below.state == "open" and below.condition_holds and below.opened_at == T0
    assert below.figures["per_capita"] == "0.00" and below.figures["line"] == "7300.00"
    assert below.figures["members"] == 4 and below.figures["total"] == "0.00"
    assert below.figures["upper"] == "10950.00" and below.figures["year"] == 2026
    assert "0.00" in below.reason and "7,300.00" in below.reason and "2026" in below.reason
    assert found[("李桂兰", "near_line")].figures["per_capita"] == "8000.00"

    overdue = found[("王建国", "rent_overdue")].figures
    assert overdue["owed"] == "8000.00" and overdue["dues"][0]["days_late"] == 16

    drop = found[("刘长生", "income_drop")].figures
    assert drop["months"] == ["2026-08", "2026-09", "2026-10"]
    assert drop["income"] == "0.00" and drop["earlier_income"] == "4500.00" and drop["drop_percent"] == "100.00"

    stopped = found[("陈秀英", "stopped_working")].figures
    assert stopped["workers"][0]["name"] == "陈小英" and stopped["workers"][0]["last_present"] == "2026-10-28"

    sent = list(session.scalars(select(Notification).order_by(Notification.key)))
    assert len(sent) == 5 and all(n.key.startswith("warning-") for n in sent)
    assert any("王建国" in n.subject and "7,300.00" in n.body for n in sent)


def test_job_second_run_opens_nothing_new(session, village):
    rules.run_warnings(session, T0)
    session.commit()
    first = {k: (w.id, w.opened_at) for k, w in _open(session).items()}
    again = rules.run_warnings(session, T0 + timedelta(hours=1))
    session.commit()
    assert again["opened"] == 0 and again["notified"] == 0
    assert {k: (w.id, w.opened_at) for k, w in _open(session).items()} == first
    assert session.query(Notification).count() == 5
    assert all(w.checked_at == T0 + timedelta(hours=1) for w in _open(session).values())


def test_job_never_closes_but_records_the_condition_lifting(session, village):
    rules.run_warnings(session, T0)
    session.commit()
    wang = village["wang"]
    land.record_payment(session, wang.contracts[0].id, PaymentIn.model_validate(
        {"paid_on": "2026-11-28", "amount": "8000.00", "method": "bank"}), today=TODAY)
    attend(session, village["chen"], [TODAY])
    session.commit()
    later = T0 + timedelta(hours=2)
    summary = rules.run_warnings(session, later)
    session.commit()
    found = _open(session)
    assert summary["opened"] == 0 and summary["lifted"] == 2
    for key in (("王建国", "rent_overdue"), ("陈秀英", "stopped_working")):
        assert found[key].state == "open" and found[key].condition_holds is False and found[key].checked_at == later
    assert found[("王建国", "below_line")].condition_holds is True


def test_job_does_not_reopen_what_a_person_closed_until_the_condition_lifted(session, village):
    rules.run_warnings(session, T0)
    session.commit()
    official = village["users"]["official"]
    near = _open(session)[("李桂兰", "near_line")]
    rules.close(session, near.id, CloseIn(reason="低保已批"), official)
    session.commit()

    rules.run_warnings(session, T0 + timedelta(hours=1))
    session.commit()
    assert ("李桂兰", "near_line") not in _open(session)  # still near the line, but a person closed it

    livelihoods.set_line(session, 2026, Decimal("5000"), today=TODAY)  # 8,000 is above 1.5 × 5,000 = 7,500
    session.commit()
    rules.run_warnings(session, T0 + timedelta(hours=2))
    session.commit()
    session.refresh(near)
    assert near.state == "closed" and near.condition_holds is False
    assert ("李桂兰", "near_line") not in _open(session)

    livelihoods.set_line(session, 2026, Decimal("7300"), today=TODAY)  # near the line again: a new warning
    session.commit()
    summary = rules.run_warnings(session, T0 + timedelta(hours=3))
    session.commit()
    again = _open(session)[("李桂兰", "near_line")]
    assert summary["opened"] == 1 and again.id != near.id and again.state == "open"


def test_job_at_most_one_open_warning_per_household_and_kind_in_the_database(session, village):
    from sqlalchemy.exc import IntegrityError

    rules.run_warnings(session, T0)
    session.commit()
    wang = village["wang"]
    session.add(Warning(household_id=wang.id, kind="rent_overdue", state="following", opened_at=T0, reason="",
                        figures={}, condition_holds=True, checked_at=T0, close_reason=""))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    # A closed one beside the open one is allowed.
    session.add(Warning(household_id=wang.id, kind="rent_overdue", state="closed", opened_at=T0, reason="",
                        figures={}, condition_holds=False, checked_at=T0, close_reason="旧的"))
    session.flush()
    session.commit()


def test_job_is_in_the_scheduler_and_runs_with_run_job(database, village):
    from farm.jobs import find_job, run_once
    from farm.models.scheduler import JobRun

    job = find_job("warnings")
    assert job is not None and job.seconds == 86400 and job.func is rules.run_warnings
    assert run_once(database, job, T0) == ("ok", "")
    assert run_once(database, job, T0 + timedelta(minutes=5)) == ("ok", "")
    with database.session_scope() as s:
        assert s.query(Warning).count() == 5
        assert [r.outcome for r in s.scalars(select(JobRun).where(JobRun.job == "warnings"))] == ["ok", "ok"]


def test_job_insert_skips_a_warning_another_run_opened_first(session, village):
    """Two runs at the same moment: the one that inserts second is skipped by the database, without an error."""
    rules.run_warnings(session, T0)
    session.commit()
    wang = village["wang"]
    row = {"household_id": wang.id, "kind": "rent_overdue", "state": "open", "opened_at": T0, "reason": "",
           "figures": {}, "condition_holds": True, "checked_at": T0, "close_reason": ""}
    assert rules._open_all(session, [row]) == []
    fresh = {**row, "kind": "stopped_working"}
    [made] = rules._open_all(session, [row, fresh])
    assert made.kind == "stopped_working" and made.household.name == "王建国"
    session.commit()
    assert len([w for w in _open(session) if w[0] == "王建国"]) == 3


def test_job_many_new_warnings_make_one_summary_message(session, village):
    settings.put(session, "warnings.notify_each_up_to", "3")
    session.commit()
    summary = rules.run_warnings(session, T0)
    session.commit()
    assert summary["opened"] == 5 and summary["notified"] == 1
    [message] = session.scalars(select(Notification)).all()
    assert message.key.startswith("warnings-") and "5" in message.subject
    assert rules.run_warnings(session, T0 + timedelta(hours=1))["notified"] == 0


def test_job_without_channels_queues_nothing(session, village):
    settings.put(session, "notify.webhook_url", "off")
    session.commit()
    assert rules.run_warnings(session, T0)["notified"] == 0
    assert session.query(Notification).count() == 0
