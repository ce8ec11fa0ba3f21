"""Each warning rule on fixed dates, with its edges (read for every household at once)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from farm.inputs.land import PaymentIn
from farm.services import land, rent
from farm.services import warnings as rules
from tests.land.factories import make_contract, make_household
from tests.warnings.factories import attend, days, make_member

TODAY = date(2026, 11, 28)
CONF = {"drop_percent": Decimal(30), "regular_days": 10, "stopped_days": 30, "rent_overdue_days": 15}


# --- the arithmetic -------------------------------------------------------------------------------------------

def test_rules_months_before_keeps_the_day_or_takes_the_months_last():
    assert rules.months_before(date(2026, 10, 29), 1) == date(2026, 9, 29)
    assert rules.months_before(date(2026, 10, 29), 2) == date(2026, 8, 29)
    assert rules.months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert rules.months_before(date(2024, 3, 31), 1) == date(2024, 2, 29)
    assert rules.months_before(date(2026, 1, 15), 2) == date(2025, 11, 15)


def test_rules_drop_months_are_the_last_three_full_months_and_a_year_earlier():
    assert rules.drop_months(TODAY) == (["2026-08", "2026-09", "2026-10"], ["2025-08", "2025-09", "2025-10"])
    assert rules.drop_months(date(2026, 2, 1)) == (["2025-11", "2025-12", "2026-01"],
                                                    ["2024-11", "2024-12", "2025-01"])


@pytest.mark.parametrize("now, before, expected", [
    ("700.00", "1000.00", None),            # exactly 30 %: no warning
    ("699.99", "1000.00", Decimal("30.00")),  # a fen more than 30 % (30.001 % shown to the hundredth)
    ("600.00", "1000.00", Decimal("40.00")),
    ("0.00", "1000.00", Decimal("100.00")),
    ("1200.00", "1000.00", None),           # a rise
    ("0.00", "0.00", None),                 # nothing a year earlier: nothing to drop from
    ("500.00", "0.00", None),
])
def test_rules_income_drop_edge(now, before, expected):
    assert rules.income_drop(Decimal(now), Decimal(before), Decimal(30)) == expected


def test_rules_stopped_window():
    # The 30 days without attendance are [10-29, 11-28]; the two months before are [08-29, 09-29) and [09-29, 10-29).
    assert rules.stopped_window(TODAY, 30) == (date(2026, 8, 29), date(2026, 9, 29), date(2026, 10, 29))


# --- stopped_working ---------------------------------------------------------------------------------------------

def _regular(session, household, name, last_present: date):
    """A member present every second day (about 15 days a month) from 08-29 up to `last_present`."""
    worker = make_member(session, household, name)
    first = date(2026, 8, 29)
    attend(session, worker, [d for d in days(first, 60, 2) if d <= last_present] + [last_present])
    return worker


def test_rules_stopped_working_exactly_30_days_warns_29_does_not(session):
    warned = make_household(session, name="韩富贵")
    not_yet = make_household(session, name="冯巧云")
    _regular(session, warned, "韩美兰", TODAY - timedelta(days=31))  # 10-28: no attendance on the 30 days 10-29..11-27
    _regular(session, not_yet, "冯小云", TODAY - timedelta(days=30))  # 10-29: 29 days without attendance
    found = rules.find_stopped_working(session, TODAY, CONF)
    assert set(found) == {warned.id}
    figures = found[warned.id]
    assert figures["since"] == "2026-10-29" and figures["days"] == 30
    [member] = figures["workers"]
    assert member["name"] == "韩美兰" and member["last_present"] == "2026-10-28"
    assert all(n >= 10 for n in member["days_present"])


def test_rules_stopped_working_attendance_today_counts(session):
    household = make_household(session)
    worker = _regular(session, household, "韩美兰", TODAY - timedelta(days=40))
    attend(session, worker, [TODAY])
    assert rules.find_stopped_working(session, TODAY, CONF) == {}


def test_rules_stopped_working_needs_ten_days_in_each_of_the_two_months(session):
    household = make_household(session)
    nine = make_member(session, household, "九天")
    # 10 days in [09-29, 10-29) but only 9 in [08-29, 09-29).
    attend(session, nine, days(date(2026, 9, 1), 9) + days(date(2026, 10, 1), 10))
    ten = make_member(session, household, "十天")
    attend(session, ten, days(date(2026, 9, 1), 10) + days(date(2026, 10, 1), 10))
    absent = make_member(session, household, "缺勤")  # booked but marked absent: attendance means present
    attend(session, absent, days(date(2026, 9, 1), 10) + days(date(2026, 10, 1), 10), present=False)
    found = rules.find_stopped_working(session, TODAY, CONF)
    assert [w["name"] for w in found[household.id]["workers"]] == ["十天"]
    assert found[household.id]["workers"][0]["days_present"] == [10, 10]


def test_rules_stopped_working_counts_days_not_jobs_and_only_household_members(session):
    household = make_household(session)
    twice = make_member(session, household, "两份工")
    # Two jobs on each of 9 days is still 9 days.
    attend(session, twice, days(date(2026, 9, 1), 9) * 2 + days(date(2026, 10, 1), 10))
    outsider = make_member(session, household, "外村人")
    outsider.household_id = None
    attend(session, outsider, days(date(2026, 9, 1), 12) + days(date(2026, 10, 1), 12))
    assert rules.find_stopped_working(session, TODAY, CONF) == {}


def test_rules_stopped_working_follows_its_settings(session):
    household = make_household(session)
    _regular(session, household, "韩美兰", TODAY - timedelta(days=21))
    assert rules.find_stopped_working(session, TODAY, CONF) == {}
    assert set(rules.find_stopped_working(session, TODAY, {**CONF, "stopped_days": 20})) == {household.id}


# --- rent_overdue ---------------------------------------------------------------------------------------------------

def _owed(session, name, status, due: date, number):
    """A household with a contract whose rent year began on `due` (earlier years paid); nothing paid for `due`."""
    household = make_household(session, name=name, status=status)
    contract = make_contract(session, household, number=number, codes=(f"P-{number}",),
                             start_date=due.isoformat(),
                             end_date=(due + timedelta(days=3 * 365)).isoformat(),
                             payment_month_day=due.strftime("%m-%d"))
    return household, contract


def test_rules_rent_overdue_16_days_warns_15_does_not(session):
    late, _c = _owed(session, "王建国", "lifted", TODAY - timedelta(days=16), "TZ-16")
    edge, _c = _owed(session, "李桂兰", "monitored", TODAY - timedelta(days=15), "TZ-15")
    found = rules.find_rent_overdue(session, TODAY, CONF)
    assert set(found) == {late.id}
    figures = found[late.id]
    assert figures["owed"] == "8000.00" and figures["days"] == 15
    assert figures["dues"] == [{"contract_id": figures["dues"][0]["contract_id"], "contract": "TZ-16",
                                "due_date": "2026-11-12", "outstanding": "8000.00", "days_late": 16}]
    assert edge.id not in found


def test_rules_rent_overdue_only_lifted_or_monitored_and_not_drafts_or_paid(session):
    _owed(session, "一般户", "none", TODAY - timedelta(days=40), "TZ-N")
    draft_household = make_household(session, name="草稿", status="lifted")
    start = TODAY - timedelta(days=40)
    make_contract(session, draft_household, number="TZ-D", status="draft", codes=("150303101203019999",), start_date=start.isoformat(),
                  end_date=(start + timedelta(days=1000)).isoformat(), payment_month_day=start.strftime("%m-%d"))
    paid, contract = _owed(session, "已付", "lifted", TODAY - timedelta(days=40), "TZ-P")
    land.record_payment(session, contract.id, PaymentIn.model_validate(
        {"paid_on": (TODAY - timedelta(days=35)).isoformat(), "amount": "8000.00", "method": "bank"}), today=TODAY)
    partly, contract = _owed(session, "部分", "monitored", TODAY - timedelta(days=40), "TZ-Q")
    land.record_payment(session, contract.id, PaymentIn.model_validate(
        {"paid_on": (TODAY - timedelta(days=35)).isoformat(), "amount": "5000.00", "method": "bank"}), today=TODAY)
    found = rules.find_rent_overdue(session, TODAY, CONF)
    assert set(found) == {partly.id}
    assert found[partly.id]["owed"] == "3000.00" and found[partly.id]["dues"][0]["days_late"] == 40


def test_rules_rent_overdue_follows_its_setting(session):
    household, _c = _owed(session, "王建国", "lifted", TODAY - timedelta(days=10), "TZ-10")
    assert rules.find_rent_overdue(session, TODAY, CONF) == {}
    assert set(rules.find_rent_overdue(session, TODAY, {**CONF, "rent_overdue_days": 9})) == {household.id}


def _rent_paid(session, name: str, number: str, payments: dict[str, str]):
    household = make_household(session, name=name, status="lifted")
    contract = make_contract(session, household, number=number, codes=(f"P-{number}",), start_date="2025-03-01",
                             end_date="2030-02-28")
    for paid_on, amount in payments.items():
        land.record_payment(session, contract.id, PaymentIn.model_validate(
            {"paid_on": paid_on, "amount": amount, "method": "bank"}), today=TODAY)
    return household


def test_rules_income_drop_on_fixed_dates_exactly_30_percent_does_not_warn(session):
    """August to October 2026 against the same months of 2025 (income from the park: rent and wages)."""
    edge = _rent_paid(session, "刚好三成", "TZ-30", {"2025-09-10": "1000.00", "2026-09-10": "700.00"})
    over = _rent_paid(session, "多一分", "TZ-31", {"2025-09-10": "1000.00", "2026-09-10": "699.99"})
    earlier = _rent_paid(session, "月份外", "TZ-32", {"2025-07-31": "1000.00", "2026-10-31": "100.00"})
    found = rules.find_income_drop(session, TODAY, CONF)
    assert set(found) == {over.id}
    assert found[over.id] == {"months": ["2026-08", "2026-09", "2026-10"],
                              "earlier_months": ["2025-08", "2025-09", "2025-10"], "income": "699.99",
                              "earlier_income": "1000.00", "drop_percent": "30.00", "threshold_percent": "30"}
    assert edge.id not in found and earlier.id not in found
    # the same figures read through the job's single reading of the wages
    assert rules.find_income_drop(session, TODAY, CONF, rules.wages_for(session, TODAY)) == found


def test_rules_rent_schedule_read_up_to_a_day_is_the_full_schedules_start():
    """The overdue rule reads the dues only up to the last date that can be late enough; they are the full
    schedule's own (the term is not cut, so no due is prorated differently)."""
    full = rent.dues(Decimal("7.5"), Decimal("812.50"), date(2021, 5, 17), date(2031, 3, 31), "03-01", 3,
                     Decimal("4"))
    for until in (date(2021, 5, 16), date(2021, 5, 17), date(2026, 2, 28), date(2026, 3, 1), date(2031, 3, 31)):
        cut = rent.dues(Decimal("7.5"), Decimal("812.50"), date(2021, 5, 17), date(2031, 3, 31), "03-01", 3,
                        Decimal("4"), until=until)
        assert cut == [d for d in full if d.due_date <= until]
    assert len(full) == 11 and full[-1].prorated
