"""Where a shipment's (or a packed batch's) vegetables came from: the 承诺达标合格证 (compliance certificate) and
the public trace.

A packed batch (a packing session) gets its own certificate code when it is packed (`batch_of`; sessions packed
before batches had codes get theirs the first time one is asked for).
Packing takes nothing out of the stock, so its lineage is fixed then: the lots of its crop and grade harvested on
or before its day, oldest first, that neither a shipment nor another batch has taken (a harvest's kilograms in
batches and in shipments are taken to be the same first kilograms, so the larger of the two counts as used).

A shipment's certificate code opens its trace: the product, the producer (from the park's settings), the day it
was shipped, the harvest records its kilograms were taken from (first in, first out: the allocation rows of
farm.services.stock) with their greenhouse, crop, variety and day, and the spraying records of those greenhouses
in the days before each harvest (farm.services.sprays.for_trace), with the first day harvest was allowed again.

The trace is public (anyone holding the label may scan it), so it carries nothing about a person: no worker,
operator, buyer, phone or pay; only greenhouses, crops, days, weights and pesticide products.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from farm import units
from farm.errors import Invalid, NotFound
from farm.models.crops import Crop, Planting
from farm.models.harvest import Harvest
from farm.models.park import Greenhouse
from farm.models.sales import (
    PackedBatch,
    PackedBatchSource,
    PackingSession,
    Shipment,
    ShipmentCancellation,
    ShipmentLine,
    StockAllocation,
)
from farm.services import park as park_service
from farm.services import settings, sprays, stock
from farm.services.sales import certificate_code
from farm.services.settings import SettingSpec
from farm.vocab import Grade

# A certificate code as printed under the QR code: letters, digits and dashes.
CODE_MAX = 64


def _line(text) -> str:
    """A line of text for a certificate (a name, an address, a phone number); "-" clears it."""
    value = " ".join(str(text).split())
    if value == "-":
        return ""
    if len(value) > 200:
        raise Invalid(_l("This text is too long."), {"value": _l("This text is too long.")})
    return value


def _days(text) -> int:
    return int(str(text).strip())


PRODUCER_NAME = settings.register(SettingSpec(
    "trace.producer_name", "", _line, _l("Producer's name on compliance certificates (-: the park's name)")))
PRODUCER_ORIGIN = settings.register(SettingSpec(
    "trace.producer_origin", "", _line, _l("Origin (产地) on compliance certificates (-: the park's location)")))
PRODUCER_PHONE = settings.register(SettingSpec(
    "trace.producer_phone", "", _line, _l("Producer's contact phone on compliance certificates")))
SPRAY_WINDOW = settings.register(SettingSpec(
    "trace.spray_days", 30, _days, _l("Spraying records shown on the trace page: days before each harvest"),
    _l("days"), Decimal(1)))


@dataclass
class Producer:
    """Who produced the vegetables, as the certificate names them: the park (a company), never a person."""

    name: str
    origin: str
    phone: str


def producer(session: Session, on: date | None = None) -> Producer:
    """The producer's details in force on `on`: the settings, or the park's own name and location."""
    park = park_service.get_park(session)
    name = settings.get(session, PRODUCER_NAME.key, on) or (park.name if park else "")
    origin = settings.get(session, PRODUCER_ORIGIN.key, on) or (park.location if park else "")
    return Producer(name=name, origin=origin, phone=settings.get(session, PRODUCER_PHONE.key, on))


@dataclass
class Product:
    """One line of the shipment as a certificate shows it: crop, grade, weight."""

    crop: str
    grade: str
    grade_label: str
    weight_kg: Decimal
    units: int | None = None

    @property
    def name(self) -> str:
        return f"{self.crop}（{self.grade_label}）"


@dataclass
class Source:
    """Kilograms of the shipment taken from one greenhouse's harvest of one day."""

    greenhouse: str
    crop: str
    variety: str
    harvest_day: date
    weight_kg: Decimal


@dataclass
class SprayLine:
    """A spray in a source greenhouse before a harvest, and whether its interval was kept."""

    greenhouse: str
    product: str
    registration_no: str
    active_ingredient: str
    applied_on: date
    phi_days: int
    harvest_allowed_from: date
    respected: bool


@dataclass
class Trace:
    """Everything the certificate and the public page show about one shipment."""

    code: str
    shipment_id: int | None
    number: str
    shipped_on: date  # the day shipped, or packed for a batch
    producer: Producer
    products: list[Product]
    sources: list[Source] = field(default_factory=list)
    sprays: list[SprayLine] = field(default_factory=list)
    spray_days: int = 30
    packing_session_id: int | None = None

    @property
    def is_batch(self) -> bool:
        return self.packing_session_id is not None

    @property
    def product(self) -> str:
        """The crops shipped, as one name (`黄瓜、番茄`)."""
        seen: list[str] = []
        for p in self.products:
            if p.crop not in seen:
                seen.append(p.crop)
        return "、".join(seen)

    @property
    def weight_kg(self) -> Decimal:
        return units.kg(sum((p.weight_kg for p in self.products), Decimal(0)))


def _crop_name(zh: str, en: str, language: str) -> str:
    return en if language == "en" else zh


def _unknown(value: str) -> NotFound:
    msg = _l("No certificate has the code %(code)s.", code=value[:CODE_MAX])
    return NotFound(msg, {"certificate_code": _l("Unknown certificate code.")})


def find_shipment(session: Session, code: str) -> Shipment:
    """The shipment with this certificate code, or NotFound (also for a code no shipment could have, and for a
    cancelled shipment: its produce never left under that certificate)."""
    value = (code or "").strip()
    shipment = None
    if value and len(value) <= CODE_MAX:
        shipment = session.scalar(
            select(Shipment).outerjoin(ShipmentCancellation, ShipmentCancellation.shipment_id == Shipment.id)
            .where(Shipment.certificate_code == value, ShipmentCancellation.shipment_id.is_(None)))
    if shipment is None:
        raise _unknown(value)
    return shipment


def _products(session: Session, shipment: Shipment, language: str) -> list[Product]:
    rows = session.execute(
        select(Crop.name_zh, Crop.name_en, ShipmentLine.grade, func.sum(ShipmentLine.weight_kg))
        .join(Crop, Crop.id == ShipmentLine.crop_id).where(ShipmentLine.shipment_id == shipment.id)
        .group_by(Crop.name_zh, Crop.name_en, ShipmentLine.grade, Crop.id).order_by(Crop.id)
    ).all()
    order = {g: i for i, g in enumerate(Grade.values())}
    products = [Product(_crop_name(zh, en, language), grade, str(Grade(grade).label), units.kg(w))
                for zh, en, grade, w in rows]
    return sorted(products, key=lambda p: order.get(p.grade, 99))


def _sources(session: Session, shipment: Shipment, language: str) -> list[Source]:
    """The harvests the shipment's kilograms came from (stock.sources, first in first out), summed per greenhouse,
    crop, variety and day, oldest day first."""
    line_ids = session.scalars(select(ShipmentLine.id).where(ShipmentLine.shipment_id == shipment.id)).all()
    parts = ((p.harvest_day, p.greenhouse, p.crop, p.variety, p.weight_kg) for p in stock.sources(session, line_ids))
    return _summed_sources(session, parts, language)


def _summed_sources(session: Session, parts, language: str) -> list[Source]:
    """(harvest day, greenhouse code, crop code, variety, kg) parts summed per day, greenhouse, crop and variety,
    oldest day first, each crop named in `language`: the lots of a shipment and of a packed batch alike."""
    summed: dict[tuple, Decimal] = defaultdict(Decimal)
    for day, greenhouse, crop, variety, kg in parts:
        summed[(day, greenhouse, crop, variety or "")] += kg
    names = {c.code: c.display_name(language) for c in session.scalars(
        select(Crop).where(Crop.code.in_({crop for _day, _gh, crop, _v in summed})))} if summed else {}
    return [Source(greenhouse, names[crop], variety, day, units.kg(kg))
            for (day, greenhouse, crop, variety), kg in sorted(summed.items())]


def _sprays(session: Session, sources: list[Source], window: int) -> list[SprayLine]:
    """Sprays in each source greenhouse within `window` days before (and on) one of its harvest days."""
    if not sources:
        return []
    days_by_house: dict[str, list[date]] = defaultdict(list)
    for s in sources:
        days_by_house[s.greenhouse].append(s.harvest_day)
    ids = dict(session.execute(select(Greenhouse.code, Greenhouse.id)
                               .where(Greenhouse.code.in_(list(days_by_house)))).all())
    start = min(s.harvest_day for s in sources) - timedelta(days=window)
    end = max(s.harvest_day for s in sources) + timedelta(days=1)
    found = []
    for record in sprays.for_trace(session, list(ids.values()), start, end):
        code = record.greenhouse
        applied = record.applied_on
        harvests = [d for d in days_by_house.get(code, []) if applied <= d <= applied + timedelta(days=window)]
        if not harvests:
            continue
        found.append(SprayLine(code, record.product, record.registration_no, record.active_ingredient, applied,
                               record.phi_days, record.harvest_allowed_from,
                               all(d >= record.harvest_allowed_from for d in harvests)))
    return sorted(found, key=lambda s: (s.applied_on, s.greenhouse, s.product))


def trace_of(session: Session, shipment: Shipment, language: str = "zh_CN") -> Trace:
    """The trace of one shipment (for its certificate page)."""
    window = settings.get(session, SPRAY_WINDOW.key)
    sources = _sources(session, shipment, language)
    return Trace(code=shipment.certificate_code, shipment_id=shipment.id, number=shipment.number,
                 shipped_on=shipment.day, producer=producer(session, shipment.day),
                 products=_products(session, shipment, language), sources=sources,
                 sprays=_sprays(session, sources, window), spray_days=window)


# --- packed batches ----------------------------------------------------------------------------------

def _batch_lineage(session: Session, packing: PackingSession) -> list[PackedBatchSource]:
    """The lots a packed batch came from (see the module's docstring)."""
    allocated = (select(func.coalesce(func.sum(StockAllocation.weight_kg), 0))
                 .where(StockAllocation.harvest_id == Harvest.id).correlate(Harvest).scalar_subquery())
    batched = (select(func.coalesce(func.sum(PackedBatchSource.weight_kg), 0))
               .where(PackedBatchSource.harvest_id == Harvest.id).correlate(Harvest).scalar_subquery())
    rows = session.execute(
        select(Harvest.id, Harvest.weight_kg, allocated, batched)
        .where(Harvest.crop_id == packing.crop_id, Harvest.grade == packing.grade, Harvest.voided_at.is_(None),
               Harvest.day <= packing.day, Harvest.weight_kg > allocated)
        .order_by(Harvest.harvested_at, Harvest.id))
    wanted = units.kg(packing.weight_kg)
    found = []
    for harvest_id, weight, used, in_batches in rows:
        if wanted <= 0:
            break
        free = units.kg(weight) - max(units.kg(used), units.kg(in_batches))
        if free <= 0:
            continue
        take = min(free, wanted)
        found.append(PackedBatchSource(harvest_id=harvest_id, weight_kg=take))
        wanted -= take
    return found


def batch_of(session: Session, packing_session_id: int) -> PackedBatch:
    """The packed batch of a packing session, given its certificate code and lineage the first time (NotFound for
    an unknown session)."""
    packing = session.get(PackingSession, packing_session_id) if 0 < packing_session_id < 2**31 else None
    if packing is None:
        raise NotFound(_l("There is no packing session %(id)s.", id=packing_session_id))
    batch = session.get(PackedBatch, packing.id)
    if batch is None:
        batch = PackedBatch(packing_session_id=packing.id, certificate_code=certificate_code())
        batch.sources = _batch_lineage(session, packing)
        session.add(batch)
        session.flush()
    return batch


def _batch_sources(session: Session, batch: PackedBatch, language: str) -> list[Source]:
    rows = session.execute(
        select(Harvest.day, Greenhouse.code, Crop.code, Planting.variety, PackedBatchSource.weight_kg)
        .join(Harvest, Harvest.id == PackedBatchSource.harvest_id)
        .join(Greenhouse, Greenhouse.id == Harvest.greenhouse_id)
        .join(Planting, Planting.id == Harvest.planting_id)
        .join(Crop, Crop.id == Harvest.crop_id)
        .where(PackedBatchSource.batch_id == batch.packing_session_id))
    return _summed_sources(session, ((day, gh, crop, variety, units.kg(kg)) for day, gh, crop, variety, kg in rows),
                           language)


def trace_of_batch(session: Session, batch: PackedBatch, language: str = "zh_CN") -> Trace:
    """The trace of a packed batch: its crop and grade, packed weight and units, and the lots it came from."""
    packing = batch.packing
    crop = packing.crop
    window = settings.get(session, SPRAY_WINDOW.key)
    sources = _batch_sources(session, batch, language)
    product = Product(_crop_name(crop.name_zh, crop.name_en, language), packing.grade,
                      str(Grade(packing.grade).label), units.kg(packing.weight_kg), packing.units)
    return Trace(code=batch.certificate_code, shipment_id=None, number=f"P{packing.day:%Y%m%d}-{packing.id:04d}",
                 shipped_on=packing.day, producer=producer(session, packing.day), products=[product],
                 sources=sources, sprays=_sprays(session, sources, window), spray_days=window,
                 packing_session_id=packing.id)


def trace(session: Session, code: str, language: str = "zh_CN") -> Trace:
    """The public trace of the certificate `code` (a shipment's or a packed batch's); NotFound for any other."""
    value = (code or "").strip()
    try:
        return trace_of(session, find_shipment(session, value), language)
    except NotFound:
        batch = session.scalar(select(PackedBatch).where(PackedBatch.certificate_code == value)) \
            if value and len(value) <= CODE_MAX else None
        if batch is None:
            raise _unknown(value) from None
        return trace_of_batch(session, batch, language)

