"""The database keeps alerts, notifications and job runs inside their vocabularies (farm.vocab): every value of a
vocabulary is stored, anything else is refused by a CHECK constraint; the migration that adds them goes down and
up again."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from alembic import command
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from farm.db import Database
from farm.migrate import alembic_config, upgrade
from farm.models.alerts import Alert, Notification
from farm.models.scheduler import JobRun
from farm.vocab import AlertKind, AlertSeverity, AlertState, JobOutcome, NotificationChannel, NotificationState
from tests.factories import make_park

T0 = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)


def _alert(greenhouse_id: int, n: int, **values) -> Alert:
    row = dict(greenhouse_id=greenhouse_id, kind="cold", severity="warning", state="cleared", open_key=None,
               started_at=T0, opened_at=T0, refreshed_at=T0, ack_note="")
    row.update(values)
    return Alert(**row)


def _notification(n: int, **values) -> Notification:
    row = dict(key=f"k-{n}", channel="webhook", subject="s", body="b", state="pending", attempts=0, created_at=T0,
               next_attempt_at=T0, last_error="", log="")
    row.update(values)
    return Notification(**row)


def test_every_value_of_the_vocabularies_is_stored(session):
    gh = make_park(session, greenhouses=1).greenhouses[0]
    rows = [_alert(gh.id, i, kind=kind) for i, kind in enumerate(AlertKind.values())]
    rows += [_alert(gh.id, 0, severity=severity) for severity in AlertSeverity.values()]
    rows += [_alert(gh.id, 0, state=state, open_key=f"o-{state}") for state in AlertState.values()]
    rows += [_notification(i, channel=channel) for i, channel in enumerate(NotificationChannel.values())]
    rows += [_notification(10 + i, state=state) for i, state in enumerate(NotificationState.values())]
    rows += [JobRun(job="probe", holder="h", started_at=T0, outcome=outcome, error="") for outcome in
             JobOutcome.values()]
    session.add_all(rows)
    session.commit()
    assert len(session.scalars(select(Alert)).all()) == len(AlertKind) + len(AlertSeverity) + len(AlertState)


@pytest.mark.parametrize("make", [
    lambda gh: _alert(gh, 1, kind="heatwave"),
    lambda gh: _alert(gh, 1, severity="urgent"),
    lambda gh: _alert(gh, 1, state="snoozed"),
    lambda gh: _alert(gh, 1, state="Open"),  # values are lower case, as the vocabulary spells them
    lambda gh: _notification(1, channel="sms"),
    lambda gh: _notification(1, state="queued"),
    lambda gh: JobRun(job="probe", holder="h", started_at=T0, outcome="crashed", error=""),
], ids=["alert kind", "alert severity", "alert state", "alert state case", "channel", "notification state",
        "job outcome"])
def test_the_database_refuses_a_value_outside_the_vocabulary(session, make):
    gh = make_park(session, greenhouses=1).greenhouses[0]
    session.commit()
    session.add(make(gh.id))
    with pytest.raises(IntegrityError) as refused:
        session.commit()
    assert "_vocab" in str(refused.value).lower() or "check" in str(refused.value).lower()
    session.rollback()


def _checks(url: str, table: str) -> set[str]:
    db = Database(url)
    try:
        return {c["name"] for c in inspect(db.engine).get_check_constraints(table)}
    finally:
        db.dispose()


def test_the_vocabulary_migration_goes_down_and_up(tmp_path):
    url = f"sqlite:///{tmp_path / 'farm.db'}"
    upgrade(url)
    assert _checks(url, "alerts") == {"ck_alerts_kind_vocab", "ck_alerts_severity_vocab", "ck_alerts_state_vocab"}
    assert _checks(url, "notifications") == {"ck_notifications_channel_vocab", "ck_notifications_state_vocab"}
    assert _checks(url, "job_runs") == {"ck_job_runs_outcome_vocab"}
    command.downgrade(alembic_config(url), "0504_rollup_backlog")
    assert _checks(url, "alerts") == _checks(url, "notifications") == _checks(url, "job_runs") == set()
    upgrade(url)
    assert "ck_alerts_kind_vocab" in _checks(url, "alerts")
