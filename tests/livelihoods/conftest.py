"""Fixtures of the livelihoods tests: a household with two working members, rent in two instalments, a closed
month and an open month of pay, other income with a cost, and the monitoring lines; checked by hand."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from farm.inputs.land import PaymentIn
from farm.inputs.livelihoods import IncomeEntryIn
from farm.inputs.people import JobIn
from farm.models.harvest import Harvest
from farm.models.people import Worker
from farm.services import land, livelihoods, payroll, people
from tests.conftest import DEMO_NOW
from tests.factories import bearer, make_farm, token_for
from tests.land.factories import make_contract, make_household

D = Decimal
# The day the hand-checked figures are taken on.
TODAY = date(2026, 11, 28)


@dataclass
class Village:
    users: dict
    home: object  # 王建国's household, 4 members, two of them working in the park
    other: object  # 李桂兰's household, 2 members, nothing from the park
    alice: Worker
    bob: Worker
    carol: Worker  # works in the park, belongs to no household


def attend(session, day: date, workers, hours="8"):
    job = people.create_job(session, JobIn.model_validate(
        {"kind": "harvest", "greenhouse": "GH-001", "date": day.isoformat(), "workers": [w.id for w in workers],
         "hours": hours}))
    session.flush()
    people.record_attendance(session, [(a.id, True, a.hours) for a in job.assignments])


def pay_rent(session, contract, paid_on: date, amount: str, receipt: str):
    land.record_payment(session, contract.id, PaymentIn(paid_on=paid_on, amount=D(amount), receipt_no=receipt),
                        today=TODAY)


@pytest.fixture
def village(session, frozen_clock) -> Village:
    frozen_clock.set(DEMO_NOW)  # 2026-11-28, 10:00 in the park: TODAY
    park, crop, planting, users = make_farm(session, planted_on=date(2026, 1, 1))
    home = make_household(session, name="王建国")
    other = make_household(session, name="李桂兰", status="none", id_number="150303197001011234")
    other.members = 2
    workers = [Worker(name=n, daily_wage=D(w), started_on=date(2025, 1, 1), household_id=h)
               for n, w, h in (("王秀英", "150.00", home.id), ("王小军", "160.00", home.id), ("赵红", "150.00", None))]
    session.add_all(workers)
    session.flush()
    alice, bob, carol = workers
    # Rent: 10 mu × 800 = 8,000 a year due 03-01, paid 2026 in two instalments (and once in 2025).
    contract = make_contract(session, home, start_date="2025-03-01", end_date="2028-02-28")
    pay_rent(session, contract, date(2025, 3, 1), "8000", "R-2025")
    pay_rent(session, contract, date(2026, 3, 1), "5000", "R-2026-1")
    pay_rent(session, contract, date(2026, 7, 1), "3000", "R-2026-2")
    # A second lease: 2 mu × 500 = 1,000 a year due 12-15; 2026's not yet paid.
    late = make_contract(session, home, number="TZ-2025-009", codes=("P-LATE",), area="2", rent_per_mu_year="500",
                         start_date="2025-12-15", end_date="2028-12-14", payment_month_day="12-15")
    pay_rent(session, late, date(2025, 12, 15), "1000", "R-2025-L")
    # September (closed): 王秀英 2 days × 150 + 10 kg × 0.20; 王小军 1 day × 160; 赵红 1 day (no household).
    attend(session, date(2026, 9, 10), [alice, bob, carol])
    attend(session, date(2026, 9, 11), [alice])
    at = datetime(2026, 9, 10, 2, 0, tzinfo=timezone.utc)
    session.add(Harvest(greenhouse_id=park.greenhouses[0].id, planting_id=planting.id, crop_id=crop.id,
                        weight_kg=D("10"), grade="premium", harvested_at=at, day=date(2026, 9, 10),
                        worker_id=alice.id, entered_by_id=users["manager"].id))
    session.flush()
    payroll.close_month(session, "2026-09", today=TODAY)
    # October (open): 王秀英 1 day × 150 + an adjustment of 12.34; 王小军 1 day × 160.
    attend(session, date(2026, 10, 5), [alice, bob])
    payroll.add_adjustment(session, alice.id, "2026-10", D("12.34"), "奖励")
    # Other income for 2026: transfer 2,400 + business 1,000 − costs 600; 2025 has an entry too.
    for kind, amount in (("transfer", "2400"), ("business", "1000"), ("costs", "600")):
        livelihoods.add_income(session, home.id, IncomeEntryIn(year=2026, kind=kind, amount=D(amount)),
                               users["official"], today=TODAY)
    livelihoods.add_income(session, home.id, IncomeEntryIn(year=2025, kind="transfer", amount=D("999")),
                           users["official"], today=TODAY)
    for year, line in ((2020, "4000"), (2021, "6000"), (2023, "7300")):
        livelihoods.set_line(session, year, D(line), today=TODAY)
    session.commit()
    return Village(users, home, other, alice, bob, carol)


@pytest.fixture
def headers(session, village) -> dict:
    """Bearer headers per role for the village's logins."""
    return {role: bearer(token_for(session, user)) for role, user in village.users.items()}
