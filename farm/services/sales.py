"""Selling the park's produce: pack sizes and packing sessions, buyers and their price lists, shipments (送货单)
with their lines and payments, and what buyers owe by age.

- A **price list** holds a buyer's price (元/kg) per crop and grade from a day on; the newest one not after a day
  is the list price that day. A shipment line without a price takes it (no list price and no price: Invalid).
- A price further than `sales.price_warn_percent` (30 %) from the list price is a warning: the page asks for a
  confirmation before it keeps it, the API keeps it (`confirm_far_prices`).
- A **shipment** takes its lines out of the stock first in first out (farm.services.stock), under the stock lock
  of each crop and grade; a line beyond what is on hand is refused with how much is. Each line's amount is its
  weight × price rounded to the fen; the total is the sum of the lines. Its number is `S<YYYYMMDD>-<id>`, its
  certificate code random and unguessable (the public trace page is found by it).
- A shipment is **cancelled** with a reason: its lines are deleted, so the kilograms go back to the very harvest
  lots they were taken from (the allocation rows go with the lines and the database's stock totals follow), and
  the shipment stays, with who cancelled it, when, why and its lines as they were (`ShipmentCancellation`). A
  shipment with payments against it is refused unless those payments are kept as the buyer's credit.
- A shipment dated before today takes only stock that was on hand that day: lots harvested by then and not taken
  since (`stock.on_hand_on`); one dated after today is refused.
- **Payments** are recorded against a shipment. What is paid on a shipment counts up to its total; what exceeds
  it is the buyer's credit. A shipment is `unpaid`, `partial` or `paid`.
- **Receivables**: each shipment's open amount on a day by its age in days since shipped (0-30, 31-60, 61-90,
  90+), per buyer, beside the buyer's credit; open after `sales.payment_days` (30) is overdue.
- **Packing**: a session packs units of the crop and grade's pack size; it does not change the stock (kilograms
  are on hand loose or packed alike). Its units are the packer's crates in the payroll from the day the setting
  `pay.crates_from_packing` is 1 (farm.services.payroll), so a crate is paid once: before that day the crates
  entered on harvest records are paid, from it only packed units are.
"""
from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, selectinload

from farm import clock, units
from farm.errors import Conflict, Invalid, NotFound
from farm.inputs.sales import BuyerIn, CancelIn, PackingIn, PackSizeIn, PaymentIn, PriceIn, ShipmentIn
from farm.models.crops import Crop
from farm.models.people import Worker
from farm.models.sales import (
    Buyer,
    BuyerPrice,
    PackingSession,
    PackSize,
    Shipment,
    ShipmentCancellation,
    ShipmentLine,
    ShipmentPayment,
)
from farm.services import payroll, privacy, settings, stock
from farm.services.plantings import find_crop
from farm.services.settings import SettingSpec, _decimal, _int
from farm.vocab import Grade, ReceivableAge, ShipmentStatus

ZERO = Decimal("0.00")

settings.register(SettingSpec("sales.price_warn_percent", Decimal("30"), _decimal,
                              _l("Warn when a price is this far from the buyer's list price"), _l("percent"),
                              Decimal(0)))
settings.register(SettingSpec("sales.payment_days", 30, _int, _l("Days a buyer has to pay a shipment"),
                              _l("days"), Decimal(1)))

# Characters of certificate codes: no 0/O, 1/I/L, so a code read off a label is typed right.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12


def certificate_code() -> str:
    """A new random certificate code (12 characters of 31: about 59 bits, not guessable)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


# --- pack sizes and packing --------------------------------------------------------------------------

def pack_sizes(session: Session) -> list[PackSize]:
    order = {g.value: i for i, g in enumerate(Grade)}
    rows = session.scalars(select(PackSize).options(selectinload(PackSize.crop))).all()
    return sorted(rows, key=lambda p: (p.crop.code, order.get(p.grade, 99)))


def pack_size_for(session: Session, crop_id: int, grade: str) -> PackSize | None:
    return session.scalar(select(PackSize).where(PackSize.crop_id == crop_id, PackSize.grade == grade))


def set_pack_size(session: Session, data: PackSizeIn) -> PackSize:
    """The pack size of a crop and grade (made or changed)."""
    crop = find_crop(session, data.crop)
    row = pack_size_for(session, crop.id, data.grade)
    if row is None:
        row = PackSize(crop_id=crop.id, grade=data.grade)
        session.add(row)
    row.unit, row.net_kg, row.updated_at = data.unit, units.kg(data.net_kg), clock.now()
    session.flush()
    return row


def record_packing(session: Session, data: PackingIn, user=None) -> PackingSession:
    """A packing session: its weight is units × the pack size; it cannot pack more than is on hand, and its day's
    payroll month must be open (packed units are paid)."""
    crop = find_crop(session, data.crop)
    grade = stock.grade_of(data.grade).value
    day = data.day or clock.today()
    if day > clock.today():
        msg = _l("Packing cannot be recorded for a day that has not come yet.")
        raise Invalid(msg, {"date": msg})
    packer = session.get(Worker, data.packer)
    if packer is None:
        msg = _l("There is no worker %(id)s.", id=data.packer)
        raise Invalid(msg, {"packer": msg})
    size = pack_size_for(session, crop.id, grade)
    if size is None:
        msg = _l("%(crop)s, %(grade)s, has no pack size yet; set one first.", crop=crop.name_zh,
                 grade=Grade(grade).label)
        raise Invalid(msg, {"grade": msg})
    payroll.ensure_open(session, day)
    weight = units.kg(size.net_kg * data.units)
    have = stock.on_hand(session, crop.id, grade)
    if weight > have:
        msg = stock.shortage_message(crop, grade, have, weight)
        raise Invalid(msg, {"units": msg})
    row = PackingSession(day=day, packer_id=packer.id, crop_id=crop.id, grade=grade, pack_size_id=size.id,
                         units=data.units, net_kg=size.net_kg, weight_kg=weight, note=data.note,
                         created_by_id=getattr(user, "id", None))
    session.add(row)
    session.flush()
    from farm.services import trace  # trace reads sales; the batch's code and lineage are fixed as it is packed

    trace.batch_of(session, row.id)
    return row


def packing_sessions(session: Session, since: date | None = None, until: date | None = None) -> Select:
    query = select(PackingSession).options(selectinload(PackingSession.crop), selectinload(PackingSession.packer))
    if since:
        query = query.where(PackingSession.day >= since)
    if until:
        query = query.where(PackingSession.day < until)
    return query.order_by(PackingSession.day.desc(), PackingSession.id.desc())


# --- buyers and prices -----------------------------------------------------------------------------

def get_buyer(session: Session, buyer_id: int, field_name: str | None = None) -> Buyer:
    """The buyer, or NotFound (Invalid naming `field_name` when the id came in a body)."""
    buyer = session.get(Buyer, buyer_id) if 0 < buyer_id < 2**31 else None
    if buyer is None:
        msg = _l("There is no buyer %(id)s.", id=buyer_id)
        if field_name:
            raise Invalid(msg, {field_name: msg})
        raise NotFound(msg)
    return buyer


def list_buyers(session: Session, kind: str | None = None, active_only: bool = False) -> list[Buyer]:
    query = select(Buyer).order_by(Buyer.name)
    if kind:
        query = query.where(Buyer.kind == kind)
    if active_only:
        query = query.where(Buyer.active.is_(True))
    return list(session.scalars(query))


def personal(buyer: Buyer, user) -> dict:
    """The buyer's phone as `user` may see it."""
    return {"phone": privacy.shown("phone", buyer.phone, user)}


def create_buyer(session: Session, data: BuyerIn) -> Buyer:
    buyer = Buyer(**data.model_dump())
    session.add(buyer)
    session.flush()
    return buyer


def update_buyer(session: Session, buyer_id: int, data: BuyerIn) -> Buyer:
    buyer = get_buyer(session, buyer_id)
    for name, value in data.model_dump().items():
        setattr(buyer, name, value)
    session.flush()
    return buyer


def set_price(session: Session, buyer_id: int, data: PriceIn, user=None) -> BuyerPrice:
    """A buyer's price for a crop and grade from a day on (the same day again replaces it; earlier ones stay as
    the list's history)."""
    buyer = get_buyer(session, buyer_id)
    crop = find_crop(session, data.crop)
    row = session.scalar(select(BuyerPrice).where(
        BuyerPrice.buyer_id == buyer.id, BuyerPrice.crop_id == crop.id, BuyerPrice.grade == data.grade,
        BuyerPrice.valid_from == data.valid_from))
    if row is None:
        row = BuyerPrice(buyer_id=buyer.id, crop_id=crop.id, grade=data.grade, valid_from=data.valid_from)
        session.add(row)
    row.price_per_kg = units.fen(data.price_per_kg)
    row.created_by_id = getattr(user, "id", None)
    session.flush()
    return row


def price_history(session: Session, buyer_id: int) -> list[BuyerPrice]:
    """Every price of the buyer's list, newest first per crop and grade."""
    return list(session.scalars(
        select(BuyerPrice).where(BuyerPrice.buyer_id == buyer_id).options(selectinload(BuyerPrice.crop))
        .order_by(BuyerPrice.crop_id, BuyerPrice.grade, BuyerPrice.valid_from.desc())))


def current_prices(session: Session, buyer_id: int, day: date | None = None) -> list[BuyerPrice]:
    """The buyer's list on a day: for each crop and grade, the newest price not after it."""
    day = day or clock.today()
    newest: dict[tuple[int, str], BuyerPrice] = {}
    for row in price_history(session, buyer_id):
        if row.valid_from <= day and (row.crop_id, row.grade) not in newest:
            newest[(row.crop_id, row.grade)] = row
    order = {g.value: i for i, g in enumerate(Grade)}
    return sorted(newest.values(), key=lambda r: (r.crop.code, order.get(r.grade, 99)))


def list_price(session: Session, buyer_id: int, crop_id: int, grade: str, day: date) -> Decimal | None:
    """The buyer's price for the crop and grade on `day`, or None when the list has none."""
    return session.scalar(
        select(BuyerPrice.price_per_kg).where(BuyerPrice.buyer_id == buyer_id, BuyerPrice.crop_id == crop_id,
                                              BuyerPrice.grade == grade, BuyerPrice.valid_from <= day)
        .order_by(BuyerPrice.valid_from.desc()).limit(1))


def price_gap(price: Decimal, listed: Decimal | None) -> Decimal | None:
    """How far `price` is from the list price, in percent of it (signed), or None without a list price."""
    if listed is None or listed <= 0:
        return None
    return units.rounded((price - listed) * 100 / listed, 1)


# --- shipments ----------------------------------------------------------------------------------------

@dataclass
class PlannedLine:
    """A line as it will be stored: resolved crop, weight, price and list price."""

    index: int
    crop: Crop
    grade: str
    weight_kg: Decimal
    units: int | None
    pack_size_id: int | None
    price_per_kg: Decimal
    list_price_per_kg: Decimal | None

    @property
    def amount(self) -> Decimal:
        return units.fen(self.weight_kg * self.price_per_kg)


def _field(index: int, name: str) -> str:
    return f"lines.{index}.{name}"


def plan_lines(session: Session, buyer: Buyer, day: date, data: ShipmentIn) -> tuple[list[PlannedLine], dict]:
    """Resolve each line (crop, weight from units, price from the list). Answers the lines and the warnings of
    prices far from the list ({field: message}); Invalid naming the line's field for what cannot be resolved."""
    planned, warnings, errors = [], {}, {}
    limit = settings.get(session, "sales.price_warn_percent", day)
    for i, line in enumerate(data.lines):
        try:
            crop = find_crop(session, line.crop)
        except Invalid as exc:
            errors[_field(i, "crop")] = exc.fields.get("crop", exc.message)
            continue
        grade = line.grade.value if hasattr(line.grade, "value") else str(line.grade)
        size = None
        weight = line.weight_kg
        if line.units is not None:
            size = pack_size_for(session, crop.id, grade)
            if size is None and weight is None:
                msg = _l("%(crop)s, %(grade)s, has no pack size; enter the weight.", crop=crop.name_zh,
                         grade=Grade(grade).label)
                errors[_field(i, "units")] = msg
                continue
            if weight is None:
                weight = size.net_kg * line.units
        if weight is None:
            msg = _l("Enter the weight or the number of units.")
            errors[_field(i, "weight_kg")] = msg
            continue
        listed = list_price(session, buyer.id, crop.id, grade, day)
        price = line.price_per_kg if line.price_per_kg is not None else listed
        if price is None:
            msg = _l("%(buyer)s has no price for %(crop)s, %(grade)s; enter one.", buyer=buyer.name,
                     crop=crop.name_zh, grade=Grade(grade).label)
            errors[_field(i, "price_per_kg")] = msg
            continue
        gap = price_gap(price, listed)
        if gap is not None and abs(gap) > limit:
            warnings[_field(i, "price_per_kg")] = _l(
                "%(price)s 元/kg is %(gap)s %% from %(buyer)s's list price of %(listed)s 元/kg.",
                price=units.fen(price), gap=gap, buyer=buyer.name, listed=units.fen(listed))
        planned.append(PlannedLine(i, crop, grade, units.kg(weight), line.units, size.id if size else None,
                                   units.fen(price), units.fen(listed) if listed is not None else None))
    if errors:
        raise Invalid(_l("Some lines are not valid."), errors)
    return planned, warnings


def create_shipment(session: Session, data: ShipmentIn, user=None, confirm_far_prices: bool = True) -> Shipment:
    """Ship produce to a buyer: resolve the lines, take them out of the stock first in first out (refused beyond
    what is on hand), number it and give it a certificate code. A price far from the list is refused unless
    `confirm_far_prices` (the page asks first; the API keeps it)."""
    buyer = get_buyer(session, data.buyer_id, "buyer_id")
    day = data.date or clock.today()
    if day > clock.today():
        msg = _l("A shipment cannot be dated after today.")
        raise Invalid(msg, {"date": msg})
    planned, warnings = plan_lines(session, buyer, day, data)
    if warnings and not confirm_far_prices:
        raise Invalid(_l("Some prices are far from the buyer's list; confirm them to ship."), warnings,
                      code="price_confirmation")
    stock.lock(session, [(p.crop.id, p.grade) for p in planned])
    wanted: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for p in planned:
        wanted[(p.crop.id, p.grade)] += p.weight_kg
    errors = {}
    for p in planned:
        have = stock.on_hand_on(session, p.crop.id, p.grade, day)
        if wanted[(p.crop.id, p.grade)] > have:
            errors[_field(p.index, "weight_kg")] = stock.shortage_message(p.crop, p.grade, have,
                                                                          wanted[(p.crop.id, p.grade)], day)
    if errors:
        raise Invalid(next(iter(errors.values())), errors)
    shipment = Shipment(number=f"new-{secrets.token_hex(8)}", buyer_id=buyer.id, day=day,
                        total=sum((p.amount for p in planned), ZERO), consumption_aid=buyer.consumption_aid,
                        certificate_code=certificate_code(), note=data.note, created_by_id=getattr(user, "id", None))
    for p in planned:
        line = ShipmentLine(crop_id=p.crop.id, grade=p.grade, weight_kg=p.weight_kg, units=p.units,
                            pack_size_id=p.pack_size_id, price_per_kg=p.price_per_kg,
                            list_price_per_kg=p.list_price_per_kg, amount=p.amount)
        line.allocations = stock.allocations_of(stock.allocate(session, p.crop.id, p.grade, p.weight_kg, day))
        shipment.lines.append(line)
    session.add(shipment)
    session.flush()
    shipment.number = shipment_number(shipment.day, shipment.id)
    session.flush()
    return shipment


def shipment_number(day: date, shipment_id: int) -> str:
    return f"S{day:%Y%m%d}-{shipment_id:04d}"


def get_shipment(session: Session, shipment_id: int) -> Shipment:
    shipment = session.get(Shipment, shipment_id) if 0 < shipment_id < 2**31 else None
    if shipment is None:
        raise NotFound(_l("There is no shipment %(id)s.", id=shipment_id))
    return shipment


def shipments_query(since: date | None = None, until: date | None = None, buyer_id: int | None = None) -> Select:
    """Shipments from `since` (inclusive) to `until` (exclusive), of one buyer or all, newest first."""
    query = select(Shipment).options(selectinload(Shipment.lines).selectinload(ShipmentLine.crop),
                                     selectinload(Shipment.payments), selectinload(Shipment.buyer),
                                     selectinload(Shipment.cancellation))
    if since:
        query = query.where(Shipment.day >= since)
    if until:
        query = query.where(Shipment.day < until)
    if buyer_id:
        query = query.where(Shipment.buyer_id == buyer_id)
    return query.order_by(Shipment.day.desc(), Shipment.id.desc())


@dataclass
class Settled:
    """How far a shipment is paid: `paid` counts up to the total, `credit` is what was paid beyond it."""

    received: Decimal
    total: Decimal
    cancelled: bool = False

    @property
    def paid(self) -> Decimal:
        return min(self.received, self.total)

    @property
    def outstanding(self) -> Decimal:
        return self.total - self.paid

    @property
    def credit(self) -> Decimal:
        return self.received - self.paid

    @property
    def status(self) -> ShipmentStatus:
        if self.cancelled:
            return ShipmentStatus.CANCELLED
        if self.paid <= 0:
            return ShipmentStatus.UNPAID
        return ShipmentStatus.PAID if self.paid >= self.total else ShipmentStatus.PARTIAL


def settled(shipment: Shipment, on: date | None = None) -> Settled:
    """How far a shipment is paid (by payments made on or before `on`, when given). A cancelled shipment owes
    nothing: what was paid on it is the buyer's credit."""
    received = sum((p.amount for p in shipment.payments if on is None or p.paid_on <= on), ZERO)
    return Settled(received, ZERO if shipment.cancelled else shipment.total, shipment.cancelled)


def record_payment(session: Session, shipment_id: int, data: PaymentIn, user=None) -> ShipmentPayment:
    """Money received against a shipment; more than is owed is kept, and counts as the buyer's credit."""
    shipment = get_shipment(session, shipment_id)
    if shipment.cancelled:
        msg = _l("Shipment %(number)s was cancelled; record the payment against another shipment of the buyer.",
                 number=shipment.number)
        raise Conflict(msg, {"amount": msg})
    if data.paid_on > clock.today():
        msg = _l("A payment cannot be dated after today.")
        raise Invalid(msg, {"paid_on": msg})
    payment = ShipmentPayment(shipment_id=shipment.id, paid_on=data.paid_on, amount=units.fen(data.amount),
                              method=data.method, note=data.note, recorded_by_id=getattr(user, "id", None))
    session.add(payment)
    session.flush()
    session.refresh(shipment, ["payments"])
    return payment


def today_shipments(session: Session, day: date | None = None) -> list[Shipment]:
    """The day's shipments that were not cancelled."""
    return [s for s in session.scalars(shipments_query(day or clock.today(), None).where(
        Shipment.day == (day or clock.today()))) if not s.cancelled]


def cancel_shipment(session: Session, shipment_id: int, data: CancelIn, user=None) -> Shipment:
    """Take a shipment back (see the module's docstring): its kilograms return to the lots they came from, the
    record stays with the reason and who. Conflict when it is already cancelled; Invalid when payments were made
    against it and are not to be kept as the buyer's credit."""
    shipment = get_shipment(session, shipment_id)
    if shipment.cancelled:
        msg = _l("Shipment %(number)s is already cancelled.", number=shipment.number)
        raise Conflict(msg, {"reason": msg})
    received = sum((p.amount for p in shipment.payments), ZERO)
    if received > 0 and not data.payments_as_credit:
        msg = _l("%(amount)s 元 was paid against shipment %(number)s. Cancel it only keeping that money as "
                 "%(buyer)s's credit, or it stays as it is.", amount=units.fen(received), number=shipment.number,
                 buyer=shipment.buyer.name)
        raise Invalid(msg, {"payments_as_credit": msg}, code="has_payments")
    stock.lock(session, [(line.crop_id, line.grade) for line in shipment.lines])
    kept = [{"crop": line.crop.code, "grade": line.grade, "weight_kg": str(line.weight_kg), "units": line.units,
             "price_per_kg": str(line.price_per_kg), "amount": str(line.amount),
             "allocations": [{"harvest_id": a.harvest_id, "weight_kg": str(a.weight_kg)} for a in line.allocations]}
            for line in shipment.lines]
    shipment.cancellation = ShipmentCancellation(cancelled_at=clock.now(), cancelled_by_id=getattr(user, "id", None),
                                                 reason=data.reason, lines=kept,
                                                 payments_as_credit=data.payments_as_credit)
    shipment.lines.clear()  # the lines and their allocations go; the triggers give the stock totals back
    session.flush()
    return shipment


# --- receivables --------------------------------------------------------------------------------------

AGE_BUCKETS = ((30, ReceivableAge.DAYS_0_30), (60, ReceivableAge.DAYS_31_60), (90, ReceivableAge.DAYS_61_90))


def age_bucket(days: int) -> ReceivableAge:
    """The ageing bucket of an amount `days` old (0-30, 31-60, 61-90, over 90)."""
    for limit, bucket in AGE_BUCKETS:
        if days <= limit:
            return bucket
    return ReceivableAge.DAYS_90_PLUS


@dataclass
class Receivable:
    """What one buyer owes on a day, by age, beside what they paid beyond their shipments (credit)."""

    buyer_id: int
    buyer: str
    consumption_aid: bool
    buckets: dict[str, Decimal] = field(default_factory=lambda: {b.value: ZERO for b in ReceivableAge})
    outstanding: Decimal = ZERO
    overdue: Decimal = ZERO
    credit: Decimal = ZERO
    shipments: int = 0
    oldest: date | None = None

    @property
    def net(self) -> Decimal:
        return self.outstanding - self.credit


def receivables(session: Session, on: date | None = None, buyer_id: int | None = None) -> list[Receivable]:
    """Per buyer, on `on` (default today): the open amount of every shipment made by then in its age bucket,
    what is overdue (older than `sales.payment_days`), and the credit; payments after `on` do not count.
    Buyers who owe nothing and hold no credit are left out."""
    on = on or clock.today()
    terms = int(settings.get(session, "sales.payment_days", on))
    paid = (select(ShipmentPayment.shipment_id, func.sum(ShipmentPayment.amount).label("received"))
            .where(ShipmentPayment.paid_on <= on).group_by(ShipmentPayment.shipment_id).subquery())
    received = func.coalesce(paid.c.received, 0)
    # A cancelled shipment owes nothing; what was paid on it is credit.
    owed = case((ShipmentCancellation.shipment_id.is_not(None), 0), else_=Shipment.total)
    query = (select(Shipment.buyer_id, Shipment.day, owed, received)
             .outerjoin(paid, paid.c.shipment_id == Shipment.id)
             .outerjoin(ShipmentCancellation, ShipmentCancellation.shipment_id == Shipment.id)
             .where(Shipment.day <= on, owed != received))
    if buyer_id:
        query = query.where(Shipment.buyer_id == buyer_id)
    found: dict[int, Receivable] = {}
    buyers = {b.id: b for b in session.scalars(select(Buyer))}
    for b_id, day, total, got in session.execute(query):
        s = Settled(units.fen(got or 0), units.fen(total))
        buyer = buyers[b_id]
        row = found.setdefault(b_id, Receivable(b_id, buyer.name, buyer.consumption_aid))
        row.credit += s.credit
        if s.outstanding > 0:
            age = (on - day).days
            row.buckets[age_bucket(age).value] += s.outstanding
            row.outstanding += s.outstanding
            row.shipments += 1
            row.oldest = min(row.oldest or day, day)
            if age > terms:
                row.overdue += s.outstanding
    return sorted(found.values(), key=lambda r: (-r.outstanding, r.buyer))


def receivable_totals(rows: list[Receivable]) -> dict:
    """The receivables' sums over every buyer: per bucket, outstanding, overdue, credit."""
    totals = {"buckets": {b.value: ZERO for b in ReceivableAge}, "outstanding": ZERO, "overdue": ZERO,
              "credit": ZERO}
    for r in rows:
        for k, v in r.buckets.items():
            totals["buckets"][k] += v
        totals["outstanding"] += r.outstanding
        totals["overdue"] += r.overdue
        totals["credit"] += r.credit
    return totals
