"""The scheduler's lease (only one scheduler runs jobs at a time) and the log of job runs."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from farm.models.base import Base
from farm.vocab import JobOutcome

BigId = BigInteger().with_variant(Integer(), "sqlite")


class SchedulerLease(Base):
    """One row per lease name: who holds it and until when; the holder renews it, others wait for it to expire."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    acquired_at: Mapped[datetime]
    renewed_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class JobRun(Base):
    """One run of a scheduled job: when it started and ended, and how it went (a JobOutcome)."""

    __tablename__ = "job_runs"
    __table_args__ = (JobOutcome.check("outcome"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    job: Mapped[str] = mapped_column(String(40), index=True)
    holder: Mapped[str] = mapped_column(String(100), default="")
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(20), default=JobOutcome.RUNNING.value)
    error: Mapped[str] = mapped_column(Text, default="")
