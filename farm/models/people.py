"""People who work in the park: workers, their training, the day's jobs with attendance, and pay."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from farm import clock
from farm.models.base import Base, Money, Weight
from farm.vocab import Grade, JobKind, PayLineKind, RateKind, WorkerStatus

if TYPE_CHECKING:
    from farm.models.park import Greenhouse

def Hours() -> Numeric:  # noqa: N802 - reads like a type
    """Hours to the hundredth."""
    return Numeric(5, 2, asdecimal=True)


class Worker(Base):
    """A worker; a `worker` login belongs to exactly one of these."""

    __tablename__ = "workers"
    __table_args__ = (WorkerStatus.check("status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(40), default="")
    village_group: Mapped[str] = mapped_column(String(60), default="")
    status: Mapped[str] = mapped_column(String(20), default=WorkerStatus.ACTIVE.value)
    daily_wage: Mapped[Decimal | None] = mapped_column(Money())
    started_on: Mapped[date | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    id_number: Mapped[str] = mapped_column(String(40), default="")
    skills: Mapped[str] = mapped_column(String(200), default="")
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)

    trainings: Mapped[list["Training"]] = relationship(
        back_populates="worker", order_by="Training.taken_on", cascade="all, delete-orphan"
    )


class Training(Base):
    """A course the park gave a worker (the park trains villagers before hiring them)."""

    __tablename__ = "trainings"

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"), index=True)
    course: Mapped[str] = mapped_column(String(200))
    taken_on: Mapped[date]
    result: Mapped[str] = mapped_column(String(100), default="")

    worker: Mapped[Worker] = relationship(back_populates="trainings")


class Job(Base):
    """One job on a day's board: a kind of work in a greenhouse (none = the packing shed)."""

    __tablename__ = "jobs"
    __table_args__ = (JobKind.check("kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(20))
    greenhouse_id: Mapped[int | None] = mapped_column(ForeignKey("greenhouses.id"))
    hours: Mapped[Decimal] = mapped_column(Hours())
    note: Mapped[str] = mapped_column(Text, default="")
    done_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    greenhouse: Mapped["Greenhouse | None"] = relationship()
    assignments: Mapped[list["Assignment"]] = relationship(
        back_populates="job", cascade="all, delete-orphan", order_by="Assignment.id"
    )


class Assignment(Base):
    """A worker on a job; `present` and `hours` are the attendance (unrecorded until a manager enters it)."""

    __tablename__ = "job_assignments"
    __table_args__ = (UniqueConstraint("job_id", "worker_id"), Index("ix_job_assignments_worker_day", "worker_id", "day"))

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id"))
    # The job's day, kept here so the 24-hour rule and payroll read one table.
    day: Mapped[date]
    present: Mapped[bool | None] = mapped_column(Boolean)
    hours: Mapped[Decimal] = mapped_column(Hours())

    job: Mapped[Job] = relationship(back_populates="assignments")
    worker: Mapped[Worker] = relationship()


class PayRate(Base):
    """A pay rate from a date on: a worker's daily wage, a piece rate per crop and grade, or the crate rate."""

    __tablename__ = "pay_rates"
    __table_args__ = (Index("ix_pay_rates_kind_from", "kind", "valid_from"), RateKind.check("kind"),
                      Grade.check("grade", nullable=True))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"))
    crop_id: Mapped[int | None] = mapped_column(ForeignKey("crops.id"))
    grade: Mapped[str | None] = mapped_column(String(10))
    valid_from: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 4, asdecimal=True))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class PayrollMonth(Base):
    """A closed payroll month; its lines are stored so that it never changes afterwards."""

    __tablename__ = "payroll_months"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), unique=True)
    closed_at: Mapped[datetime] = mapped_column(default=clock.now)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    lines: Mapped[list["PayrollLine"]] = relationship(
        back_populates="payroll", cascade="all, delete-orphan", order_by="PayrollLine.id"
    )


class PayrollLine(Base):
    """One line of a closed month's pay for a worker, exactly as it was paid."""

    __tablename__ = "payroll_lines"
    # A closed month's pay summed per worker from the index alone (payroll.totals; migration 1601).
    __table_args__ = (PayLineKind.check("kind"), Grade.check("grade", nullable=True),
                      Index("ix_payroll_lines_worker_payroll_amount", "worker_id", "payroll_id", "amount"))

    id: Mapped[int] = mapped_column(primary_key=True)
    payroll_id: Mapped[int] = mapped_column(ForeignKey("payroll_months.id", ondelete="CASCADE"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id"))
    kind: Mapped[str] = mapped_column(String(12))
    crop_id: Mapped[int | None] = mapped_column(ForeignKey("crops.id"))
    grade: Mapped[str | None] = mapped_column(String(10))
    quantity: Mapped[Decimal] = mapped_column(Weight())
    rate: Mapped[Decimal] = mapped_column(Numeric(12, 4, asdecimal=True))
    amount: Mapped[Decimal] = mapped_column(Money())
    days: Mapped[int] = mapped_column(default=0)
    hours: Mapped[Decimal] = mapped_column(Numeric(7, 2, asdecimal=True), default=Decimal(0))
    note: Mapped[str] = mapped_column(Text, default="")

    payroll: Mapped[PayrollMonth] = relationship(back_populates="lines")


class PayAdjustment(Base):
    """A correction or extra paid with a month's payroll (may be negative), always with its reason."""

    __tablename__ = "pay_adjustments"

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id"), index=True)
    month: Mapped[str] = mapped_column(String(7), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
