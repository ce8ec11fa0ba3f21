"""Alerts (climate outside the crop's ranges, silent sensors), the judging state behind them, and the outbox of
notifications sent about them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from farm import clock
from farm.models.auth import User
from farm.models.base import Base
from farm.models.park import Greenhouse
from farm.models.sensors import Device
from farm.vocab import AlertKind, AlertSeverity, AlertState, NotificationChannel, NotificationState

BigId = BigInteger().with_variant(Integer(), "sqlite")

class Alert(Base):
    """One alert, from its opening to its clearing; refreshed (worst value, severity) while open, never repeated.

    `open_key` is set while the alert is open and NULL once cleared: its unique index keeps at most one open alert
    per greenhouse and kind (per device for `offline`), and NULLs never collide on SQLite or PostgreSQL. The text
    is not stored: it is rendered from the kind and the values in the reader's language (services.alerts.describe).
    Climate kinds are judged per greenhouse from its crops' ranges; `offline` per device. Kind, severity and state
    are kept inside their vocabularies (farm.vocab) by CHECK constraints.
    """

    __tablename__ = "alerts"
    __table_args__ = (AlertKind.check("kind"), AlertSeverity.check("severity"), AlertState.check("state"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    greenhouse_id: Mapped[int] = mapped_column(ForeignKey("greenhouses.id"), index=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    metric: Mapped[str | None] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(10), default=AlertSeverity.WARNING.value)
    state: Mapped[str] = mapped_column(String(10), default=AlertState.OPEN.value, index=True)
    open_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    # When the condition began (first reading outside the range; for offline, when the device was last heard).
    started_at: Mapped[datetime]
    opened_at: Mapped[datetime] = mapped_column(index=True)
    refreshed_at: Mapped[datetime]
    cleared_at: Mapped[datetime | None]
    worst_value: Mapped[float | None] = mapped_column(Float)
    limit_value: Mapped[float | None] = mapped_column(Float)
    last_value: Mapped[float | None] = mapped_column(Float)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ack_note: Mapped[str] = mapped_column(Text, default="")

    greenhouse: Mapped[Greenhouse] = relationship()
    device: Mapped[Device | None] = relationship()
    acknowledged_by: Mapped[User | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.state == AlertState.OPEN


class AlertCondition(Base):
    """How far one device's readings are judged for one kind, and since when that condition has held.

    `judged_until` is the watermark (the newest reading judged); `since` the first reading of the current run outside
    the range (pending until it has held for the hold time); `active` once it has, which keeps the greenhouse's alert
    open. Kept in the same transaction as the alerts, so a run repeated or cut short doubles nothing.
    """

    __tablename__ = "alert_conditions"

    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    greenhouse_id: Mapped[int] = mapped_column(ForeignKey("greenhouses.id"), index=True)
    judged_until: Mapped[datetime]
    since: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    worst: Mapped[float | None] = mapped_column(Float)
    worst_limit: Mapped[float | None] = mapped_column(Float)


class Notification(Base):
    """One message on one channel (the outbox): kept until sent, retried a bounded number of times, never lost.

    (key, channel) is unique, so the same event (an alert opening, a day's report) is queued once per channel.
    """

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("key", "channel"), NotificationChannel.check("channel"),
                      NotificationState.check("state"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(120))
    channel: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default=NotificationState.PENDING.value, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    next_attempt_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    # Every attempt, one line each: when, and what went wrong (or "sent").
    log: Mapped[str] = mapped_column(Text, default="")
