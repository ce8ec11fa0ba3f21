"""Harvests: log an entry (once per idempotency key), correct or void it with history, list them, and the day
against the target.

What a worker may correct is one rule, here (`correctable_fields`): pages build their forms from it and the API is
held to it by `correct_harvest`, so no caller can widen it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from farm import clock, units
from farm.errors import Conflict, Forbidden, Invalid, NotFound
from farm.inputs.harvest import HarvestChange, HarvestIn
from farm.models.auth import User
from farm.models.crops import Crop, Planting
from farm.models.harvest import Harvest
from farm.models.harvest import HarvestChange as ChangeRecord
from farm.models.park import Greenhouse
from farm.models.people import Worker
from farm.permissions import can
from farm.services import park, payroll, plantings, settings, sprays, stock
from farm.services.settings import SettingSpec, _decimal, _int, register
from farm.vocab import Grade, Role

TARGET = register(SettingSpec(
    "harvest.daily_target_kg", Decimal("1500"), _decimal, _l("Daily harvest target"), _l("kg"), Decimal(0)))
MAX_ENTRY = register(SettingSpec(
    "harvest.max_entry_kg", Decimal("500"), _decimal, _l("Largest weight of one harvest entry"), _l("kg"),
    Decimal("0.001")))
CORRECTION_MINUTES = register(SettingSpec(
    "harvest.correction_minutes", 15, _int, _l("Minutes a worker may correct their own harvest entry"),
    _l("minutes"), Decimal(0)))

# A phone's clock may run a little fast; a harvest "in the future" beyond this is refused.
CLOCK_SKEW = timedelta(minutes=5)

# What may be corrected on a record: a manager every field; a worker only what they weighed and graded (never
# where or when it was picked, nor whose harvest it is: those decide pay and the daily totals).
ALL_FIELDS = ("greenhouse", "weight_kg", "grade", "crates", "harvested_at", "worker", "note")
WORKER_FIELDS = ("weight_kg", "grade", "crates", "note")
FIELD_LABELS = {"greenhouse": _l("Greenhouse"), "harvested_at": _l("Harvested at"), "worker": _l("Worker")}


def is_manager(user: User) -> bool:
    """True for the roles that may correct every field of any record (the permission policy says which)."""
    return can(user, "harvest.correct_any")


def _fields_of(user: User) -> tuple[str, ...]:
    return ALL_FIELDS if is_manager(user) else WORKER_FIELDS


# --- lookups --------------------------------------------------------------------------------------

def get_harvest(session: Session, harvest_id: int, user: User | None = None) -> Harvest:
    """A harvest record; a worker sees only their own (others answer 404, so ids reveal nothing)."""
    harvest = session.get(Harvest, harvest_id)
    if harvest is None or (user is not None and not _may_see(user, harvest)):
        raise NotFound(_l("There is no harvest record %(id)s.", id=harvest_id))
    return harvest


def _may_see(user: User, harvest: Harvest) -> bool:
    if user.role != "worker":
        return True
    return harvest.entered_by_id == user.id or (user.worker_id is not None and harvest.worker_id == user.worker_id)


def _planting(greenhouse: Greenhouse, moment: datetime) -> Planting:
    """The planting a harvest at `moment` comes from: the main one in the ground on that park day
    (services.plantings), so a late entry for an ended planting's last days is credited to that planting and crop."""
    day = clock.park_day(moment)
    planting = plantings.current_planting(greenhouse, day)
    if planting is not None:
        return planting
    standing = plantings.current_planting(greenhouse)
    if standing is not None and day < standing.planted_on:
        msg = _l("The harvest time is before the planting started (%(date)s).", date=standing.planted_on.isoformat())
        raise Invalid(msg, {"harvested_at": msg})
    msg = _l("Greenhouse %(code)s has no active planting, so nothing can be harvested there; start a planting first.",
             code=greenhouse.code)
    raise Invalid(msg, {"greenhouse": msg})


def _worker_for(session: Session, user: User, worker_id: int | None) -> Worker | None:
    """Whose harvest this is: a worker logs for themself only; a manager names any worker (or none)."""
    if user.role == "worker":
        if user.worker_id is None:
            raise Forbidden(_l("Your login belongs to no worker record; ask a manager."))
        if worker_id is not None and worker_id != user.worker_id:
            msg = _l("A worker may log harvests only for themself.")
            raise Forbidden(msg, {"worker": msg})
        return session.get(Worker, user.worker_id)
    if worker_id is None:
        return None
    worker = session.get(Worker, worker_id)
    if worker is None:
        msg = _l("There is no worker %(id)s.", id=worker_id)
        raise Invalid(msg, {"worker": msg})
    return worker


def _check_weight(session: Session, weight: Decimal) -> Decimal:
    limit = settings.get(session, MAX_ENTRY.key)
    if weight > limit:
        msg = _l("At most %(max)s kg in one entry; log a larger harvest as several entries.", max=limit)
        raise Invalid(msg, {"weight_kg": msg})
    return units.kg(weight)


def _harvest_time(value: datetime | None) -> datetime:
    """An aware UTC time (a time without offset is the park's local time), not in the future."""
    now = clock.now()
    if value is None:
        value = now
    elif value.tzinfo is None:
        value = value.replace(tzinfo=clock.park_tz())
    value = value.astimezone(timezone.utc)
    if value > now + CLOCK_SKEW:
        msg = _l("The harvest time is in the future.")
        raise Invalid(msg, {"harvested_at": msg})
    return value


# --- logging --------------------------------------------------------------------------------------

def _by_key(session: Session, user: User, key: str) -> Harvest | None:
    return session.scalar(select(Harvest).where(Harvest.entered_by_id == user.id, Harvest.idempotency_key == key))


def log_harvest(session: Session, data: HarvestIn, user: User, key: str | None = None) -> tuple[Harvest, bool]:
    """Store a harvest entry and return it with True; with an idempotency key already used by this user,
    return that first record with False and store nothing."""
    if key:
        existing = _by_key(session, user, key)
        if existing is not None:
            return existing, False
    worker = _worker_for(session, user, data.worker)
    weight = _check_weight(session, data.weight_kg)
    greenhouse = park.greenhouse_named(session, data.greenhouse)
    harvested_at = _harvest_time(data.harvested_at)
    if not is_manager(user):
        _refuse_closed_month(session, clock.park_day(harvested_at))
    planting = _planting(greenhouse, harvested_at)
    block = sprays.check_harvest(session, greenhouse.id, harvested_at, user, data.interval_override)
    now = clock.now()
    harvest = Harvest(
        greenhouse_id=greenhouse.id, planting_id=planting.id, crop_id=planting.crop_id, weight_kg=weight,
        grade=data.grade, crates=data.crates, harvested_at=harvested_at, day=clock.park_day(harvested_at),
        worker_id=worker.id if worker else None, entered_by_id=user.id, note=data.note,
        idempotency_key=key or None, created_at=now, updated_at=now,
    )
    if not key:
        session.add(harvest)
        session.flush()
        _keep_override(session, harvest, block, data.interval_override, user)
        return harvest, True
    # A concurrent retry with the same key may win the race: the unique constraint decides, and the
    # loser answers with the winner's record.
    try:
        with session.begin_nested():
            session.add(harvest)
            session.flush()
    except IntegrityError:
        existing = _by_key(session, user, key)
        if existing is None:
            raise
        return existing, False
    _keep_override(session, harvest, block, data.interval_override, user)
    return harvest, True


def _keep_override(session: Session, harvest: Harvest, block, reason: str | None, user: User) -> None:
    """A manager's harvest inside a pre-harvest interval keeps the reason given (services.sprays)."""
    if block is not None and reason:
        sprays.record_override(session, harvest, block, reason, user)


# --- corrections ----------------------------------------------------------------------------------

def snapshot(harvest: Harvest) -> dict:
    """The correctable fields of a record as JSON values, for the history."""
    return {
        "greenhouse": harvest.greenhouse.code,
        "planting_id": harvest.planting_id,
        "crop": harvest.crop.code,
        "weight_kg": str(units.kg(harvest.weight_kg)),
        "grade": harvest.grade,
        "crates": harvest.crates,
        "harvested_at": harvest.harvested_at.isoformat(),
        "worker": harvest.worker_id,
        "note": harvest.note,
    }


def correction_deadline(session: Session, harvest: Harvest) -> datetime:
    """Until when the worker who entered a record may still correct it."""
    minutes = settings.get(session, CORRECTION_MINUTES.key)
    return harvest.created_at + timedelta(minutes=minutes)


def _check_may_change(session: Session, harvest: Harvest, user: User) -> None:
    """Refuse unless `user` may correct or void this record now (a manager always, a worker their own entry
    within the correction window and outside a closed pay month)."""
    if harvest.voided:
        raise Conflict(_l("This harvest record has been voided and can no longer change."))
    if is_manager(user):
        return
    if user.role != Role.WORKER or harvest.entered_by_id != user.id:
        raise Forbidden(_l("You may correct only the entries you entered yourself; ask a manager."))
    if clock.now() > correction_deadline(session, harvest):
        minutes = settings.get(session, CORRECTION_MINUTES.key)
        raise Forbidden(_l("You can correct your own entries only within %(n)s minutes of saving them; ask a manager.",
                           n=minutes))
    _refuse_closed_month(session, harvest.day)


def _refuse_closed_month(session: Session, day) -> None:
    """Forbidden when `day` lies in a closed pay month: a worker's entry never lands in or changes one."""
    month = clock.month_of(day)
    if payroll.closed(session, month) is not None:
        raise Forbidden(_l("The payroll of %(month)s is closed, so this entry can no longer change; ask a manager.",
                           month=month))


def correctable_fields(session: Session, user: User, harvest: Harvest) -> tuple[str, ...]:
    """The fields `user` may correct on `harvest` now: every field for a manager, weight, grade, crates and note
    for the worker who entered it (within the window, outside a closed pay month), none otherwise."""
    try:
        _check_may_change(session, harvest, user)
    except (Forbidden, Conflict):
        return ()
    return _fields_of(user)


def may_change(session: Session, harvest: Harvest, user: User) -> bool:
    """True when `user` may still correct or void this record (for pages deciding what to show)."""
    return bool(correctable_fields(session, user, harvest))


def _refuse_fields(given: dict, allowed: tuple[str, ...]) -> None:
    """Forbidden, naming each field, when a correction touches a field the rule keeps from this user."""
    refused = [name for name in given if name not in allowed]
    if refused:
        fields = {name: _l("You may not change %(field)s; a worker corrects only the weight, grade, crates and "
                           "note. Ask a manager.", field=FIELD_LABELS.get(name, name)) for name in refused}
        raise Forbidden(fields[refused[0]], fields)


def correct_harvest(session: Session, harvest_id: int, data: HarvestChange, user: User) -> Harvest:
    """Change the given fields of a record and keep who, when, before and after; nothing given changes nothing.
    A field the rule keeps from this user (`correctable_fields`) refuses the whole correction."""
    harvest = get_harvest(session, harvest_id, user)
    _check_may_change(session, harvest, user)
    before = snapshot(harvest)
    given = {k: v for k, v in data.model_dump(exclude_unset=True, exclude={"reason", "interval_override"}).items() if v is not None}
    _refuse_fields(given, _fields_of(user))
    if "greenhouse" in given:
        greenhouse = park.greenhouse_named(session, given["greenhouse"])
        if greenhouse.id != harvest.greenhouse_id:
            harvest.greenhouse = greenhouse
    if "weight_kg" in given:
        harvest.weight_kg = _check_weight(session, given["weight_kg"])
    if "grade" in given:
        harvest.grade = given["grade"]
    if "crates" in given:
        harvest.crates = given["crates"]
    if "note" in given:
        harvest.note = given["note"]
    if "worker" in given and given["worker"] != harvest.worker_id:
        worker = _worker_for(session, user, given["worker"])
        harvest.worker_id = worker.id if worker else None
    if "harvested_at" in given or "greenhouse" in given:
        # A new place or time may mean another planting (and crop): the one in that greenhouse on that day.
        harvest.harvested_at = _harvest_time(given.get("harvested_at", harvest.harvested_at))
        harvest.day = clock.park_day(harvest.harvested_at)
        planting = _planting(harvest.greenhouse, harvest.harvested_at)
        harvest.planting, harvest.crop = planting, planting.crop
        harvest.planting_id, harvest.crop_id = planting.id, planting.crop_id
    after = snapshot(harvest)
    changed = [k for k in after if after[k] != before[k]]
    if not changed:
        return harvest
    moved = bool({"greenhouse", "harvested_at"} & set(changed))
    block = sprays.check_harvest(session, harvest.greenhouse.id, harvest.harvested_at, user,
                                 data.interval_override) if moved else None
    stock.check_harvest_change(session, harvest)
    harvest.updated_at = clock.now()
    session.add(ChangeRecord(
        harvest=harvest, action="correct", changed_by_id=user.id, changed_at=harvest.updated_at,
        before={k: before[k] for k in changed}, after={k: after[k] for k in changed}, reason=data.reason,
    ))
    session.flush()
    if moved:
        _keep_override(session, harvest, block, data.interval_override, user)
    return harvest


def void_harvest(session: Session, harvest_id: int, reason: str, user: User) -> Harvest:
    """Void a wrong record with a reason: it stays, marked, and no longer counts."""
    harvest = get_harvest(session, harvest_id, user)
    _check_may_change(session, harvest, user)
    now = clock.now()
    harvest.voided_at = now
    harvest.voided_by_id = user.id
    harvest.void_reason = reason
    harvest.updated_at = now
    stock.check_harvest_change(session, harvest)
    session.add(ChangeRecord(harvest=harvest, action="void", changed_by_id=user.id, changed_at=now,
                             before={"voided": False}, after={"voided": True}, reason=reason))
    session.flush()
    return harvest


# --- lists ----------------------------------------------------------------------------------------

@dataclass
class HarvestFilter:
    """Which records a list shows. Days are the park's; `until` is exclusive."""

    since: date | None = None
    until: date | None = None
    greenhouse: str | None = None
    crop: str | None = None
    worker: int | None = None
    grade: str | None = None
    include_voided: bool = False


def harvest_query(session: Session, wanted: HarvestFilter, user: User | None = None,
                  oldest_first: bool = False) -> Select:
    """A select of the matching records, newest first (oldest first for exports); a worker's list holds only
    their own."""
    order = (Harvest.harvested_at, Harvest.id) if oldest_first else (Harvest.harvested_at.desc(), Harvest.id.desc())
    query = (
        select(Harvest)
        .options(selectinload(Harvest.greenhouse), selectinload(Harvest.crop), selectinload(Harvest.worker),
                 selectinload(Harvest.entered_by))
        .order_by(*order)
    )
    if user is not None and user.role == "worker":
        query = query.where((Harvest.worker_id == user.worker_id) | (Harvest.entered_by_id == user.id))
    if wanted.since:
        query = query.where(Harvest.day >= wanted.since)
    if wanted.until:
        query = query.where(Harvest.day < wanted.until)
    if wanted.greenhouse:
        code = wanted.greenhouse.strip().upper()
        query = query.where(Harvest.greenhouse_id == select(Greenhouse.id).where(Greenhouse.code == code).scalar_subquery())
    if wanted.crop:
        query = query.where(Harvest.crop_id == select(Crop.id).where(Crop.code == wanted.crop.strip().lower()).scalar_subquery())
    if wanted.worker is not None:
        query = query.where(Harvest.worker_id == wanted.worker)
    if wanted.grade:
        query = query.where(Harvest.grade == wanted.grade)
    if not wanted.include_voided:
        query = query.where(Harvest.voided_at.is_(None))
    return query


def totals(session: Session, query: Select) -> tuple[Decimal, int]:
    """The weight and number of the records a `harvest_query` selects, voided ones left out."""
    weight, count = session.execute(
        select(func.coalesce(func.sum(Harvest.weight_kg), 0), func.count(Harvest.id))
        .where(Harvest.id.in_(query.with_only_columns(Harvest.id).order_by(None)), Harvest.voided_at.is_(None))
    ).one()
    return units.kg(weight), count


def check_grade(grade: str | None) -> str | None:
    """A grade from a query, None when empty; Invalid when it is not one of the park's grades."""
    if grade and Grade.get(grade) is None:
        msg = _l("Unknown grade %(grade)s.", grade=grade)
        raise Invalid(msg, {"grade": msg})
    return grade or None


# --- the day against the target -------------------------------------------------------------------

@dataclass
class DaySummary:
    """One day's harvest: total, target, and the split by crop and by greenhouse (largest first)."""

    day: date
    total_kg: Decimal
    count: int
    target_kg: Decimal
    by_crop: list[dict] = field(default_factory=list)
    by_greenhouse: list[dict] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return int(self.total_kg * 100 / self.target_kg) if self.target_kg else 0


def day_summary(session: Session, day: date | None = None) -> DaySummary:
    """The day's total against the daily target, by crop and greenhouse; two small grouped queries."""
    day = day or clock.today()
    weight = func.sum(Harvest.weight_kg)
    alive = (Harvest.day == day, Harvest.voided_at.is_(None))
    crops = session.execute(
        select(Crop.code, Crop.name_zh, Crop.name_en, Crop.color, weight, func.count(Harvest.id))
        .join(Crop, Crop.id == Harvest.crop_id).where(*alive)
        .group_by(Crop.code, Crop.name_zh, Crop.name_en, Crop.color).order_by(weight.desc())
    ).all()
    houses = session.execute(
        select(Greenhouse.code, Crop.code, Crop.name_zh, Crop.name_en, weight)
        .join(Greenhouse, Greenhouse.id == Harvest.greenhouse_id).join(Crop, Crop.id == Harvest.crop_id).where(*alive)
        .group_by(Greenhouse.code, Crop.code, Crop.name_zh, Crop.name_en).order_by(weight.desc())
    ).all()
    by_crop = [{"code": c, "name_zh": zh, "name_en": en, "color": color, "weight_kg": units.kg(w), "count": n}
               for c, zh, en, color, w, n in crops]
    by_house = [{"code": g, "crop": c, "name_zh": zh, "name_en": en, "weight_kg": units.kg(w)}
                for g, c, zh, en, w in houses]
    return DaySummary(
        day=day,
        total_kg=sum((r["weight_kg"] for r in by_crop), Decimal(0)),
        count=sum(r["count"] for r in by_crop),
        target_kg=units.decimal(settings.get(session, TARGET.key, on=day)),
        by_crop=by_crop,
        by_greenhouse=by_house,
    )


# --- the worker's page ----------------------------------------------------------------------------

def greenhouses_for_logging(session: Session, user: User) -> list[tuple[Greenhouse, Planting]]:
    """Greenhouses with an active planting; those this user harvested in lately come first."""
    houses = [(g, park.current_planting(g)) for g in park.list_greenhouses(session)]
    houses = [(g, p) for g, p in houses if p is not None]
    since = clock.today() - timedelta(days=14)
    mine = Harvest.worker_id == user.worker_id if user.worker_id else Harvest.entered_by_id == user.id
    recent = dict(session.execute(
        select(Harvest.greenhouse_id, func.count(Harvest.id)).where(mine, Harvest.day >= since)
        .group_by(Harvest.greenhouse_id)
    ).all())
    return sorted(houses, key=lambda gp: (-recent.get(gp[0].id, 0), gp[0].code))


def todays_entries(session: Session, user: User) -> list[Harvest]:
    """What this user logged today (a worker: their own harvests), newest first, voided ones included."""
    query = harvest_query(session, HarvestFilter(since=clock.today(), until=clock.today() + timedelta(days=1),
                                                 include_voided=True), user)
    if user.role != "worker":
        query = query.where(Harvest.entered_by_id == user.id)
    return list(session.scalars(query))


def recent_days(session: Session, user: User, days: int = 7) -> list[tuple[date, Decimal, int]]:
    """This user's own harvest per day over the last `days` days before today, newest first."""
    today = clock.today()
    mine = Harvest.worker_id == user.worker_id if user.worker_id else Harvest.entered_by_id == user.id
    rows = session.execute(
        select(Harvest.day, func.sum(Harvest.weight_kg), func.count(Harvest.id))
        .where(mine, Harvest.day >= today - timedelta(days=days), Harvest.day < today, Harvest.voided_at.is_(None))
        .group_by(Harvest.day).order_by(Harvest.day.desc())
    ).all()
    return [(day, units.kg(weight), count) for day, weight, count in rows]
