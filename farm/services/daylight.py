"""The crops' day and night hours, once: when the day ranges start and the night ranges start (park time).

The climate alerts judge a reading against the day or the night range by these hours, and the greenhouse charts
switch their band at the same moments, so both call `hours()` and `DayHours.is_day()` from here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from farm import clock
from farm.services import settings
from farm.services.settings import SettingSpec, time_of_day

DAY_STARTS = settings.register(SettingSpec(
    "alerts.day_starts", "07:00", time_of_day, _l("Time the crops' day ranges start (park time)"), ""))
NIGHT_STARTS = settings.register(SettingSpec(
    "alerts.night_starts", "19:00", time_of_day, _l("Time the crops' night ranges start (park time)"), ""))


@dataclass(frozen=True)
class DayHours:
    """When the day starts and when the night starts, in park time; the night may run past midnight."""

    day_starts: time
    night_starts: time

    def is_day(self, moment: datetime) -> bool:
        """True when the park time of `moment` lies in [day_starts, night_starts)."""
        at = clock.local(moment).time()
        if self.day_starts <= self.night_starts:
            return self.day_starts <= at < self.night_starts
        return not (self.night_starts <= at < self.day_starts)


def hours(session: Session, on: date | None = None) -> DayHours:
    """The day hours in force on the park day `on` (today by default)."""
    return DayHours(time.fromisoformat(settings.get(session, DAY_STARTS.key, on=on)),
                    time.fromisoformat(settings.get(session, NIGHT_STARTS.key, on=on)))
