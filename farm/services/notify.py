"""Notifications: the channels' settings and the outbox, one row per message and channel, delivered by a job with
bounded retries.

Channels (farm.services.notify_channels): an outbound webhook (`notify.webhook_url`) and e-mail over SMTP
(`notify.smtp_*`). A channel whose setting is empty (or "off") is off. `enqueue` is idempotent by key, so an event
(an alert opening, a day's report) yields at most one message per channel. Each attempt is logged on its row; a row
that failed `MAX_ATTEMPTS` times stays visible as failed. A webhook that fails or hangs costs one bounded attempt per
run and the rest of that channel waits for the next run, so the scheduler always goes on. Messages are stored as
given: render them in the park's language first (farm.park_language).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from farm import clock
from farm.errors import Conflict, Invalid, NotFound
from farm.models.alerts import Notification
from farm.services import notify_channels, settings
from farm.services.notify_channels import SendError
from farm.services.settings import SettingSpec, _int
from farm.vocab import NotificationChannel, NotificationState

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4), timedelta(minutes=8))
BATCH = 50
OFF = ("", "off", "none", "-")  # an empty value switches a channel off; the words still do, for old habits
TLS_MODES = ("starttls", "ssl", "none")


# --- the settings -------------------------------------------------------------------------------------------

def _off_or(check):
    """A text setting where "off" (or "-", "none") means empty, as an empty value does (the settings are clearable)."""

    def parse(text) -> str:
        value = str(text).strip()
        if value.lower() in OFF:
            return ""
        return check(value)

    return parse


def _url(value: str) -> str:
    if not value.lower().startswith(("http://", "https://")) or len(value) > 500:
        raise Invalid(_l("Enter a URL that starts with http:// or https://, or off."),
                      {"value": _l("Enter a URL that starts with http:// or https://, or off.")})
    return value


def _text(value: str) -> str:
    if len(value) > 200:
        raise Invalid(_l("This text is too long."), {"value": _l("This text is too long.")})
    return value


def _addresses(value: str) -> str:
    found = [a.strip() for a in value.replace(";", ",").split(",") if a.strip()]
    if not found or any("@" not in a or " " in a for a in found):
        msg = _l("Enter e-mail addresses separated by commas, or off.")
        raise Invalid(msg, {"value": msg})
    return ", ".join(found)


def _address(value: str) -> str:
    if "@" not in value or " " in value or "," in value or len(value) > 200:
        msg = _l("Enter one e-mail address, or off.")
        raise Invalid(msg, {"value": msg})
    return value


def _tls(text) -> str:
    value = str(text).strip().lower()
    if value not in TLS_MODES:
        msg = _l("Enter starttls, ssl or none.")
        raise Invalid(msg, {"value": msg})
    return value


WEBHOOK_URL = settings.register(SettingSpec(
    "notify.webhook_url", "", _off_or(_url), _l("Notification webhook (e.g. a WeChat Work group robot URL; empty: none)"),
    clearable=True))
SMTP_HOST = settings.register(SettingSpec(
    "notify.smtp_host", "", _off_or(_text), _l("Mail server for notifications (empty: no e-mail)"), clearable=True))
SMTP_PORT = settings.register(SettingSpec(
    "notify.smtp_port", 587, _int, _l("Mail server port"), "", minimum=1))
SMTP_USER = settings.register(SettingSpec(
    "notify.smtp_user", "", _off_or(_text), _l("Mail server login (password: environment variable FARM_SMTP_PASSWORD)"),
    clearable=True))
SMTP_FROM = settings.register(SettingSpec(
    "notify.smtp_from", "", _off_or(_address), _l("Sender address of notification e-mails"), clearable=True))
SMTP_TO = settings.register(SettingSpec(
    "notify.smtp_to", "", _off_or(_addresses), _l("Recipients of notification e-mails (comma-separated)"),
    clearable=True))
SMTP_TLS = settings.register(SettingSpec(
    "notify.smtp_tls", "starttls", _tls, _l("Mail server encryption: starttls, ssl or none")))


def channel_settings(session: Session, now: datetime | None = None) -> dict:
    """The channels' settings in force now (never the SMTP password)."""
    on = clock.local(now or clock.now()).date()
    keys = {"webhook_url": WEBHOOK_URL, "smtp_host": SMTP_HOST, "smtp_port": SMTP_PORT, "smtp_user": SMTP_USER,
            "smtp_from": SMTP_FROM, "smtp_to": SMTP_TO, "smtp_tls": SMTP_TLS}
    return {name: settings.get(session, spec.key, on=on) for name, spec in keys.items()}


def enabled_channels(config: dict) -> list[str]:
    """The channels that are on: the webhook when it has a URL, e-mail when it has a server and recipients."""
    out = []
    if config["webhook_url"]:
        out.append(NotificationChannel.WEBHOOK.value)
    if config["smtp_host"] and config["smtp_to"]:
        out.append(NotificationChannel.EMAIL.value)
    return out


# --- the outbox ---------------------------------------------------------------------------------------------

def enqueue(session: Session, key: str, subject: str, body: str, now: datetime | None = None) -> bool:
    """Queue a message once per enabled channel under `key` (e.g. "alert-17", "report-2026-11-28").

    Idempotent by key: returns False when the key is already queued (or no channel is on), True when rows were added.
    Subject and body are stored as given: render them in the park's language first (farm.park_language).
    """
    key = str(key).strip()
    if not key or len(key) > 120:
        raise ValueError("a notification key has 1 to 120 characters")
    now = now or clock.now()
    channels = enabled_channels(channel_settings(session, now))
    if not channels:
        return False
    if session.scalar(select(Notification.id).where(Notification.key == key).limit(1)) is not None:
        return False
    subject = " ".join(str(subject).split())[:200]
    try:
        # A savepoint: another process queuing the same key at the same moment loses on the unique key, harmlessly.
        with session.begin_nested():
            session.add_all([Notification(key=key, channel=channel, subject=subject, body=str(body),
                                          state=NotificationState.PENDING, attempts=0, created_at=now,
                                          next_attempt_at=now, last_error="", log="")
                             for channel in channels])
            session.flush()
    except IntegrityError:
        return False
    return True


def _log_line(row: Notification, now: datetime, text: str) -> None:
    line = f"{clock.local(now):%Y-%m-%d %H:%M:%S} #{row.attempts}: {text}"
    row.log = (row.log + "\n" + line).strip()[-8000:]


def deliver_pending(session: Session, now: datetime, commit_each: bool = True) -> dict:
    """The job: send the messages that are due; a failure is logged on the row and retried later (bounded).

    Committed after each message (unless `commit_each` is False), so a run cut short never sends a message twice
    that it had already recorded as sent. One failure on a channel holds the channel's other messages until the
    next run, so a hanging webhook costs one timeout per run, not one per message.
    """
    config = channel_settings(session, now)
    on = enabled_channels(config)
    rows = list(session.scalars(
        select(Notification)
        .where(Notification.state == NotificationState.PENDING, Notification.next_attempt_at <= now)
        .order_by(Notification.next_attempt_at, Notification.id).limit(BATCH)))
    held: set[str] = set()
    sent = failed = 0
    for row in rows:
        if row.channel in held:
            continue
        row.attempts += 1
        try:
            if row.channel not in on:
                raise SendError(f"the {row.channel} channel is off (its notify.* settings are empty)")
            notify_channels.send(row.channel, config, row.subject, row.body)
        except Exception as exc:  # noqa: BLE001 - whatever a channel raises is logged on the row, never lost
            error = str(exc) if isinstance(exc, SendError) else f"{type(exc).__name__}: {exc}"
            error = error[:1000]
            row.last_error = error
            _log_line(row, now, error)
            held.add(row.channel)
            failed += 1
            if row.attempts >= MAX_ATTEMPTS:
                row.state = NotificationState.FAILED
                log.warning("notify: %s message %s failed for good after %d attempts: %s", row.channel, row.key,
                            row.attempts, error)
            else:
                row.next_attempt_at = now + RETRY_DELAYS[min(row.attempts, len(RETRY_DELAYS)) - 1]
                log.warning("notify: %s message %s failed (attempt %d): %s", row.channel, row.key, row.attempts,
                            error)
        else:
            row.state = NotificationState.SENT
            row.sent_at = now
            row.last_error = ""
            _log_line(row, now, "sent")
            sent += 1
        if commit_each:
            session.commit()
        else:
            session.flush()
    return {"sent": sent, "failed": failed, "held": sorted(held)}


def retry(session: Session, notification_id: int, now: datetime | None = None) -> Notification:
    """Send a failed message again: it gets a fresh set of attempts from now."""
    row = session.get(Notification, notification_id)
    if row is None:
        raise NotFound(_l("There is no such notification."))
    if row.state != NotificationState.FAILED:
        raise Conflict(_l("Only a failed notification can be sent again."))
    row.state, row.attempts, row.next_attempt_at = NotificationState.PENDING, 0, now or clock.now()
    session.flush()
    return row


def recent(session: Session, limit: int = 100) -> list[Notification]:
    """The newest messages, for the notifications page."""
    return list(session.scalars(select(Notification).order_by(Notification.created_at.desc(), Notification.id.desc())
                                .limit(limit)))
