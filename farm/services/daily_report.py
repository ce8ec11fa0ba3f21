"""The daily park report: how a park day went (harvest against target, climate, alerts, rent, contracts), kept as
a snapshot per day, made by the scheduler at `report.daily_time`, listed in an archive and exported to Excel (the
sheets are chosen here, written by farm.services.workbook). The land reminders' job is farm.services.land_reminders.

The snapshot is plain JSON so a past day's report reads the same after plantings, settings or contracts change:

    {"version": 1, "day": "2026-11-28",
     "harvest": {"total_kg": "1234.500", "count": 12, "target_kg": "1500", "percent": 82,
                 "by_crop": [{"code", "name_zh", "name_en", "color", "weight_kg", "count"}],
                 "by_greenhouse": [{"code", "crop", "name_zh", "name_en", "weight_kg"}]},
     "climate": [{"greenhouse", "name", "crop": {"code", "name_zh", "name_en"} | null,
                  "ranges": {"day": [lo, hi], "night": [lo, hi], "humidity": [lo, hi]},
                  "temperature": {"min", "max", "minutes", "minutes_below", "minutes_above", "minutes_outside"} | null,
                  "humidity": {...} | null}],
     "day_starts": "07:00", "night_starts": "19:00", "ramp_minutes": 120,
     "alerts": [{"id", "greenhouse", "kind", "metric", "severity", "opened_at", "cleared_at", "worst_value",
                 "limit_value", "message"}],
     "rent_overdue": [{"contract_id", "contract_number", "household", "due_on", "amount", "days"}],
     "rent_due": [...], "contracts_ending": [{"contract_id", "contract_number", "household", "end_on", "days"}],
     "due_days": 30, "ending_days": 180}

Weights (to the gram) and money (to the fen) are strings, rounded halves up by farm.units like pay and rent;
climate figures are numbers, texts in the park's language. The report holds no ID or phone numbers. Climate
comes from the 5-minute rollups (the hourly ones where a day has no 5-minute rollups), never from raw readings,
read for the whole park in one query per resolution (a dense park's day is some 180,000 rollups),
and is judged by the alerts' own limits (farm.services.alerts.Ranges: the day and night hours, the ramp after each
switch): a period counts as below the range when its minimum is, above when its maximum is. A greenhouse's crops
on the day are its plantings active on it (farm.services.plantings.active_plantings).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, union
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from farm import clock, units
from farm.errors import Invalid, NotFound
from farm.i18n import number
from farm.models.crops import Planting
from farm.models.daily_reports import DailyReport
from farm.models.park import Greenhouse
from farm.models.rollups import ReadingRollup
from farm.models.sensors import Device, DeviceMove
from farm.park_language import park_language
from farm.services import alerts, harvest, land, notify, plantings, settings, workbook
from farm.services.devices import devices_by_greenhouse
from farm.services.settings import SettingSpec, time_of_day
from farm.vocab import AlertKind, Metric, ReminderKind, label

VERSION = 1
CATCH_UP_DAYS = 7
PAGE_SIZE = 30
CLIMATE_METRICS = (Metric.TEMPERATURE, Metric.HUMIDITY)
RESOLUTIONS = (("5m", timedelta(minutes=5)), ("1h", timedelta(hours=1)))
HOURS_DIGITS = 2  # climate hours in the Excel export


def parse_on_off(text) -> int:
    """1 (on) or 0 (off), from 1/0, on/off, yes/no, true/false."""
    value = str(text).strip().lower()
    if value in ("1", "on", "yes", "true"):
        return 1
    if value in ("0", "off", "no", "false"):
        return 0
    msg = _l("Enter 1 (on) or 0 (off).")
    raise Invalid(msg, {"value": msg})


DAILY_TIME = settings.register(SettingSpec(
    "report.daily_time", "20:00", time_of_day, _l("Time the daily park report is made (HH:MM, park time)")))
SEND = settings.register(SettingSpec(
    "report.send", 0, parse_on_off, _l("Send the daily report through the notifications (1 on, 0 off)"),
    minimum=Decimal(0)))


def _clock_time(value) -> time:
    return time.fromisoformat(time_of_day(value))


# --- the report's sections -------------------------------------------------------------------------

def _money(value) -> str | None:
    """An amount as text to the fen, halves up (farm.units.fen, as pay and rent)."""
    return None if value is None else units.yuan_text(value)


def _weight(value) -> str:
    """A weight as text to the gram, halves up (farm.units.kg)."""
    return str(units.kg(value))


def _harvest(session: Session, day: date) -> dict:
    """The day's harvest against the park's daily target (harvest.daily_target_kg), by crop and greenhouse."""
    summary = harvest.day_summary(session, day)
    return {
        "total_kg": _weight(summary.total_kg), "count": summary.count, "target_kg": str(summary.target_kg),
        "percent": summary.percent,
        "by_crop": [{**row, "weight_kg": _weight(row["weight_kg"])} for row in summary.by_crop],
        "by_greenhouse": [{**row, "weight_kg": _weight(row["weight_kg"])} for row in summary.by_greenhouse],
    }


def _periods(session: Session, devices: dict[int, list[int]], start: datetime, end: datetime) -> tuple[dict, dict]:
    """{(greenhouse id, metric): [(period start, min, max)]} over each greenhouse's devices (`devices`, as
    farm.services.devices.devices_by_greenhouse gives them), at the finest resolution each has that day, and
    {(greenhouse id, metric): period length}.

    Set-based: one query per resolution for the whole park, the database folding the devices of a greenhouse per
    period; a coarser resolution is read only for the greenhouses a finer one left without a metric (usually none).
    A device's rollups count for the greenhouse they were taken in when the device is there now or was moved
    away from it (the same pairs). The device ids, named in the query, let both databases read through the rollups'
    key rather than scan the table."""
    pairs = union(select(Device.greenhouse_id.label("gh"), Device.id.label("device")),
                  select(DeviceMove.from_greenhouse_id, DeviceMove.device_id)).subquery()
    r = ReadingRollup
    periods: dict[tuple[int, str], list] = {}
    lengths: dict[tuple[int, str], timedelta] = {}
    for resolution, length in RESOLUTIONS:
        wanting = [gh for gh in devices if any((gh, metric) not in periods for metric in CLIMATE_METRICS)]
        if not wanting:
            break
        device_ids = sorted({d for gh in wanting for d in devices[gh]})
        rows = session.execute(
            select(r.greenhouse_id, r.metric, r.period_start, func.min(r.min), func.max(r.max))
            .join(pairs, (pairs.c.device == r.device_id) & (pairs.c.gh == r.greenhouse_id))
            .where(r.device_id.in_(device_ids), r.metric.in_(CLIMATE_METRICS), r.resolution == resolution,
                   r.period_start >= start, r.period_start < end)
            .group_by(r.greenhouse_id, r.metric, r.period_start)
            .order_by(r.greenhouse_id, r.metric, r.period_start))
        found: dict[tuple[int, str], list] = {}
        for greenhouse_id, metric, period_start, low, high in rows:
            found.setdefault((greenhouse_id, metric), []).append((period_start, low, high))
        for key, items in found.items():
            if key not in periods:  # a finer resolution had none that day
                periods[key], lengths[key] = items, length
    return periods, lengths


def _judge(rows, length: timedelta, ranges: alerts.Ranges, low_kind: str, high_kind: str,
           limits: dict | None = None) -> dict:
    """Min, max, and the minutes of periods whose minimum lies below, or maximum above, the limit the alerts
    would apply at the period's start (day or night range, with the alerts' ramp after each switch). `limits`
    keeps the limits found, for greenhouses judged by the same ranges."""
    minutes = int(length.total_seconds() // 60)
    out = {"min": round(min(r[1] for r in rows), 2), "max": round(max(r[2] for r in rows), 2),
           "minutes": minutes * len(rows), "minutes_below": 0, "minutes_above": 0, "minutes_outside": 0}
    # The limits found so far for these ranges (looked up once here: a tuple of them is slow to hash per period).
    found = {} if limits is None else limits.setdefault(tuple(sorted(ranges.limits.items())), {})
    for start, low, high in rows:
        below = _beyond(ranges, low_kind, low, start, found)
        above = _beyond(ranges, high_kind, high, start, found)
        out["minutes_below"] += minutes if below else 0
        out["minutes_above"] += minutes if above else 0
        out["minutes_outside"] += minutes if below or above else 0
    return out


def _beyond(ranges: alerts.Ranges, kind: str, value: float, at: datetime, found: dict) -> bool:
    key = (kind, at)
    if key not in found:
        found[key] = ranges.limit(kind, at)
    limit = found[key]
    return limit is not None and alerts.outside(alerts.KINDS[kind], value, limit)


# Which alert kinds judge each metric of the report: (too low, too high).
JUDGED_BY = {Metric.TEMPERATURE: (AlertKind.COLD, AlertKind.HOT),
             Metric.HUMIDITY: (AlertKind.HUMIDITY_LOW, AlertKind.HUMIDITY_HIGH)}


def _climate(session: Session, day: date, start: datetime, end: datetime, config: dict) -> list[dict]:
    """Each greenhouse with sensors: the day's air temperature and humidity against its crops' ranges, judged by
    the alerts' own rule (farm.services.alerts.Ranges: the strictest of the crops planted, day and night hours)."""
    devices = devices_by_greenhouse(session)  # a device moved away keeps its day in the greenhouse it was in
    if not devices:
        return []
    periods, lengths = _periods(session, devices, start, end)
    judged: dict = {}  # the limits at each period, shared by the greenhouses judged by the same ranges
    houses = session.scalars(select(Greenhouse).where(Greenhouse.id.in_(list(devices)))
                             .options(selectinload(Greenhouse.plantings).selectinload(Planting.crop))
                             .order_by(Greenhouse.code)).all()
    out = []
    for house in houses:
        on_day = plantings.active_plantings(house, day)
        crop = on_day[0].crop if on_day else None
        ranges = alerts.Ranges.of([p.crop for p in on_day], config)
        limits = ranges.limits
        row = {"greenhouse": house.code, "name": house.name,
               "crop": {"code": crop.code, "name_zh": crop.name_zh, "name_en": crop.name_en} if crop else None,
               "ranges": {"day": [limits["day_temp_min"], limits["day_temp_max"]],
                          "night": [limits["night_temp_min"], limits["night_temp_max"]],
                          "humidity": [limits["humidity_min"], limits["humidity_max"]]}}
        for metric in CLIMATE_METRICS:
            rows = periods.get((house.id, metric))
            row[metric] = _judge(rows, lengths[(house.id, metric)], ranges, *JUDGED_BY[metric], judged) if rows \
                else None
        out.append(row)
    return out


def day_alerts(session: Session, start: datetime, end: datetime) -> list[dict]:
    """The alerts open at any time in [start, end), their text in the park's language (a snapshot's words)."""
    items = []
    with park_language():
        for alert in alerts.alerts_between(session, start, end):
            items.append({
                "id": alert.id, "greenhouse": alert.greenhouse.code, "kind": alert.kind, "metric": alert.metric,
                "severity": alert.severity, "opened_at": alert.opened_at.isoformat(),
                "cleared_at": alert.cleared_at.isoformat() if alert.cleared_at else None,
                "worst_value": alert.worst_value, "limit_value": alert.limit_value,
                "message": alerts.describe(alert),
            })
    return items


def _land(session: Session, day: date) -> dict:
    """Rent overdue and due within the reminder window, and contracts ending soon, as of the day (one rule:
    farm.services.land.reminders)."""
    out: dict = {"rent_overdue": [], "rent_due": [], "contracts_ending": [],
                 "due_days": settings.get(session, "land.remind_due_days", on=day),
                 "ending_days": settings.get(session, "land.remind_ending_days", on=day)}
    for r in land.reminders(session, day):
        base = {"contract_id": r.contract_id, "contract_number": r.contract_number, "household": r.household_name,
                "days": r.days}
        if r.kind in (ReminderKind.RENT_OVERDUE, ReminderKind.RENT_DUE):
            out[r.kind].append({**base, "due_on": r.on.isoformat(), "amount": _money(r.amount)})
        elif r.kind == ReminderKind.CONTRACT_ENDING:
            out["contracts_ending"].append({**base, "end_on": r.on.isoformat()})
    return out


def build(session: Session, day: date) -> dict:
    """The snapshot of one park day as it stands now (see the module's docstring for its shape)."""
    start, end = clock.day_bounds(day)
    # The alerts' settings (day and night hours, ramp) in force on that day.
    config = alerts.judging_config(session, start + timedelta(hours=12))
    data = {"version": VERSION, "day": day.isoformat(), "harvest": _harvest(session, day),
            "climate": _climate(session, day, start, end, config),
            "day_starts": config["hours"].day_starts.strftime("%H:%M"),
            "night_starts": config["hours"].night_starts.strftime("%H:%M"),
            "ramp_minutes": int(config["ramp"].total_seconds() // 60),
            "alerts": day_alerts(session, start, end)}
    data.update(_land(session, day))
    return data


# --- storing, reading ------------------------------------------------------------------------------

def check_day(day: date, today: date | None = None) -> date:
    """Refuse a day that has not begun in the park."""
    if day > (today or clock.today()):
        msg = _l("%(day)s has not come yet; its report is made on that day.", day=day.isoformat())
        raise Invalid(msg, {"day": msg})
    return day


def parse_day(text: str) -> date:
    """A report day from a URL part (YYYY-MM-DD, read by farm.clock); anything else is a page that does not exist."""
    try:
        return clock.parse_day(text, "day", required=True)
    except Invalid:
        raise NotFound(_l("There is no report day %(text)s; days are written YYYY-MM-DD.", text=text[:20])) from None


def generate(session: Session, day: date, now: datetime | None = None) -> DailyReport:
    """Make (or make again, replacing it) the report of a park day that has begun; flushes, never commits."""
    now = now or clock.now()
    check_day(day, clock.park_day(now))
    data = build(session, day)
    report = session.get(DailyReport, day)
    if report is None:
        try:
            with session.begin_nested():
                report = DailyReport(day=day, generated_at=now, data=data)
                session.add(report)
                session.flush()
            return report
        except IntegrityError:
            # Made a moment ago by the scheduler or another manager: replace theirs.
            report = session.get(DailyReport, day)
    report.data, report.generated_at = data, now
    session.flush()
    return report


def get_report(session: Session, day: date) -> DailyReport | None:
    """The stored report of a day, or None when it has not been made."""
    return session.get(DailyReport, day)


def latest(session: Session) -> DailyReport | None:
    """The newest stored report."""
    return session.scalars(select(DailyReport).order_by(DailyReport.day.desc()).limit(1)).first()


def archive(session: Session, page: int = 1, per_page: int = PAGE_SIZE) -> tuple[list[dict], int]:
    """A page of stored reports, newest day first, as short rows; and how many reports there are."""
    total = session.scalar(select(func.count()).select_from(DailyReport)) or 0
    page = max(page, 1)
    reports = session.scalars(select(DailyReport).order_by(DailyReport.day.desc())
                              .offset((page - 1) * per_page).limit(per_page))
    rows = []
    for r in reports:
        data = r.data or {}
        h = data.get("harvest", {})
        rows.append({"day": r.day, "generated_at": r.generated_at, "total_kg": Decimal(h.get("total_kg", "0")),
                     "target_kg": Decimal(h.get("target_kg", "0")), "percent": h.get("percent", 0),
                     "alerts": len(data.get("alerts", [])), "rent_overdue": len(data.get("rent_overdue", [])),
                     "climate_outside": sum(1 for c in data.get("climate", []) if _has_outside(c))})
    return rows, total


def _has_outside(row: dict) -> bool:
    return any((row.get(m) or {}).get("minutes_outside") for m in CLIMATE_METRICS)


def report_moment(session: Session, day: date) -> datetime:
    """The UTC instant on `day` at which its report is due (`report.daily_time`, park time)."""
    return clock.at_local(day, _clock_time(settings.get(session, DAILY_TIME.key, on=day)))


# --- the job ---------------------------------------------------------------------------------------

def summary_text(data: dict) -> tuple[str, str]:
    """A short subject and body of a report for the notification channels, in the park's language."""
    h = data["harvest"]
    with park_language():
        subject = _("Daily park report %(day)s", day=data["day"])
        lines = [subject, _("Harvest: %(kg)s of %(target)s kg (%(percent)s%%)", kg=number(Decimal(h["total_kg"]), 1),
                            target=number(Decimal(h["target_kg"]), 0), percent=h["percent"])]
        outside = [c["greenhouse"] for c in data["climate"] if _has_outside(c)]
        if outside:
            lines.append(_("Outside the crop's range: %(greenhouses)s", greenhouses=", ".join(outside)))
        lines.append(_("Alerts: %(count)s", count=len(data["alerts"])))
        if data["rent_overdue"]:
            total = sum((Decimal(r["amount"]) for r in data["rent_overdue"]), Decimal(0))
            lines.append(_("Rent overdue: %(count)s, %(amount)s yuan", count=len(data["rent_overdue"]),
                           amount=number(total, 2)))
        if data["rent_due"]:
            total = sum((Decimal(r["amount"]) for r in data["rent_due"]), Decimal(0))
            lines.append(_("Rent due within %(days)s days: %(count)s, %(amount)s yuan", days=data["due_days"],
                           count=len(data["rent_due"]), amount=number(total, 2)))
        if data["contracts_ending"]:
            lines.append(_("Contracts ending within %(days)s days: %(count)s", days=data["ending_days"],
                           count=len(data["contracts_ending"])))
    return subject, "\n".join(lines)


def run_daily_report(session: Session, now: datetime) -> dict:
    """The job: make today's report once `report.daily_time` has passed, and any of the last 7 days' reports
    that are missing or were made before their day's time (a manager's early look); idempotent.

    When `report.send` is on, queues a short summary of each report it makes on the notification channels, under
    the key "daily-report:<day>", so a day is sent at most once.
    """
    today = clock.park_day(now)
    made = []
    for back in range(CATCH_UP_DAYS, -1, -1):
        day = today - timedelta(days=back)
        due = report_moment(session, day)
        if due > now:
            continue
        stored = session.get(DailyReport, day)
        if stored is not None and stored.generated_at >= due:
            continue
        report = generate(session, day, now)
        made.append(day.isoformat())
        if settings.get(session, SEND.key, on=day):
            notify.enqueue(session, f"daily-report:{day.isoformat()}", *summary_text(report.data), now)
    return {"generated": made}


# --- Excel -----------------------------------------------------------------------------------------

def _dec(text) -> Decimal | None:
    return None if text in (None, "") else Decimal(text)


def _hours(minutes) -> Decimal | None:
    """Minutes as hours to two places, halves up like every other rounding of the park."""
    return None if minutes is None else units.rounded(Decimal(minutes) / 60, HOURS_DIGITS)


def _local(text: str | None) -> str:
    return clock.local(datetime.fromisoformat(text)).strftime("%Y-%m-%d %H:%M") if text else ""


def tables(report: DailyReport, language: str) -> list[workbook.Table]:
    """The report's sheets for Excel: a summary, then one per section, headers in the reader's language."""
    data, h = report.data, report.data["harvest"]

    def crop_name(row):
        return row.get("name_en") if language == "en" else row.get("name_zh")

    summary = [[_l("Day"), date.fromisoformat(data["day"])],
               [_l("Made at"), clock.local(report.generated_at).strftime("%Y-%m-%d %H:%M")],
               [_l("Harvest (kg)"), Decimal(h["total_kg"])], [_l("Daily target (kg)"), Decimal(h["target_kg"])],
               [_l("Share of the target (%)"), h["percent"]], [_l("Alerts"), len(data["alerts"])]]
    by_crop = [[crop_name(r), Decimal(r["weight_kg"]), units.jin(r["weight_kg"]), r["count"]] for r in h["by_crop"]]
    by_house = [[r["code"], crop_name(r), Decimal(r["weight_kg"]), units.jin(r["weight_kg"])]
                for r in h["by_greenhouse"]]
    climate = []
    for row in data["climate"]:
        t, rh = row.get("temperature") or {}, row.get("humidity") or {}
        climate.append([row["greenhouse"], crop_name(row["crop"]) if row["crop"] else "",
                        t.get("min"), t.get("max"), _hours(t.get("minutes_below")), _hours(t.get("minutes_above")),
                        rh.get("min"), rh.get("max"), _hours(rh.get("minutes_outside")), _hours(t.get("minutes"))])
    day_alerts = [[r["greenhouse"], label("alert_kind", r["kind"]), label("alert_severity", r["severity"]),
                   _local(r["opened_at"]), _local(r["cleared_at"]), r["message"]] for r in data["alerts"]]
    rent = [[title, r["contract_number"], r["household"], date.fromisoformat(r["due_on"]), _dec(r["amount"]),
             abs(r["days"])]
            for kind, title in ((ReminderKind.RENT_OVERDUE, _l("Overdue")), (ReminderKind.RENT_DUE, _l("Due")))
            for r in data[kind]]
    ending = [[r["contract_number"], r["household"], date.fromisoformat(r["end_on"]), r["days"]]
              for r in data["contracts_ending"]]
    return [
        workbook.Table(_l("Summary"), None, summary),
        workbook.Table(_l("Harvest by crop"), [_l("Crop"), _l("Weight (kg)"), _l("Weight (jin)"), _l("Entries")],
                       by_crop),
        workbook.Table(_l("Harvest by greenhouse"), [_l("Greenhouse"), _l("Crop"), _l("Weight (kg)"),
                                                     _l("Weight (jin)")], by_house),
        workbook.Table(_l("Climate"), [
            _l("Greenhouse"), _l("Crop"), _l("Lowest temperature (°C)"), _l("Highest temperature (°C)"),
            _l("Hours too cold"), _l("Hours too hot"), _l("Lowest humidity (%)"), _l("Highest humidity (%)"),
            _l("Hours humidity outside range"), _l("Hours with readings")], climate),
        workbook.Table(_l("Alerts"), [_l("Greenhouse"), _l("Alert"), _l("Severity"), _l("Opened"), _l("Cleared"),
                                      _l("Message")], day_alerts),
        workbook.Table(_l("Rent"), [_l("Status"), _l("Contract number"), _l("Household"), _l("Due date"),
                                    _l("Amount (yuan)"), _l("Days")], rent),
        workbook.Table(_l("Contracts ending"), [_l("Contract number"), _l("Household"), _l("End date"),
                                                _l("Days left")], ending),
    ]


def export(report: DailyReport, language: str) -> bytes:
    """The report as an .xlsx workbook (farm.services.workbook)."""
    return workbook.xlsx(tables(report, language))
