"""The demo park's 联农带农: 韩美兰 in a household, the categories, and a full report for last year that agrees with
the rent and pay ledgers to the fen."""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import func, select

from farm.demo import DEMO_LOGINS
from farm.models.land import Household, RentPayment
from farm.models.people import Assignment, Job, Worker
from farm.services import linkage, livelihoods
from tests.conftest import DEMO_NOW, login

TODAY = date(2026, 11, 28)


def test_demo_packer_belongs_to_a_household(session, demo):
    packer = session.scalar(select(Worker).where(Worker.name == "韩美兰"))
    assert packer is not None and packer.household_id is not None and "打包装箱" in packer.skills
    packing = session.scalar(select(func.count()).select_from(Assignment).join(Job, Job.id == Assignment.job_id)
                             .where(Assignment.worker_id == packer.id, Job.kind == "packing",
                                    Assignment.present.is_(True)))
    assert packing > 20


def test_demo_households_categories_and_workers(session, demo):
    statuses = dict(session.execute(select(Household.status, func.count()).group_by(Household.status)).all())
    total = sum(statuses.values())
    assert total == 30
    assert 8 <= statuses.get("lifted", 0) <= 12 and 2 <= statuses.get("monitored", 0) <= 3
    linked = session.scalar(select(func.count(func.distinct(Worker.household_id))).where(
        Worker.household_id.is_not(None)))
    assert linked >= 10


def test_demo_last_years_report_is_full_and_agrees_with_the_ledgers(session, demo):
    result = linkage.report(session, 2025, today=TODAY)
    t = result.totals
    assert t.households >= 25 and t.linked_by_both >= 10 and t.lifted >= 8 and t.monitored >= 2
    assert t.land_mu > 800 and t.workers >= 10 and t.worker_days > 1000 and t.wages_paid > 100_000
    assert t.workers_from_lifted_or_monitored >= 3 and t.below_line + t.near_line >= 3
    rent = session.scalar(select(func.sum(RentPayment.amount)).where(RentPayment.paid_on >= date(2025, 1, 1),
                                                                     RentPayment.paid_on < date(2026, 1, 1)))
    assert t.rent_paid == Decimal(rent).quantize(Decimal("0.01"))
    incomes = livelihoods.year_incomes(session, 2025, TODAY)
    assert sum(line.figures.wages_paid for line in result.households) == sum(i.wages for i in incomes.values())
    assert sum(line.figures.rent_paid for line in result.households) == sum(i.rent for i in incomes.values())
    summed = linkage.Figures()
    for group in result.groups:
        summed.add(group.figures)
    assert summed == t
    for q in (1, 2, 3, 4):
        assert linkage.report(session, 2025, q, today=TODAY).totals.households <= t.households


def test_demo_official_downloads_last_years_report(client, demo):
    assert DEMO_NOW.year == 2026
    password = next(p for name, _role, p in DEMO_LOGINS if name == "official")
    assert login(client, "official", password).headers["Location"].endswith("/livelihoods")
    response = client.get("/reports/linkage/export?year=2025")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.get_data()))
    assert len(book.worksheets) == 2 and book.worksheets[1].max_row >= 27
