"""The rent schedule arithmetic, checked by hand (the figures in the comments are worked out on paper)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from types import SimpleNamespace

import pytest

from farm.services import rent


def _contract(area="10", rate="800", start=date(2024, 3, 1), end=date(2027, 2, 28), md="03-01", every=None,
              percent=None, late=None, payments=(), status="active", terminated_on=None):
    return SimpleNamespace(
        area_mu=D(area), rent_per_mu_year=D(rate), start_date=start, end_date=end, payment_month_day=md,
        escalation_every_years=every, escalation_percent=D(percent) if percent else None,
        late_fee_per_10k=D(late) if late else None, status=status, terminated_on=terminated_on,
        payments=[SimpleNamespace(paid_on=d, amount=D(a)) for d, a in payments],
    )


def test_rent_dues_full_years_on_the_payment_day():
    # 10 mu × 800 = 8,000 a year, three whole rent years from 03-01 to the last day of February.
    dues = rent.dues(D("10"), D("800"), date(2024, 3, 1), date(2027, 2, 28), "03-01")
    assert [(d.due_date, d.amount, d.days, d.year_days) for d in dues] == [
        (date(2024, 3, 1), D("8000.00"), 365, 365),
        (date(2025, 3, 1), D("8000.00"), 365, 365),
        (date(2026, 3, 1), D("8000.00"), 365, 365),
    ]


def test_rent_dues_escalation_compounds_on_anniversaries():
    # +5 % every 3 years on 800: 840 from 2023, 882 from 2026, 926.10 from 2029 (simple interest would give 920).
    dues = rent.dues(D("10"), D("800"), date(2020, 3, 1), date(2030, 2, 28), "03-01", 3, D("5"))
    assert [d.rent_per_mu for d in dues] == [D("800.00")] * 3 + [D("840.00")] * 3 + [D("882.00")] * 3 + [D("926.10")]
    assert [d.amount for d in dues][-1] == D("9261.00")
    assert sum(d.amount for d in dues) == D("24000") + D("25200") + D("26460") + D("9261")


def test_rent_dues_escalation_rounds_each_step_to_the_fen():
    # 650 × 1.035 = 672.75; 672.75 × 1.035 = 696.29625 → 696.30 (half up).
    assert rent.rent_in_force(D("650"), date(2020, 1, 1), date(2022, 1, 1), 1, D("3.5")) == D("696.30")
    assert rent.rent_in_force(D("650"), date(2020, 1, 1), date(2021, 12, 31), 1, D("3.5")) == D("672.75")


def test_rent_dues_mid_year_start_and_end_are_prorated_by_days():
    # 12.5 mu × 700 = 8,750 a year; payment day 03-01.
    # First: 2025-07-01..2026-02-28 = 243 of 365 days → 8,750 × 243 / 365 = 5,825.342… → 5,825.34, due on the start.
    # Last: 2027-03-01..2027-09-30 = 214 of 366 days (the rent year holds 29 Feb 2028) → 5,116.120… → 5,116.12.
    dues = rent.dues(D("12.5"), D("700"), date(2025, 7, 1), date(2027, 9, 30), "03-01")
    assert [(d.due_date, d.period_end, d.days, d.year_days, d.amount) for d in dues] == [
        (date(2025, 7, 1), date(2026, 2, 28), 243, 365, D("5825.34")),
        (date(2026, 3, 1), date(2027, 2, 28), 365, 365, D("8750.00")),
        (date(2027, 3, 1), date(2027, 9, 30), 214, 366, D("5116.12")),
    ]
    assert dues[0].prorated and not dues[1].prorated


def test_rent_dues_payment_day_29_february():
    # 02-29 is the 28th in common years; each rent year is still whole.
    dues = rent.dues(D("1"), D("730"), date(2024, 2, 29), date(2028, 2, 28), "02-29")
    assert [d.due_date for d in dues] == [date(2024, 2, 29), date(2025, 2, 28), date(2026, 2, 28), date(2027, 2, 28)]
    assert all(d.amount == D("730.00") for d in dues)
    assert rent.payment_day("02-29", 2028) == date(2028, 2, 29)


@pytest.mark.parametrize("text", ["3-01", "02-30", "13-01", "04-31", "aa-bb", "", "0301"])
def test_rent_parse_month_day_refuses_bad_days(text):
    with pytest.raises(ValueError):
        rent.parse_month_day(text)


def test_rent_schedule_allocates_oldest_first_with_statuses_and_late_fees():
    # Dues of 8,000 on 2024-03-01, 2025-03-01, 2026-03-01; late fee 万分之5 = 4 yuan a day on 8,000.
    contract = _contract(late="5", payments=[(date(2024, 3, 1), "8000"), (date(2025, 4, 10), "5000"),
                                             (date(2025, 6, 1), "5000")])
    plan = rent.schedule(contract, date(2026, 4, 1))
    first, second, third = plan.dues
    assert (first.status, first.paid, first.late_fee) == ("paid", D("8000"), D("0"))
    # The second due is settled by the payment of 2025-06-01: 92 days late → 368.00.
    assert (second.status, second.settled_on, second.days_late, second.late_fee) == (
        "paid", date(2025, 6, 1), 92, D("368.00"))
    # 2,000 went on to the third due, unpaid 31 days after 2026-03-01 → 124.00 so far.
    assert (third.status, third.paid, third.outstanding, third.days_late, third.late_fee) == (
        "overdue", D("2000"), D("6000.00"), 31, D("124.00"))
    assert (plan.paid, plan.overdue, plan.late_fees, plan.credit) == (D("18000"), D("6000.00"), D("492.00"), D("0"))


def test_rent_schedule_partial_before_the_due_date_and_due():
    contract = _contract(payments=[(date(2024, 3, 1), "8000"), (date(2025, 2, 1), "8000"), (date(2026, 1, 5), "1000")])
    plan = rent.schedule(contract, date(2026, 2, 1))
    assert [d.status for d in plan.dues] == ["paid", "paid", "partial"]
    plan = rent.schedule(_contract(), date(2024, 2, 1))
    assert [d.status for d in plan.dues] == ["due", "due", "due"]
    # on the due date itself it is not yet overdue
    assert rent.schedule(_contract(), date(2024, 3, 1)).dues[0].status == "due"
    assert rent.schedule(_contract(), date(2024, 3, 2)).dues[0].status == "overdue"


def test_rent_schedule_overpayment_becomes_credit():
    plan = rent.schedule(_contract(payments=[(date(2024, 3, 1), "30000")]), date(2024, 3, 1))
    assert [d.status for d in plan.dues] == ["paid"] * 3
    assert plan.credit == D("6000.00")


def test_rent_schedule_ignores_payments_after_today_and_draft_is_never_overdue():
    contract = _contract(payments=[(date(2024, 5, 1), "8000")], late="5")
    assert rent.schedule(contract, date(2024, 4, 1)).dues[0].status == "overdue"
    assert rent.schedule(contract, date(2024, 4, 1)).paid == D("0")
    draft = rent.schedule(_contract(status="draft", late="5"), date(2026, 4, 1))
    assert {d.status for d in draft.dues} == {"due"} and draft.late_fees == 0


def test_rent_schedule_termination_cuts_the_term():
    # Terminated on 2025-08-31: the second rent year runs 2025-03-01..2025-08-31 = 184 of 365 days
    # → 8,000 × 184 / 365 = 4,032.876… → 4,032.88; the third rent year is gone.
    plan = rent.schedule(_contract(status="terminated", terminated_on=date(2025, 8, 31)), date(2025, 9, 1))
    assert [d.amount for d in plan.dues] == [D("8000.00"), D("4032.88")]


@pytest.mark.parametrize("amount, words", [
    ("8000", "捌仟元整"),
    ("11616", "壹万壹仟陆佰壹拾陆元整"),
    ("5825.34", "伍仟捌佰贰拾伍元叁角肆分"),
    ("1002.05", "壹仟零贰元零伍分"),
    ("100500", "壹拾万零伍佰元整"),
    ("100000005", "壹亿零伍元整"),
    ("0.5", "零元伍角整"),
    ("0", "零元整"),
])
def test_rent_yuan_in_words(amount, words):
    assert rent.yuan_in_words(D(amount)) == words
