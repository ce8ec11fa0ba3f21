"""Sensor devices, their readings, the latest value per greenhouse and metric, rejects and the ingest heartbeat."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, ForeignKeyConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from farm import clock
from farm.models.base import Base
from farm.models.park import Greenhouse
from farm.vocab import Metric, RejectReason

# SQLite only auto-numbers an INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Device(Base):
    """A sensor device, registered on its first message under a known greenhouse; codes are unique in the park."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    greenhouse_id: Mapped[int] = mapped_column(ForeignKey("greenhouses.id"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    online: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    status_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    message_count: Mapped[int] = mapped_column(BigInteger, default=0)
    reject_count: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    greenhouse: Mapped[Greenhouse] = relationship()


class DeviceMove(Base):
    """A device taken from one greenhouse to another. Its readings and rollups keep the greenhouse they were taken
    in; this record tells the old greenhouse's charts and reports that the device's earlier history is theirs."""

    __tablename__ = "device_moves"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), index=True)
    from_greenhouse_id: Mapped[int] = mapped_column(ForeignKey("greenhouses.id", ondelete="CASCADE"), index=True)
    to_greenhouse_id: Mapped[int] = mapped_column(ForeignKey("greenhouses.id", ondelete="CASCADE"))
    moved_at: Mapped[datetime]


class Reading(Base):
    """One stored value; (device, metric, ts) is the key, so a reading delivered twice is kept once.

    The key is the only B-tree (queries name the devices, see services.readings): each insert updates one, and on
    SQLite the table is WITHOUT ROWID, so the key is the table. PostgreSQL also keeps a BRIN index on the time (a few
    pages for a year, as the readings arrive in time order): the rollup job reads the park's newest hour through it.
    """

    __tablename__ = "readings"
    # No CHECK on the metric (the ingest only stores payloads.METRICS, which equal vocab.Metric): adding one to this
    # table later means a SQLite batch rebuild of a year of readings, minutes of downtime at the upgrade.
    # The foreign keys only on SQLite: PostgreSQL checks one with a trigger per inserted row, which cost the ingest
    # more than the rest of the insert. There the greenhouse's is gone (it guarded nothing the device's does not:
    # migration 1701) and the device's is done once a statement by triggers (the same refusal, lock and cascade:
    # migration 1702).
    __table_args__ = (Index("ix_readings_ts_brin", "ts", postgresql_using="brin").ddl_if(dialect="postgresql"),
                      ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="CASCADE").ddl_if(dialect="sqlite"),
                      ForeignKeyConstraint(["greenhouse_id"], ["greenhouses.id"]).ddl_if(dialect="sqlite"),
                      {"sqlite_with_rowid": False})

    device_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    metric: Mapped[str] = mapped_column(String(20), primary_key=True)
    ts: Mapped[datetime] = mapped_column(primary_key=True)
    greenhouse_id: Mapped[int] = mapped_column(Integer)  # the greenhouse the reading was taken in
    value: Mapped[float] = mapped_column(Float)


class LatestReading(Base):
    """The newest value of each metric in each greenhouse, kept current by the ingest so pages never scan readings."""

    __tablename__ = "latest_readings"
    __table_args__ = (Metric.check("metric"),)

    greenhouse_id: Mapped[int] = mapped_column(ForeignKey("greenhouses.id", ondelete="CASCADE"), primary_key=True)
    metric: Mapped[str] = mapped_column(String(20), primary_key=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
    value: Mapped[float] = mapped_column(Float)
    ts: Mapped[datetime]


class IngestReject(Base):
    """A message (or part of one) the ingest could not store, kept with its topic, payload and reason."""

    __tablename__ = "ingest_rejects"
    __table_args__ = (RejectReason.check("reason"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(index=True)
    topic: Mapped[str] = mapped_column(String(300))
    payload: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(String(300), default="")
    device_code: Mapped[str | None] = mapped_column(String(40))


class IngestHeartbeat(Base):
    """One row per running ingest client, touched every few seconds; /healthz reads it."""

    __tablename__ = "ingest_heartbeats"

    client_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    started_at: Mapped[datetime]
    beat_at: Mapped[datetime]
    stored: Mapped[int] = mapped_column(BigInteger, default=0)
    rejected: Mapped[int] = mapped_column(BigInteger, default=0)
    queued: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
