"""The demo park's people: about 60 workers, some from lifted households, jobs with attendance, three closed months."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from farm.models.auth import User
from farm.models.land import Household
from farm.models.people import Job, PayrollMonth, Training, Worker
from farm.services import payroll, people

TODAY = date(2026, 11, 28)


def test_demo_people(session, demo):
    workers = list(session.scalars(select(Worker)))
    assert 55 <= len(workers) <= 70
    lifted = session.scalar(select(func.count()).select_from(Worker).join(Household, Worker.household_id == Household.id)
                            .where(Household.status == "lifted"))
    assert lifted >= 5
    assert all(w.id_number and w.started_on for w in workers if w.status == "active")
    assert session.scalar(select(func.count()).select_from(Training)) >= len(workers)
    months = [m.month for m in session.scalars(select(PayrollMonth).order_by(PayrollMonth.month))]
    assert months == ["2026-08", "2026-09", "2026-10"]
    for month in months:
        pays = payroll.payroll(session, month)
        assert len(pays) >= 40
        assert all(p.total == sum(line.amount for line in p.lines) and p.total > 0 for p in pays.values())
    # September and October pay picking from the harvest history
    assert sum(p.piece_kg for p in payroll.payroll(session, "2026-10").values()) > 30_000
    demo = session.scalar(select(User).where(User.username == "worker"))
    assert people.jobs_on(session, TODAY, demo.worker_id)
    assert session.scalar(select(func.count()).select_from(Job).where(Job.day == TODAY)) > 5
