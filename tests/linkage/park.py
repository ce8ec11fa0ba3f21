"""A small park with hand-counted figures for the 联农带农 report (see `EXPECTED_2025`)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

from farm.inputs.land import PaymentIn
from farm.inputs.livelihoods import IncomeEntryIn
from farm.models.people import Assignment, Job, PayAdjustment, Worker
from farm.services import land, livelihoods, payroll
from tests.land.factories import make_contract, make_household

# The park's clock for these tests: 15 June 2026, noon in the park.
NOW = datetime(2026, 6, 15, 4, 0, tzinfo=timezone.utc)


def _worker(session, name, household=None, group="", wage="150"):
    worker = Worker(name=name, household_id=household.id if household else None, village_group=group,
                    daily_wage=Decimal(wage), phone="13900000000")
    session.add(worker)
    session.flush()
    return worker


def _present(session, worker, day, present=True, kind="packing"):
    job = Job(day=day, kind=kind, hours=Decimal(8))
    session.add(job)
    session.flush()
    session.add(Assignment(job_id=job.id, worker_id=worker.id, day=day, present=present, hours=Decimal(8)))
    session.flush()


def make_linkage_park(session) -> dict:
    """Four households in two groups and a worker in none:

    - 王建国 (一组, lifted, 4 members): 10 mu from 2024-03-01, rent paid 5,000 on 2025-03-01 and 3,000 on
      2025-08-01; two workers: 王一 (150/day) present 2025-01-10 (on two jobs), 2025-01-11, 2025-05-05;
      王二 (150/day) present 2025-02-01, absent 2025-02-02;
    - 李秀英 (一组, monitored, 3 members): no land; 李一 (120/day) present 2025-03-03 and 2025-07-07, with an
      adjustment of +30 in 2025-07;
    - 张三 (二组, none, 2 members): 5.5 mu from 2025-06-01, 3,850 paid on 2025-06-01;
    - 赵四 (二组, lifted, 5 members): a draft contract, and 赵一 present on 2024-12-31 only: not linked in 2025;
    - 孙五 (三组, 3 members): a contract ended by termination on 2024-12-31: not linked in 2025;
    - 外一 (三组, in no household, 100/day) present 2025-04-04.
    January 2025's payroll is closed. The monitoring line is 2,000 from 2024 on; 李秀英 has 6,000 of other income
    in 2025. Per capita in 2025: 王建国 (8,000 + 600) / 4 = 2,150 near; 李秀英 (270 + 6,000) / 3 = 2,090 near;
    张三 3,850 / 2 = 1,925 below. In 2024: 王建国 8,000 / 4 = 2,000 near (the line itself is near); 李秀英 and
    张三 0, below.
    """
    a = make_household(session, "王建国", "一组", "lifted", members=4)
    b = make_household(session, "李秀英", "一组", "monitored", members=3, monitor_kind="edge")
    c = make_household(session, "张三", "二组", "none", members=2)
    d = make_household(session, "赵四", "二组", "lifted", members=5)
    e = make_household(session, "孙五", "三组", "none", members=3)
    ca = make_contract(session, a, number="TZ-A", codes=("A1",), area="10", start_date="2024-03-01")
    cc = make_contract(session, c, number="TZ-C", codes=("C1",), area="5.5", start_date="2025-06-01",
                       end_date="2028-05-31", payment_month_day="06-01", rent_per_mu_year="700")
    make_contract(session, d, number="TZ-D", codes=("D1",), area="8", status="draft")
    ce = make_contract(session, e, number="TZ-E", codes=("E1",), area="3", start_date="2023-03-01",
                       end_date="2026-02-28")
    ce.status, ce.terminated_on = "terminated", date(2024, 12, 31)
    today = date(2026, 6, 15)
    for contract, day, amount in ((ca, "2025-03-01", "5000"), (ca, "2025-08-01", "3000"),
                                  (cc, "2025-06-01", "3850"), (ca, "2024-03-01", "8000")):
        land.record_payment(session, contract.id, PaymentIn.model_validate({"paid_on": day, "amount": amount}),
                            today=today)
    w1 = _worker(session, "王一", a)
    w2 = _worker(session, "王二", a)
    w3 = _worker(session, "李一", b, wage="120")
    w4 = _worker(session, "赵一", d)
    w5 = _worker(session, "外一", None, group="三组", wage="100")
    _present(session, w1, date(2025, 1, 10))
    _present(session, w1, date(2025, 1, 10), kind="cleaning")
    _present(session, w1, date(2025, 1, 11))
    _present(session, w1, date(2025, 5, 5))
    _present(session, w2, date(2025, 2, 1))
    _present(session, w2, date(2025, 2, 2), present=False)
    _present(session, w3, date(2025, 3, 3))
    _present(session, w3, date(2025, 7, 7))
    _present(session, w4, date(2024, 12, 31))
    _present(session, w5, date(2025, 4, 4))
    session.add(PayAdjustment(worker_id=w3.id, month="2025-07", amount=Decimal(30), reason="加班"))
    session.flush()
    payroll.close_month(session, "2025-01", today=today)
    livelihoods.set_line(session, 2024, Decimal(2000), today=today)
    livelihoods.add_income(session, b.id, IncomeEntryIn.model_validate(
        {"year": 2025, "kind": "business", "amount": "6000", "note": "养羊"}), today=today)
    session.commit()
    return {"households": {"a": a, "b": b, "c": c, "d": d, "e": e}, "workers": [w1, w2, w3, w4, w5]}


# Counted by hand from the park above.
EXPECTED_2025 = {
    "households": 3, "linked_by_land": 2, "linked_by_work": 2, "linked_by_both": 1, "lifted": 1, "monitored": 1,
    "members": 9, "land_mu": Decimal("15.5"), "rent_paid": Decimal("11850.00"), "workers": 4,
    "workers_from_lifted_or_monitored": 3, "worker_days": 7, "wages_paid": Decimal("970.00"),
    "household_income": Decimal("12720.00"), "income_per_household": Decimal("4240.00"),
    "income_per_capita": Decimal("1413.33"),
    "below_line": 1, "near_line": 2, "below_line_previous": 2, "near_line_previous": 1,
    "below_line_change": -1, "near_line_change": 1,
}
EXPECTED_2025_GROUPS = {
    "一组": {"households": 2, "lifted": 1, "monitored": 1, "land_mu": Decimal("10"), "rent_paid": Decimal("8000"),
            "workers": 3, "workers_from_lifted_or_monitored": 3, "worker_days": 6, "wages_paid": Decimal("870")},
    "二组": {"households": 1, "lifted": 0, "monitored": 0, "land_mu": Decimal("5.5"), "rent_paid": Decimal("3850"),
            "workers": 0, "workers_from_lifted_or_monitored": 0, "worker_days": 0, "wages_paid": Decimal("0")},
    "三组": {"households": 0, "lifted": 0, "monitored": 0, "land_mu": Decimal("0"), "rent_paid": Decimal("0"),
            "workers": 1, "workers_from_lifted_or_monitored": 0, "worker_days": 1, "wages_paid": Decimal("100")},
}
EXPECTED_2025_Q1 = {
    "households": 2, "linked_by_land": 1, "linked_by_work": 2, "linked_by_both": 1, "lifted": 1, "monitored": 1,
    "land_mu": Decimal("10"), "rent_paid": Decimal("5000"), "workers": 3, "workers_from_lifted_or_monitored": 3,
    "worker_days": 4, "wages_paid": Decimal("570"),
}
