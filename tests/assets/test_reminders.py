"""Asset returns overdue or due soon go out through the land reminders' job, each once, in the park's language."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from farm.inputs.assets import ReturnIn
from farm.models.alerts import Notification
from farm.services import assets, land_reminders, settings
from tests.assets.factories import make_asset
from tests.factories import make_park


def _at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=8)


def test_return_reminders_through_the_land_reminders_job(session, monkeypatch):
    monkeypatch.delenv("FARM_LANGUAGE", raising=False)
    make_park(session)
    make_asset(session, built_on="2024-11-01", handed_over_on="2024-12-20")
    assets.record_return(session, ReturnIn(year=2025, amount=Decimal("5000"), paid_on=date(2026, 3, 1)),
                         today=date(2026, 11, 28))
    settings.put(session, "notify.webhook_url", "http://127.0.0.1:9/robot")
    session.commit()
    first = land_reminders.run_land_reminders(session, _at(date(2026, 11, 28)))
    session.commit()
    assert first == {"current": 1, "new": 0, "notified": 1}
    sent = {n.key: (n.subject, n.body) for n in session.scalars(select(Notification))}
    subject, body = sent["asset-return:return_overdue:2025:2026-03-31"]
    assert subject == "资产收益逾期：2025 年度资产收益"
    assert body == subject + "\n400.00 元应于 2026-03-31 支付，已逾期 242 天"
    again = land_reminders.run_land_reminders(session, _at(date(2026, 11, 28), 10))
    assert again == {"current": 1, "new": 0, "notified": 0}
    # In March the year's return falls due within 30 days: one more reminder, queued once.
    march = land_reminders.run_land_reminders(session, _at(date(2027, 3, 10)))
    session.commit()
    assert march["notified"] == 1
    assert "asset-return:return_due:2026:2027-03-31" in {n.key for n in session.scalars(select(Notification))}
