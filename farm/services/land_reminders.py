"""The land reminders as a scheduled job: rent overdue, rent due soon and contracts ending (the rule is
farm.services.land.reminders), each recorded once and queued on the notification channels once, in the park's
language. The same job reminds of the village collective's asset returns overdue or due soon
(farm.services.assets.return_reminders), queued once per year and due date under their own key."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from farm import clock
from farm.i18n import number
from farm.models.daily_reports import LandReminderRecord
from farm.park_language import park_language
from farm.services import assets, land, notify
from farm.vocab import ReminderKind, label

# The reminders the job notifies (not the `not_filed` ones, which the land pages show).
REMINDED = (ReminderKind.RENT_OVERDUE, ReminderKind.RENT_DUE, ReminderKind.CONTRACT_ENDING)


def reminder_key(reminder) -> str:
    """Names a land reminder and the date it is about: notified once under this key."""
    return f"land-reminder:{reminder.kind}:{reminder.contract_id}:{reminder.on.isoformat()}"


def reminder_text(reminder) -> tuple[str, str]:
    """Subject and body of a land reminder, in the park's language."""
    on = reminder.on.isoformat()
    with park_language():
        subject = _("%(kind)s: contract %(number)s, %(household)s", kind=label("reminder", reminder.kind),
                    number=reminder.contract_number, household=reminder.household_name)
        if reminder.kind == ReminderKind.RENT_OVERDUE:
            body = _("%(amount)s yuan due on %(date)s, %(days)d days late", amount=number(reminder.amount, 2),
                     date=on, days=-reminder.days)
        elif reminder.kind == ReminderKind.RENT_DUE:
            body = _("%(amount)s yuan due on %(date)s, in %(days)d days", amount=number(reminder.amount, 2),
                     date=on, days=reminder.days)
        else:
            body = _("ends on %(date)s, in %(days)d days", date=on, days=reminder.days)
    return subject, f"{subject}\n{body}"


def return_reminder_key(reminder) -> str:
    """Names an asset-return reminder: the year's return and its due date."""
    return f"asset-return:{reminder.kind}:{reminder.year}:{reminder.on.isoformat()}"


def return_reminder_text(reminder) -> tuple[str, str]:
    """Subject and body of an asset-return reminder, in the park's language."""
    with park_language():
        subject = _("%(kind)s: the return for %(year)s", kind=label("reminder", reminder.kind), year=reminder.year)
        if reminder.kind == ReminderKind.RETURN_OVERDUE:
            body = _("%(amount)s yuan due on %(date)s, %(days)d days late", amount=number(reminder.amount, 2),
                     date=reminder.on.isoformat(), days=-reminder.days)
        else:
            body = _("%(amount)s yuan due on %(date)s, in %(days)d days", amount=number(reminder.amount, 2),
                     date=reminder.on.isoformat(), days=reminder.days)
    return subject, f"{subject}\n{body}"


def run_land_reminders(session: Session, now: datetime) -> dict:
    """The job: record the park day's land reminders (rent overdue, rent due soon, contracts ending) and queue
    each on the notification channels once; run again, it changes nothing but the time each was last seen.

    A reminder counts as notified once the outbox took it; while no channel is on, the outbox takes nothing and
    the reminder waits for the next run.
    """
    today = clock.park_day(now)
    current = [r for r in land.reminders(session, today) if r.kind in REMINDED]
    keys = [reminder_key(r) for r in current]
    records = {r.key: r for r in session.scalars(
        select(LandReminderRecord).where(LandReminderRecord.key.in_(keys)))} if keys else {}
    new = sent = 0
    for reminder, key in zip(current, keys):
        record = records.get(key)
        if record is None:
            record = LandReminderRecord(key=key, kind=reminder.kind, contract_id=reminder.contract_id,
                                        due_on=reminder.on, first_seen_at=now)
            session.add(record)
            records[key] = record
            new += 1
        record.last_seen_at, record.amount = now, reminder.amount
        if record.notified_at is None and notify.enqueue(session, key, *reminder_text(reminder), now):
            record.notified_at = now
            sent += 1
    # Asset returns: the outbox's key keeps each notified once; they count in `current` and `notified`.
    returns = assets.return_reminders(session, today)
    for reminder in returns:
        if notify.enqueue(session, return_reminder_key(reminder), *return_reminder_text(reminder), now):
            sent += 1
    session.flush()
    return {"current": len(current) + len(returns), "new": new, "notified": sent}
