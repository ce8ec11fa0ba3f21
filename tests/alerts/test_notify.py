"""Notifications against real local servers: a webhook answering 200, 500 or never, and an SMTP server; the outbox
keeps one row per message and channel, retries a bounded number of times, logs every attempt, and the job returns."""
from __future__ import annotations

import base64
import email
import json
import socketserver
import threading
from datetime import datetime, timedelta, timezone
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from farm.errors import Invalid
from farm.jobs import Job, Scheduler
from farm.models.alerts import Notification
from farm.models.settings import Setting
from farm.services import notify, notify_channels, settings

T0 = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)


class Webhook:
    """A local HTTP server playing the robot: answers `status` with `reply`, or never answers when `hang`."""

    def __init__(self, status: int = 200, reply: dict | None = None, hang: bool = False, location: str = ""):
        self.requests: list[dict] = []
        self.release = threading.Event()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.requests.append({"body": json.loads(body), "type": self.headers["Content-Type"]})
                if hang:
                    hook.release.wait(30)
                    return
                payload = json.dumps(reply if reply is not None else {"errcode": 0, "errmsg": "ok"}).encode()
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/cgi-bin/webhook/send?key=test"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook():
    """Local robots; a receiver on this machine is a local target, which the operator must allow
    (FARM_ALLOW_LOCAL_WEBHOOK=1)."""
    made = []
    notify_channels.configure(allow_local_webhook=True)

    def make(**kw) -> Webhook:
        made.append(Webhook(**kw))
        return made[-1]

    yield make
    notify_channels.configure(allow_local_webhook=False)
    for hook in made:
        hook.close()


class SmtpServer:
    """A minimal SMTP server (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT) that keeps what it receives."""

    def __init__(self):
        self.messages: list[dict] = []
        self.logins: list[tuple[str, str]] = []
        smtp = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str):
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self):
                self.reply("220 test ESMTP")
                sender, rcpts = None, []
                while True:
                    line = self.rfile.readline().decode().rstrip("\r\n")
                    if not line:
                        return
                    verb = line.split(" ", 1)[0].upper()
                    if verb == "EHLO":
                        self.reply("250-test")
                        self.reply("250 AUTH PLAIN")
                    elif verb == "AUTH":
                        _, user, password = base64.b64decode(line.split()[2]).decode().split("\0")
                        smtp.logins.append((user, password))
                        self.reply("235 ok")
                    elif verb == "MAIL":
                        sender, rcpts = line[10:].strip("<>"), []
                        self.reply("250 ok")
                    elif verb == "RCPT":
                        rcpts.append(line[8:].strip("<>"))
                        self.reply("250 ok")
                    elif verb == "DATA":
                        self.reply("354 go on")
                        data = b""
                        while True:
                            chunk = self.rfile.readline()
                            if chunk in (b".\r\n", b""):
                                break
                            data += chunk
                        smtp.messages.append({"from": sender, "to": rcpts, "data": data})
                        self.reply("250 queued")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("250 ok")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def smtp():
    server = SmtpServer()
    yield server
    server.close()


def _set(session, **values):
    for key, value in values.items():
        settings.put(session, f"notify.{key}", str(value))
    session.commit()


def _rows(session) -> list[Notification]:
    session.expire_all()
    return list(session.scalars(select(Notification).order_by(Notification.id)))


def _deliver(database, now):
    with database.session_scope() as s:
        return notify.deliver_pending(s, now)


def test_enqueue_once_per_key_and_channel(database, session, smtp):
    assert notify.enqueue(session, "alert-1", "冻害", "GH-001") is False  # no channel is on
    assert _rows(session) == []
    _set(session, webhook_url="http://127.0.0.1:9/x", smtp_host="127.0.0.1", smtp_to="a@example.cn")
    assert notify.enqueue(session, "alert-1", "冻害", "GH-001", T0) is True
    assert notify.enqueue(session, "alert-1", "again", "again", T0) is False
    session.commit()
    rows = _rows(session)
    assert sorted((r.key, r.channel, r.subject, r.state) for r in rows) == [
        ("alert-1", "email", "冻害", "pending"), ("alert-1", "webhook", "冻害", "pending")]


def test_webhook_200_sends_a_wechat_work_text(database, session, webhook):
    hook = webhook()
    _set(session, webhook_url=hook.url)
    notify.enqueue(session, "alert-7", "【严重】GH-001：冻害", "GH-001 有冻害危险：-2.0 °C", T0)
    session.commit()
    assert _deliver(database, T0) == {"sent": 1, "failed": 0, "held": []}
    [row] = _rows(session)
    assert row.state == "sent" and row.attempts == 1 and row.sent_at == T0 and row.last_error == ""
    assert "sent" in row.log
    [request] = hook.requests
    assert request["type"].startswith("application/json")
    assert request["body"] == {"msgtype": "text", "text": {"content": "【严重】GH-001：冻害\nGH-001 有冻害危险：-2.0 °C"}}
    assert _deliver(database, T0 + timedelta(minutes=5))["sent"] == 0  # sent once
    assert len(hook.requests) == 1


def test_webhook_500_is_retried_a_bounded_number_of_times_and_logged(database, session, webhook):
    hook = webhook(status=500, reply={"error": "down"})
    _set(session, webhook_url=hook.url)
    notify.enqueue(session, "alert-1", "subject", "body", T0)
    session.commit()
    now = T0
    for attempt in range(1, notify.MAX_ATTEMPTS + 1):
        assert _deliver(database, now)["failed"] == 1  # the job returns; the failure is on the row
        [row] = _rows(session)
        assert row.attempts == attempt and "HTTP 500" in row.last_error
        if attempt < notify.MAX_ATTEMPTS:
            assert row.state == "pending" and row.next_attempt_at == now + notify.RETRY_DELAYS[attempt - 1]
            assert _deliver(database, row.next_attempt_at - timedelta(seconds=1))["failed"] == 0  # not due yet
            now = row.next_attempt_at
    [row] = _rows(session)
    assert row.state == "failed" and len(row.log.splitlines()) == notify.MAX_ATTEMPTS
    assert len(hook.requests) == notify.MAX_ATTEMPTS
    # Given up: no further attempts, but the row stays (never lost silently) until a manager sends it again.
    assert _deliver(database, now + timedelta(hours=1)) == {"sent": 0, "failed": 0, "held": []}
    with database.session_scope() as s:
        notify.retry(s, row.id, now + timedelta(hours=1))
    assert _rows(session)[0].state == "pending" and _rows(session)[0].attempts == 0


def test_webhook_that_never_answers_costs_one_timeout_per_run(database, session, webhook, monkeypatch):
    monkeypatch.setattr(notify_channels, "WEBHOOK_TIMEOUT", 0.5)
    hook = webhook(hang=True)
    _set(session, webhook_url=hook.url)
    for n in range(3):
        notify.enqueue(session, f"alert-{n}", "subject", "body", T0)
    session.commit()
    scheduler = Scheduler(database, [], holder="only")
    assert scheduler.run_job(Job("notifications", notify.deliver_pending, 60), T0) == "ok"
    first, second, third = _rows(session)
    assert first.attempts == 1 and first.state == "pending" and "no answer" in first.last_error
    assert "timed out" in first.log
    assert second.attempts == 0 and third.attempts == 0  # held for the next run, not three timeouts in a row
    assert len(hook.requests) == 1


def test_webhook_refusal_in_the_answer_is_an_error(database, session, webhook):
    hook = webhook(reply={"errcode": 93000, "errmsg": "invalid webhook url"})
    _set(session, webhook_url=hook.url)
    notify.enqueue(session, "alert-1", "subject", "body", T0)
    session.commit()
    _deliver(database, T0)
    [row] = _rows(session)
    assert row.state == "pending" and "93000" in row.last_error


def test_unreachable_webhook_is_an_error_not_a_crash(database, session, webhook):
    hook = webhook()
    url = hook.url
    hook.close()  # nothing listens there any more
    _set(session, webhook_url=url)
    notify.enqueue(session, "alert-1", "subject", "body", T0)
    session.commit()
    assert _deliver(database, T0)["failed"] == 1
    assert "cannot reach" in _rows(session)[0].last_error


def test_email_through_a_real_smtp_server(database, session, smtp):
    _set(session, smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_tls="none", smtp_from="park@example.cn",
         smtp_to="a@example.cn, b@example.cn")
    notify.enqueue(session, "report-2026-11-28", "园区日报 2026-11-28", "采收 1,523 kg", T0)
    session.commit()
    assert _deliver(database, T0)["sent"] == 1
    [message] = smtp.messages
    assert message["from"] == "park@example.cn" and message["to"] == ["a@example.cn", "b@example.cn"]
    parsed = email.message_from_bytes(message["data"], policy=policy.default)
    assert parsed["Subject"] == "园区日报 2026-11-28"
    assert parsed.get_content().strip() == "采收 1,523 kg"
    assert smtp.logins == []


def test_email_password_comes_only_from_the_environment(database, session, smtp, monkeypatch):
    monkeypatch.delenv(notify_channels.PASSWORD_ENV, raising=False)
    _set(session, smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_tls="none", smtp_user="park@example.cn",
         smtp_to="a@example.cn")
    notify.enqueue(session, "alert-1", "subject", "body", T0)
    session.commit()
    _deliver(database, T0)
    [row] = _rows(session)
    assert row.state == "pending" and "FARM_SMTP_PASSWORD" in row.last_error and smtp.messages == []
    monkeypatch.setenv(notify_channels.PASSWORD_ENV, "s3cret-from-env")
    _deliver(database, row.next_attempt_at)
    assert _rows(session)[0].state == "sent"
    assert smtp.logins == [("park@example.cn", "s3cret-from-env")]
    stored = " ".join(s.value for s in session.scalars(select(Setting)))
    assert "s3cret" not in stored and "s3cret" not in _rows(session)[0].log


def test_email_server_down_is_logged(database, session, smtp):
    port = smtp.port
    smtp.close()
    _set(session, smtp_host="127.0.0.1", smtp_port=port, smtp_tls="none", smtp_to="a@example.cn")
    notify.enqueue(session, "alert-1", "subject", "body", T0)
    session.commit()
    assert _deliver(database, T0)["failed"] == 1
    assert "mail not sent" in _rows(session)[0].last_error


def test_channel_settings_refuse_bad_values_and_take_off(database, session):
    with pytest.raises(Invalid) as bad:
        settings.put(session, "notify.webhook_url", "qyapi.weixin.qq.com/cgi-bin/webhook")
    assert "http" in str(bad.value.message)
    with pytest.raises(Invalid):
        settings.put(session, "notify.smtp_to", "not-an-address")
    with pytest.raises(Invalid):
        settings.put(session, "notify.smtp_tls", "maybe")
    settings.put(session, "notify.webhook_url", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc")
    assert notify.enabled_channels(notify.channel_settings(session, T0)) == ["webhook"]
    settings.put(session, "notify.webhook_url", "off")
    assert settings.get(session, "notify.webhook_url") == ""
    assert notify.enabled_channels(notify.channel_settings(session, T0)) == []


def test_alert_opening_is_written_in_the_park_language(database, session, webhook):
    from tests.alerts.conftest import NIGHT, TOMATO, add_series, run
    from tests.factories import make_crop, make_device, make_park, make_planting

    hook = webhook()
    _set(session, webhook_url=hook.url)
    park = make_park(session, greenhouses=1)
    gh = park.greenhouses[0]
    make_planting(session, gh, make_crop(session, "tomato", **TOMATO))
    device = make_device(session, gh, "th-001", last_seen_at=NIGHT)
    session.commit()
    add_series(session, device, NIGHT, [-3.0] * 12)
    run(database, NIGHT + 12 * timedelta(minutes=1))
    _deliver(database, NIGHT + 12 * timedelta(minutes=1))
    contents = sorted(r["body"]["text"]["content"] for r in hook.requests)
    assert len(contents) == 1  # the frost only (not also a cold alert): one message
    assert any(c.startswith("【严重】GH-001：冻害\nGH-001 有冻害危险：-3.0 °C") for c in contents), contents


@pytest.mark.parametrize("url,why", [
    ("http://127.0.0.1:{port}/robot", "local address"),
    ("http://localhost:{port}/robot", "local address"),
    ("http://[::1]:{port}/robot", "local address"),
    ("http://169.254.169.254/latest/meta-data", "local address"),
    ("http://10.1.2.3/robot", "local address"),
    ("http://192.168.1.20/robot", "local address"),
    ("http://[::ffff:127.0.0.1]:{port}/robot", "local address"),
])
def test_webhook_to_a_local_address_is_refused_unless_allowed(database, session, url, why):
    hook = Webhook()
    try:
        notify_channels.configure(allow_local_webhook=False)
        _set(session, webhook_url=url.format(port=hook.server.server_port))
        notify.enqueue(session, "alert-1", "subject", "body", T0)
        session.commit()
        assert _deliver(database, T0)["failed"] == 1
        [row] = _rows(session)
        assert why in row.last_error and "FARM_ALLOW_LOCAL_WEBHOOK" in row.last_error
        assert hook.requests == []  # nothing was sent there
    finally:
        hook.close()


def test_webhook_target_other_than_http_is_refused():
    notify_channels.configure(allow_local_webhook=True)
    try:
        for url in ("file:///etc/passwd", "ftp://example.cn/x", "gopher://example.cn/"):
            with pytest.raises(notify_channels.SendError, match="only http"):
                notify_channels.send_webhook(url, "s", "b")
    finally:
        notify_channels.configure(allow_local_webhook=False)


def test_webhook_redirect_is_not_followed_and_replies_are_cut_to_a_status_line(database, session, webhook):
    inside = webhook()
    hook = webhook(status=302, location=inside.url)
    _set(session, webhook_url=hook.url)
    notify.enqueue(session, "alert-1", "subject", "body", T0)
    session.commit()
    _deliver(database, T0)
    [row] = _rows(session)
    assert "HTTP 302" in row.last_error and inside.requests == []
    secret = "root:x:0:0:root:/root:/bin/bash\n" * 20
    leaky = webhook(status=500, reply={"error": secret})
    chatty = webhook(reply={"errcode": 40001, "errmsg": "bad key\n" + secret})
    for n, target in enumerate((leaky, chatty)):
        _set(session, webhook_url=target.url)
        notify.enqueue(session, f"alert-{n + 2}", "subject", "body", T0)
        session.commit()
        _deliver(database, T0)
        row = _rows(session)[-1]
        assert "root:x" not in row.last_error and "root:x" not in row.log and len(row.last_error) < 140
    assert "HTTP 500" in _rows(session)[1].last_error and "40001: bad key" in _rows(session)[2].last_error
