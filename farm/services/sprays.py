"""Spraying records (农药使用记录) and the pre-harvest interval (安全间隔期) rule.

The rule, in the park's days (farm.clock): a spray applied on park day D with an interval of N days allows harvest
in that greenhouse again from day D + N (`allowed_from`). A harvest at a moment M in that greenhouse is refused when
a spray there was applied at or before M and its first allowed day is after M's park day: with N = 3 and a spray on
the 10th, the 12th is the last day refused and the 13th the first allowed; N = 0 refuses nothing. A harvest weighed
before the spray (the morning's picking, sprayed that evening) is not affected.

`harvest_block` is the one place that decides; the harvest service calls `check_harvest` with it for every new
harvest and every correction of place or time, on the page, the API and the phone's offline queue alike. A manager
(permission `sprays.manage`) may log such a harvest with a reason, which is kept (`SprayOverride`) and shown in the
harvest's history.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from farm import clock
from farm.errors import Forbidden, Invalid, NotFound
from farm.inputs.sprays import ProductIn, SprayIn
from farm.models.auth import User
from farm.models.crops import Crop
from farm.models.harvest import Harvest
from farm.models.harvest import HarvestChange as ChangeRecord
from farm.models.park import Greenhouse
from farm.models.people import Worker
from farm.models.sprays import Spray, SprayOverride, SprayProduct, SprayProductCrop
from farm.permissions import can
from farm.services import park, plantings

# A phone's clock may run a little fast; a spray "in the future" beyond this is refused.
CLOCK_SKEW = timedelta(minutes=5)


def allowed_from(day: date, phi_days: int) -> date:
    """The first park day a harvest is allowed after a spray on `day` with an interval of `phi_days` days."""
    return day + timedelta(days=phi_days)


# --- products -------------------------------------------------------------------------------------

def list_products(session: Session, active_only: bool = False) -> list[SprayProduct]:
    """The park's pesticide products by name (only those still in use with `active_only`)."""
    query = select(SprayProduct).order_by(SprayProduct.name)
    if active_only:
        query = query.where(SprayProduct.active.is_(True))
    return list(session.scalars(query))


def get_product(session: Session, product_id: int) -> SprayProduct:
    product = session.get(SprayProduct, product_id)
    if product is None:
        raise NotFound(_l("There is no pesticide product %(id)s.", id=product_id))
    return product


def _product_named(session: Session, name: str) -> SprayProduct | None:
    return session.scalar(select(SprayProduct).where(SprayProduct.name == name))


def save_product(session: Session, data: ProductIn, product_id: int | None = None) -> SprayProduct:
    """Add a product to the list, or change one; a name is used once."""
    product = SprayProduct() if product_id is None else get_product(session, product_id)
    other = _product_named(session, data.name)
    if other is not None and other is not product:
        msg = _l("The list already has a product named %(name)s.", name=data.name)
        raise Invalid(msg, {"name": msg})
    for name in ("name", "registration_no", "active_ingredient", "phi_days", "active", "note"):
        setattr(product, name, getattr(data, name))
    crops = {c.code: c for c in session.scalars(select(Crop).where(Crop.code.in_(list(data.crop_intervals))))}
    unknown = {f"crop_intervals.{code}": _l("There is no crop %(code)s.", code=code)
               for code in data.crop_intervals if code not in crops}
    if unknown:
        raise Invalid(_l("Some fields are not valid."), unknown)
    product.crop_intervals = [SprayProductCrop(crop=crops[code], phi_days=days)
                              for code, days in sorted(data.crop_intervals.items())]
    if product_id is None:
        product.created_at = clock.now()
        session.add(product)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # the same name saved at the same moment by someone else
        msg = _l("The list already has a product named %(name)s.", name=data.name)
        raise Invalid(msg, {"name": msg}) from None
    return product


def product_interval(product: SprayProduct, greenhouse: Greenhouse, day: date) -> int:
    """The interval a listed product takes in this greenhouse on this day: the one its label states for the crop
    growing there, else the product's default."""
    planting = plantings.current_planting(greenhouse, day)
    for interval in product.crop_intervals:
        if planting is not None and interval.crop_id == planting.crop_id:
            return interval.phi_days
    return product.phi_days


def crop_intervals(product: SprayProduct) -> dict[str, int]:
    """Crop code -> interval, as the product's answer and the spray form's script read them."""
    return {interval.crop.code: interval.phi_days for interval in product.crop_intervals}


# --- recording a spray ----------------------------------------------------------------------------

def _operator(session: Session, worker_id: int) -> Worker:
    worker = session.get(Worker, worker_id)
    if worker is None:
        msg = _l("There is no worker %(id)s.", id=worker_id)
        raise Invalid(msg, {"operator": msg})
    return worker


def _applied_at(value: datetime | None) -> datetime:
    """An aware UTC time (without an offset it is the park's local time), not in the future."""
    now = clock.now()
    if value is None:
        return now
    if value.tzinfo is None:
        value = value.replace(tzinfo=clock.park_tz())
    value = value.astimezone(timezone.utc)
    if value > now + CLOCK_SKEW:
        msg = _l("The spraying time is in the future.")
        raise Invalid(msg, {"applied_at": msg})
    return value


def record_spray(session: Session, data: SprayIn, user: User) -> Spray:
    """Store a spray; a product from the park's list gives the registration number, active ingredient and interval
    that were not typed; a product not on the list needs all three."""
    greenhouse = park.greenhouse_named(session, data.greenhouse)
    operator = _operator(session, data.operator)
    applied_at = _applied_at(data.applied_at)
    product = _product_named(session, data.product)
    registration_no = data.registration_no or (product.registration_no if product else None)
    ingredient = data.active_ingredient or (product.active_ingredient if product else None)
    phi_days = data.phi_days
    if phi_days is None and product is not None:
        phi_days = product_interval(product, greenhouse, clock.park_day(applied_at))
    missing = {name: _l("Required for a product that is not on the park's list.")
               for name, value in (("registration_no", registration_no), ("active_ingredient", ingredient),
                                   ("phi_days", phi_days)) if value is None}
    if missing:
        raise Invalid(_l("Some fields are not valid."), missing)
    day = clock.park_day(applied_at)
    spray = Spray(
        greenhouse_id=greenhouse.id, applied_at=applied_at, day=day, product_id=product.id if product else None,
        product_name=data.product, registration_no=registration_no, active_ingredient=ingredient, dose=data.dose,
        dose_unit=data.dose_unit, water_l=data.water_l, target=data.target, operator_id=operator.id,
        phi_days=phi_days, harvest_allowed_from=allowed_from(day, phi_days), note=data.note,
        recorded_by_id=user.id, created_at=clock.now(),
    )
    session.add(spray)
    session.flush()
    return spray


def get_spray(session: Session, spray_id: int) -> Spray:
    spray = session.get(Spray, spray_id)
    if spray is None:
        raise NotFound(_l("There is no spraying record %(id)s.", id=spray_id))
    return spray


def spray_query(session: Session, greenhouse: str | None = None, since: date | None = None,
                until: date | None = None) -> Select:
    """A select of spraying records, newest first; days are the park's, `until` exclusive."""
    query = (select(Spray).options(selectinload(Spray.greenhouse), selectinload(Spray.operator))
             .order_by(Spray.applied_at.desc(), Spray.id.desc()))
    if greenhouse:
        gh = park.greenhouse_named(session, greenhouse.strip().upper())
        query = query.where(Spray.greenhouse_id == gh.id)
    if since:
        query = query.where(Spray.day >= since)
    if until:
        query = query.where(Spray.day < until)
    return query


# --- the interval rule ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Block:
    """A spray whose interval keeps a greenhouse from being harvested: what was sprayed, when, until when."""

    spray_id: int
    greenhouse: str
    product: str
    applied_on: date
    phi_days: int
    allowed_from: date

    @property
    def message(self) -> str:
        return str(_l("%(greenhouse)s was sprayed with %(product)s on %(date)s: harvest there is allowed from "
                      "%(allowed)s.", greenhouse=self.greenhouse, product=self.product,
                      date=self.applied_on.isoformat(), allowed=self.allowed_from.isoformat()))


def _block(spray: Spray) -> Block:
    return Block(spray.id, spray.greenhouse.code, spray.product_name, spray.day, spray.phi_days,
                 spray.harvest_allowed_from)


def harvest_block(session: Session, greenhouse_id: int, moment: datetime) -> Block | None:
    """The spray that keeps a harvest at `moment` in this greenhouse inside its interval (the one allowing harvest
    latest), or None when harvest is allowed (see the module's rule)."""
    spray = session.scalar(
        select(Spray).options(selectinload(Spray.greenhouse))
        .where(Spray.greenhouse_id == greenhouse_id, Spray.applied_at <= moment,
               Spray.harvest_allowed_from > clock.park_day(moment))
        .order_by(Spray.harvest_allowed_from.desc(), Spray.applied_at.desc()).limit(1)
    )
    return _block(spray) if spray is not None else None


def check_harvest(session: Session, greenhouse_id: int, moment: datetime, user: User,
                  override_reason: str | None = None) -> Block | None:
    """Refuse a harvest inside an interval (422: the message names the product, the spray day and the first allowed
    day; `fields` hold it under `greenhouse` and the date under `harvest_allowed_from`). A manager's reason lets it
    through: the block is returned for `record_override`. A reason from anyone else is refused (403)."""
    if override_reason and not can(user, "sprays.manage"):
        msg = _l("Only a manager may harvest inside a pre-harvest interval.")
        raise Forbidden(msg, {"interval_override": msg})
    block = harvest_block(session, greenhouse_id, moment)
    if block is None:
        return None
    if override_reason:
        return block
    msg = block.message
    raise Invalid(msg, {"greenhouse": msg, "harvest_allowed_from": block.allowed_from.isoformat()},
                  code="pre_harvest_interval")


def record_override(session: Session, harvest: Harvest, block: Block, reason: str, user: User) -> SprayOverride:
    """Keep a manager's harvest inside an interval with the reason, on the harvest and in its history."""
    now = clock.now()
    override = session.scalar(select(SprayOverride).where(SprayOverride.harvest_id == harvest.id))
    if override is None:
        override = SprayOverride(harvest_id=harvest.id)
        session.add(override)
    override.spray_id, override.harvest_allowed_from = block.spray_id, block.allowed_from
    override.reason, override.overridden_by_id, override.overridden_at = reason, user.id, now
    session.add(ChangeRecord(
        harvest_id=harvest.id, action="override", changed_by_id=user.id, changed_at=now, before={},
        after={"product": block.product, "sprayed_on": block.applied_on.isoformat(),
               "harvest_allowed_from": block.allowed_from.isoformat()}, reason=reason,
    ))
    session.flush()
    return override


def override_of(session: Session, harvest_id: int) -> SprayOverride | None:
    """The manager's override a harvest was logged with, if any."""
    return session.scalar(select(SprayOverride).options(selectinload(SprayOverride.spray))
                          .where(SprayOverride.harvest_id == harvest_id))


def running(session: Session, greenhouse_ids: list[int] | None = None, at: datetime | None = None) -> dict[int, Block]:
    """Per greenhouse, the interval still running at `at` (default now): the spray that allows harvest latest."""
    at = at or clock.now()
    query = (select(Spray).options(selectinload(Spray.greenhouse))
             .where(Spray.applied_at <= at, Spray.harvest_allowed_from > clock.park_day(at))
             .order_by(Spray.harvest_allowed_from, Spray.applied_at))
    if greenhouse_ids is not None:
        query = query.where(Spray.greenhouse_id.in_(greenhouse_ids))
    # Later rows (allowing harvest later) replace earlier ones.
    return {spray.greenhouse_id: _block(spray) for spray in session.scalars(query)}


# --- the public trace page ------------------------------------------------------------------------

@dataclass(frozen=True)
class TraceSpray:
    """A spray as the public trace page shows it: no operator, nobody's name."""

    greenhouse: str
    product: str
    registration_no: str
    active_ingredient: str
    applied_on: date
    phi_days: int
    harvest_allowed_from: date


def for_trace(session: Session, greenhouse_ids: list[int], start: date, end: date) -> list[TraceSpray]:
    """The sprays of these greenhouses applied on the park days [start, end), oldest first."""
    if not greenhouse_ids:
        return []
    rows = session.scalars(
        select(Spray).options(selectinload(Spray.greenhouse))
        .where(Spray.greenhouse_id.in_(greenhouse_ids), Spray.day >= start, Spray.day < end)
        .order_by(Spray.applied_at, Spray.id)
    )
    return [TraceSpray(s.greenhouse.code, s.product_name, s.registration_no, s.active_ingredient, s.day,
                       s.phi_days, s.harvest_allowed_from) for s in rows]

