"""Early warning against a return to poverty (防止返贫预警): a warning about a household, and what was done about it.

A warning is opened by the daily job (farm.services.warnings) with the figures that triggered it, followed up by
the village official (帮扶措施) and closed by a person with a reason (风险消除); the job never closes one itself, it
only records whether the condition still holds.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from farm import clock
from farm.models.auth import User
from farm.models.base import Base
from farm.models.land import Household
from farm.vocab import FollowUpMeasure, WarningKind, WarningState

# The states in which a warning is still being dealt with: at most one such warning per household and kind.
OPEN_STATES = (WarningState.OPEN.value, WarningState.FOLLOWING.value)
OPEN_WHERE = text("state IN ('open', 'following')")


class Warning(Base):  # noqa: A001 - the domain's word; never imported bare next to the builtin
    """One warning about a household, from its opening to its closing.

    `figures` holds what triggered it (amounts as strings of yuan with two decimals, days, months); `reason` is the
    text written at the opening in the park's language (what was notified). `condition_holds` and `checked_at` are
    the job's last look: whether the condition that opened it still held then. A partial unique index keeps at most
    one open or followed-up warning per household and kind, on SQLite and PostgreSQL alike.
    """

    __tablename__ = "warnings"
    __table_args__ = (
        WarningKind.check("kind"),
        WarningState.check("state"),
        Index("uq_warnings_open_household_kind", "household_id", "kind", unique=True,
              sqlite_where=OPEN_WHERE, postgresql_where=OPEN_WHERE),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(10), default=WarningState.OPEN.value, index=True)
    opened_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    figures: Mapped[dict] = mapped_column(JSON, default=dict)
    condition_holds: Mapped[bool] = mapped_column(Boolean, default=True)
    checked_at: Mapped[datetime] = mapped_column(default=clock.now)
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    close_reason: Mapped[str] = mapped_column(Text, default="")

    household: Mapped[Household] = relationship()
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    follow_ups: Mapped[list["FollowUp"]] = relationship(
        back_populates="warning", order_by="(FollowUp.at, FollowUp.id)", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class FollowUp(Base):
    """A measure taken for a warned household (帮扶措施), with a note, by whom and when."""

    __tablename__ = "warning_follow_ups"
    __table_args__ = (FollowUpMeasure.check("measure"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id", ondelete="CASCADE"), index=True)
    measure: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=clock.now)

    warning: Mapped[Warning] = relationship(back_populates="follow_ups")
    by: Mapped[User | None] = relationship()
