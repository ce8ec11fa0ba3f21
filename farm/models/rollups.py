"""Summaries of the readings per device, metric and period (5 minutes, an hour, a park day), kept for ever."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from farm.models.base import Base


class ReadingRollup(Base):
    """Min, mean, max and count of one device's metric over one period; the key makes each period written once.

    No foreign keys: rollups outlive raw readings, and the table sits on the scheduler's migration branch. No CHECK
    on the metric or resolution either: the table grows with every period for ever, and adding one later would be a
    SQLite batch rebuild of all of it (minutes at the upgrade); the rollup job writes only vocab.Metric's values.
    """

    __tablename__ = "reading_rollups"
    # SQLite: each series' hours and park days side by side with their figures, so a chart over days reads a few
    # pages whatever the history (migration 1521); the queries name the resolution as a literal to match them.
    __table_args__ = tuple(
        Index(f"ix_reading_rollups_{name}", "device_id", "metric", "resolution", "period_start", "greenhouse_id",
              "min", "max", "mean", "count", sqlite_where=text(f"resolution = '{resolution}'")).ddl_if(dialect="sqlite")
        for name, resolution in (("hours", "1h"), ("days", "1d")))

    device_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    metric: Mapped[str] = mapped_column(String(20), primary_key=True)
    resolution: Mapped[str] = mapped_column(String(4), primary_key=True)  # 5m, 1h, 1d
    period_start: Mapped[datetime] = mapped_column(primary_key=True)
    greenhouse_id: Mapped[int] = mapped_column(Integer)
    min: Mapped[float] = mapped_column(Float)
    max: Mapped[float] = mapped_column(Float)
    mean: Mapped[float] = mapped_column(Float)
    count: Mapped[int] = mapped_column(Integer)


class RollupMark(Base):
    """How far the rollups are done: the end of the newest complete 5-minute period folded."""

    __tablename__ = "rollup_marks"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    done_until: Mapped[datetime]


class RollupBacklog(Base):
    """A device that delivered readings older than the rollups' look-back: the oldest such time, for the job.

    The ingest writes it only for late readings (a device sending its buffer after a long outage), so the hot path
    stays one comparison per reading; `noted_at` changes on every note, so the job removes only what it folded.
    """

    __tablename__ = "rollup_backlog"

    device_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    since: Mapped[datetime]
    noted_at: Mapped[datetime]
