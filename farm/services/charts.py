"""The greenhouse page's charts: the window of each range (24 hours, 7 days, 90 days), the time axis' ticks, the
crops' day hours and ranges drawn as bands, and every metric's series from the rolled-up readings."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from farm import clock
from farm.errors import Invalid
from farm.models.park import Greenhouse
from farm.services import daylight
from farm.services.readings import RESOLUTIONS, greenhouse_devices, period_start, rolled_points
from farm.services.rollups import day_start, hour_start, next_day_start
from farm.vocab import Metric

# The greenhouse page's ranges: (resolution, number of periods shown).
CHART_RANGES = {"24h": ("5m", 288), "7d": ("1h", 168), "90d": ("1d", 90)}
# Crop fields drawn as bands on each metric's chart: (kind, low field, high field).
CHART_BANDS = {
    "temperature": (("day", "day_temp_min", "day_temp_max"), ("night", "night_temp_min", "night_temp_max")),
    "humidity": (("range", "humidity_min", "humidity_max"),),
    "soil_temperature": (("range", "soil_temp_min", "soil_temp_max"),),
    "co2": (("range", "co2_min", "co2_max"),),
}


def _ms(ts: datetime) -> int:
    return int(ts.timestamp() * 1000)


def metric_labels() -> dict[str, str]:
    """{metric: its label in the current language}, from the vocabulary (for the charts' captions)."""
    return {m.value: m.label for m in Metric}


def chart_window(range_key: str, now: datetime) -> tuple[str, datetime, datetime]:
    """(resolution, start, end) of a chart range: whole periods, the newest being the one now runs in."""
    if range_key not in CHART_RANGES:
        raise Invalid(_l("Unknown range."), {"range": _l("Choose 24h, 7d or 90d.")})
    resolution, periods = CHART_RANGES[range_key]
    current = period_start(resolution, now)
    if resolution == "1d":
        end = next_day_start(current)
        first = clock.park_day(current) - timedelta(days=periods - 1)
        # Noon of the first day, so a day that is not 24 hours long (DST) still finds its own midnight.
        start = day_start(clock.at_local(first) + timedelta(hours=12))
        return resolution, start, end
    step = timedelta(seconds=RESOLUTIONS[resolution])
    end = current + step
    return resolution, end - periods * step, end


def chart_ticks(resolution: str, start: datetime, end: datetime) -> list[int]:
    """Where the time axis is labelled (epoch ms): every third park hour for a day, park midnights for a week,
    the 1st and 15th of the month for 90 days."""
    ticks = []
    if resolution == "5m":
        cursor = hour_start(start)
        while cursor <= end:
            if cursor >= start and clock.local(cursor).hour % 3 == 0:
                ticks.append(_ms(cursor))
            cursor += timedelta(hours=1)
        return ticks
    cursor = day_start(start)
    while cursor <= end:
        if cursor >= start and (resolution == "1h" or clock.local(cursor).day in (1, 15)):
            ticks.append(_ms(cursor))
        cursor = next_day_start(cursor)
    return ticks


def day_windows(session: Session, start: datetime, end: datetime) -> list[list[int]] | None:
    """[[from ms, to ms]] of the crops' day hours within [start, end), so the chart's temperature band switches
    between the day and the night range when the climate alerts do (both read services.daylight, each day with the
    hours in force that day)."""
    windows = []
    day = clock.park_day(start) - timedelta(days=1)
    while True:
        hours = daylight.hours(session, on=day)
        morning, evening = hours.day_starts, hours.night_starts
        begin = clock.at_local(day, morning)
        finish = clock.at_local(day + timedelta(days=1 if evening <= morning else 0), evening)
        if begin >= end:
            return windows
        begin, finish = max(begin, start), min(finish, end)
        if begin < finish:
            windows.append([_ms(begin), _ms(finish)])
        day += timedelta(days=1)


def chart_data(session: Session, greenhouse: Greenhouse, range_key: str, now: datetime | None = None) -> dict:
    """Every metric of a greenhouse over one chart range, as compact series for the page's charts:
    {"range", "resolution", "from", "to", "ticks", "day" (day-hour windows, or None where a point spans a whole
    day), "series": {metric: [[ts ms, min, mean, max], ...]}}."""
    resolution, start, end = chart_window(range_key, now or clock.now())
    points = rolled_points(session, greenhouse.id, greenhouse_devices(session, greenhouse.id), list(Metric.values()),
                           resolution, start, end)
    return {"range": range_key, "resolution": resolution, "from": _ms(start), "to": _ms(end),
            "ticks": chart_ticks(resolution, start, end),
            "day": day_windows(session, start, end) if resolution != "1d" else None,
            "series": {metric: [[epoch * 1000, low, mean, high] for epoch, low, mean, high, _n in pts]
                       for metric, pts in points.items()}}


def chart_bands(crop) -> dict[str, list[dict]]:
    """{metric: [{"kind": day|night|range, "lo", "hi"}]}: the crop's ranges to draw on the charts."""
    if crop is None:
        return {}
    out: dict[str, list[dict]] = {}
    for metric, bands in CHART_BANDS.items():
        for kind, low, high in bands:
            lo, hi = getattr(crop, low), getattr(crop, high)
            if lo is not None and hi is not None:
                out.setdefault(metric, []).append({"kind": kind, "lo": float(lo), "hi": float(hi)})
    return out
