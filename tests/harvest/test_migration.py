"""0102_harvest_vocab: the grade CHECK constraint goes on and off an SQLite database that holds harvests without
losing a record or its history (SQLite rebuilds the table, and its foreign keys cascade)."""
from __future__ import annotations

from decimal import Decimal

from alembic import command
from sqlalchemy import func, select, text

from farm import clock
from farm.db import Database
from farm.migrate import alembic_config, upgrade
from farm.models.harvest import Harvest, HarvestChange
from tests.factories import make_crop, make_park, make_planting, make_user


def _counts(db: Database) -> tuple[int, int]:
    with db.session() as session:
        return (session.scalar(select(func.count()).select_from(Harvest)),
                session.scalar(select(func.count()).select_from(HarvestChange)))


def _schema(db: Database) -> str:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'harvests'")).scalar()


def test_grade_check_migration_keeps_records_and_history_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'farm.db'}"
    upgrade(url)
    db = Database(url)
    try:
        with db.session_scope() as session:
            park = make_park(session, greenhouses=1)
            planting = make_planting(session, park.greenhouses[0], make_crop(session))
            user = make_user(session, "manager")
            now = clock.now()
            harvest = Harvest(greenhouse_id=park.greenhouses[0].id, planting_id=planting.id, crop_id=planting.crop_id,
                              weight_kg=Decimal("12.5"), grade="grade1", harvested_at=now, day=clock.park_day(now),
                              entered_by_id=user.id, note="", void_reason="", created_at=now, updated_at=now)
            session.add(harvest)
            session.flush()
            session.add(HarvestChange(harvest_id=harvest.id, action="correct", changed_by_id=user.id, changed_at=now,
                                      before={"weight_kg": "12.000"}, after={"weight_kg": "12.500"}, reason="复秤"))
        assert "ck_harvests_grade_vocab" in _schema(db) and _counts(db) == (1, 1)

        command.downgrade(alembic_config(url), "0101_harvest")
        assert "ck_harvests_grade_vocab" not in _schema(db) and _counts(db) == (1, 1)

        upgrade(url)
        assert "ck_harvests_grade_vocab" in _schema(db) and _counts(db) == (1, 1)
        with db.session() as session:
            assert session.scalar(select(HarvestChange.reason)) == "复秤"
    finally:
        db.dispose()
