"""Savepoints (session.begin_nested) on each backend: the services use one to lose a unique-key race harmlessly
(notify.enqueue, the harvest key, job runs, the scheduler lease, the daily report), and the caller owns the
transaction around it. A savepoint must neither commit the caller's work nor undo it: what it wrote stays only
if the caller commits, and its rollback leaves the caller's earlier work in place."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from farm.models.alerts import Notification
from farm.models.crops import Crop
from farm.services import notify, settings
from tests.factories import make_crop

T0 = datetime(2026, 11, 28, 6, 0, tzinfo=timezone.utc)


def codes(database) -> list[str]:
    """The crops another connection sees: what has been committed."""
    with database.session() as other:
        return list(other.scalars(select(Crop.code).order_by(Crop.code)))


def test_a_savepoint_after_reads_alone_is_undone_when_the_caller_rolls_back(database):
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(Crop)) == 0  # reads only: no write has begun yet
        with s.begin_nested():
            make_crop(s, "tomato", "番茄", "Tomato")
        assert codes(database) == []  # released, not committed
        s.rollback()
    assert codes(database) == []


def test_a_savepoint_after_reads_alone_is_kept_when_the_caller_commits(database):
    with database.session() as s:
        s.scalar(select(func.count()).select_from(Crop))
        with s.begin_nested():
            make_crop(s, "tomato", "番茄", "Tomato")
        make_crop(s, "pepper", "辣椒", "Pepper")
        s.commit()
    assert codes(database) == ["pepper", "tomato"]


def test_a_savepoint_rolled_back_keeps_the_callers_earlier_work_uncommitted(database):
    with database.session() as s:
        make_crop(s, "cucumber")
        with pytest.raises(IntegrityError), s.begin_nested():
            make_crop(s, "cucumber")  # the same code: the unique key refuses it
        assert list(s.scalars(select(Crop.code))) == ["cucumber"]  # the earlier work is still there ...
        assert codes(database) == []  # ... and not committed by the savepoint's rollback
        make_crop(s, "tomato", "番茄", "Tomato")
        s.rollback()
    assert codes(database) == []


def test_a_savepoint_rolled_back_then_the_caller_commits_its_own_work_only(database):
    with database.session() as s:
        make_crop(s, "cucumber")
        with pytest.raises(IntegrityError), s.begin_nested():
            make_crop(s, "cucumber")
        make_crop(s, "tomato", "番茄", "Tomato")
        s.commit()
    assert codes(database) == ["cucumber", "tomato"]


def test_a_notification_queued_by_a_request_that_then_fails_is_not_kept(database):
    with database.session() as s:
        settings.put(s, "notify.webhook_url", "http://127.0.0.1:9/hook")
        s.commit()
    with database.session() as s:
        assert notify.enqueue(s, "alert-1", "冻害", "GH-001", T0) is True  # its look-ups, then its savepoint
        s.rollback()  # the caller's later step failed
    with database.session() as s:
        assert s.scalars(select(Notification)).all() == []
        assert notify.enqueue(s, "alert-1", "冻害", "GH-001", T0) is True  # so the key is still free
        s.commit()
        assert [n.key for n in s.scalars(select(Notification))] == ["alert-1"]
