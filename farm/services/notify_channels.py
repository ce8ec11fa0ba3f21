"""The notification channels: an outbound webhook (posted in the WeChat Work group robot format) and e-mail over
SMTP. Each sends one message or raises SendError with a text for the outbox's log; neither retries (the outbox in
farm.services.notify does, with bounded attempts). The SMTP password comes only from the environment variable
FARM_SMTP_PASSWORD: it is never stored in the database or shown.
"""
from __future__ import annotations

import ipaddress
import json
import os
import smtplib
import socket
import ssl
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import urlsplit

from farm import clock
from farm.vocab import NotificationChannel

PASSWORD_ENV = "FARM_SMTP_PASSWORD"
WEBHOOK_TIMEOUT = 5.0   # seconds; tests shorten it
SMTP_TIMEOUT = 10.0
# FARM_ALLOW_LOCAL_WEBHOOK, set from the Config by every process the CLI starts (farm.cli.open_database); only
# the scheduler and run-job send.
ALLOW_LOCAL_WEBHOOK = False
REPLY_LINE = 80  # characters of a target's own words kept in the log


class SendError(Exception):
    """A channel refused a message; the text is logged on the row."""


def password_set() -> bool:
    """Whether FARM_SMTP_PASSWORD is set (the page says so; the password itself is never shown or stored)."""
    return bool(os.environ.get(PASSWORD_ENV))


def configure(allow_local_webhook: bool) -> None:
    """Whether webhook targets on loopback, link-local or private addresses are allowed (FARM_ALLOW_LOCAL_WEBHOOK)."""
    global ALLOW_LOCAL_WEBHOOK
    ALLOW_LOCAL_WEBHOOK = bool(allow_local_webhook)


def _status_line(text: str) -> str:
    """The first line of a target's words, printable and short."""
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return "".join(c for c in line if c.isprintable())[:REPLY_LINE]


def check_webhook_target(url: str) -> None:
    """SendError unless `url` is http(s) to a host whose every address is public (or local ones are allowed)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SendError("webhook refused: only http:// and https:// addresses")
    if ALLOW_LOCAL_WEBHOOK:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, ValueError, UnicodeError) as exc:
        raise SendError(f"cannot reach the webhook: {exc}") from None
    for *_rest, address in found:
        ip = ipaddress.ip_address(str(address[0]).split("%", 1)[0])
        mapped = getattr(ip, "ipv4_mapped", None)
        if not (mapped or ip).is_global:
            raise SendError(f"webhook refused: {parts.hostname} is a local address ({ip}); "
                            "set FARM_ALLOW_LOCAL_WEBHOOK=1 to allow targets inside the network")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect could point the server at an address the check refused: answer it as an error instead."""

    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def send_webhook(url: str, subject: str, body: str, timeout: float | None = None) -> None:
    """POST the message as a WeChat Work group robot text; raise SendError on anything but a clean answer."""
    check_webhook_target(url)
    content = f"{subject}\n{body}" if body else subject
    data = json.dumps({"msgtype": "text", "text": {"content": content}}, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with _OPENER.open(request, timeout=timeout or WEBHOOK_TIMEOUT) as response:
            answer = response.read(4000)
    except urllib.error.HTTPError as exc:
        # The status line only: a target's error page is not for the managers' log.
        raise SendError(f"HTTP {exc.code} {_status_line(str(exc.reason))}".strip()) from None
    except urllib.error.URLError as exc:
        raise SendError(f"cannot reach the webhook: {exc.reason}") from None
    except (TimeoutError, OSError) as exc:
        raise SendError(f"no answer from the webhook: {type(exc).__name__}: {exc}") from None
    # The robot answers 200 with {"errcode": 0, "errmsg": "ok"}; a refusal is 200 with another errcode.
    try:
        reply = json.loads(answer or b"{}")
    except ValueError:
        return
    if isinstance(reply, dict) and reply.get("errcode") not in (None, 0):
        raise SendError(f"webhook refused: errcode {_status_line(str(reply.get('errcode')))}: "
                        f"{_status_line(str(reply.get('errmsg', '')))}")


def send_email(config: dict, subject: str, body: str, timeout: float | None = None) -> None:
    """Send the message to the recipients through the configured SMTP server; raise SendError when it fails."""
    recipients = [a.strip() for a in config["smtp_to"].split(",") if a.strip()]
    sender = config["smtp_from"] or (config["smtp_user"] if "@" in config["smtp_user"] else "farm@localhost")
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = make_msgid(domain="greenhouse-park")
    message.set_content(body or subject)
    password = os.environ.get(PASSWORD_ENV, "")
    if config["smtp_user"] and not password:
        raise SendError(f"a mail login is set but {PASSWORD_ENV} is not")
    host, port, tls = config["smtp_host"], int(config["smtp_port"]), config["smtp_tls"]
    try:
        if tls == "ssl":
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout or SMTP_TIMEOUT,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout or SMTP_TIMEOUT)
        with smtp:
            if tls == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if config["smtp_user"]:
                smtp.login(config["smtp_user"], password)
            smtp.send_message(message, from_addr=sender, to_addrs=recipients)
    except (smtplib.SMTPException, OSError) as exc:
        raise SendError(f"mail not sent: {type(exc).__name__}: {exc}") from None


def send(channel: str, config: dict, subject: str, body: str) -> None:
    """Send one message on `channel` with the channels' settings `config`; SendError when it fails."""
    if channel == NotificationChannel.WEBHOOK:
        send_webhook(config["webhook_url"], subject, body)
    elif channel == NotificationChannel.EMAIL:
        send_email(config, subject, body)
    else:
        raise SendError(f"unknown channel {channel}")
