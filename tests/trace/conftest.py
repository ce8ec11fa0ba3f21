"""Fixtures of the trace and sales-report tests: a small park whose harvests and sprays are made through the
API and whose shipments are allocated by the stock service (so the lineage is the one the park keeps), with the clock on 2026-11-20 10:00.

GH-001 grows cucumbers (津优35号), GH-002 tomatoes (粉冠). Harvests, all grade 1: GH-001 40 kg on 11-14 and 30 kg on
11-15, GH-002 25 kg on 11-16. Sprays: GH-001 吡虫啉 on 11-10 (3 days: allowed from 11-13), GH-002 啶虫脒 on 10-20
(7 days: allowed from 10-27) and on 10-01 (more than 30 days before its harvest). Shipment A on 11-18 to a
consumption-aid canteen: cucumbers 50 kg at 6.00 (FIFO: 40 kg of 11-14, 10 kg of 11-15) and tomatoes 20 kg at 7.00
(of 11-16). Shipment B on 11-19 to a supermarket: cucumbers 15 kg at 5.50 (of 11-15). A loss of 2 kg of tomatoes
on 11-19 (of 11-16).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from farm import units
from farm.inputs.sales import LossIn
from farm.models.crops import Crop
from farm.models.sales import Buyer, Shipment, ShipmentLine
from farm.services import stock
from tests.factories import bearer, make_crop, make_farm, make_planting, token_for

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)  # 10:00 in the park

# People of the park who must never appear on a public page.
WORKERS = (("韩美兰", "13847310001"), ("王建军", "13847310002"))
BUYERS = (("乌海市第一中学食堂", "canteen", "李主任", "13900001234", True),
          ("惠民超市", "supermarket", "赵经理", "13900005678", False))


@dataclass
class Traced:
    users: dict
    tokens: dict
    workers: list = field(default_factory=list)
    buyers: list = field(default_factory=list)
    shipments: list = field(default_factory=list)

    @property
    def manager(self) -> dict:
        return self.tokens["manager"]

    @property
    def personal(self) -> list[str]:
        """The names and phones of the park's workers, and the buyers with their contacts and phones."""
        return [v for name, phone in WORKERS for v in (name, phone)] + \
            [v for name, _kind, contact, phone, _aid in BUYERS for v in (name, contact, phone)]


def ship(session, buyer_id: int, day: date, lines: list[tuple[str, str, str, str]]) -> dict:
    """A shipment of (crop, grade, kg, price) lines, each allocated first in first out by the stock service."""
    buyer = session.get(Buyer, buyer_id)
    shipment = Shipment(number=f"SH-{day:%Y%m%d}-{buyer_id}", buyer_id=buyer_id, day=day, total=Decimal(0),
                        consumption_aid=buyer.consumption_aid, certificate_code=uuid.uuid4().hex)
    for crop_code, grade, kg, price in lines:
        crop = session.scalar(select(Crop).where(Crop.code == crop_code))
        stock.lock(session, [(crop.id, grade)])
        weight, price = Decimal(kg), Decimal(price)
        line = ShipmentLine(crop_id=crop.id, grade=grade, weight_kg=weight, price_per_kg=price,
                            amount=units.fen(weight * price))
        line.allocations = stock.allocations_of(stock.allocate(session, crop.id, grade, weight))
        shipment.lines.append(line)
        shipment.total += line.amount
    session.add(shipment)
    session.flush()
    return {"id": shipment.id, "certificate_code": shipment.certificate_code, "number": shipment.number}


def _post(client, path: str, body: dict, headers: dict, status: int = 201) -> dict:
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == status, (path, response.get_json())
    return response.get_json()


@pytest.fixture
def traced(client, session, frozen_clock) -> Traced:
    frozen_clock.set(NOW)
    park, cucumber, planting, users = make_farm(session, planted_on=date(2026, 9, 1))
    planting.variety = "津优35号"
    tomato = make_crop(session, code="tomato", name_zh="番茄", name_en="Tomato")
    make_planting(session, park.greenhouses[1], tomato).variety = "粉冠"
    session.commit()
    tokens = {role: bearer(token_for(session, user)) for role, user in users.items()}
    t = Traced(users, tokens)
    m = t.manager
    for name, phone in WORKERS:
        t.workers.append(_post(client, "/api/v1/workers", {"name": name, "phone": phone, "daily_wage": "150"}, m)["id"])
    sprayer = t.workers[1]
    for gh, at, product, reg, phi in (("GH-001", "2026-11-10T09:00:00+08:00", "吡虫啉", "PD20081234", 3),
                                      ("GH-002", "2026-10-20T09:00:00+08:00", "啶虫脒", "PD20095678", 7),
                                      ("GH-002", "2026-10-01T09:00:00+08:00", "啶虫脒", "PD20095678", 7)):
        _post(client, "/api/v1/sprays", {"greenhouse": gh, "applied_at": at, "product": product,
                                         "registration_no": reg, "active_ingredient": f"{product} 20%",
                                         "phi_days": phi, "dose": "30", "target": "蚜虫", "operator": sprayer}, m)
    for gh, at, kg in (("GH-001", "2026-11-14T08:00:00+08:00", "40"), ("GH-001", "2026-11-15T08:00:00+08:00", "30"),
                       ("GH-002", "2026-11-16T08:00:00+08:00", "25")):
        _post(client, "/api/v1/harvests", {"greenhouse": gh, "harvested_at": at, "weight_kg": kg, "grade": "grade1",
                                           "worker": t.workers[0]}, m)
    for name, kind, contact, phone, aid in BUYERS:
        buyer = Buyer(name=name, kind=kind, contact=contact, phone=phone, address="乌海市海勃湾区",
                      consumption_aid=aid)
        session.add(buyer)
        session.flush()
        t.buyers.append(buyer.id)
    t.shipments.append(ship(session, t.buyers[0], date(2026, 11, 18), [("cucumber", "grade1", "50", "6.00"),
                                                                      ("tomato", "grade1", "20", "7.00")]))
    t.shipments.append(ship(session, t.buyers[1], date(2026, 11, 19), [("cucumber", "grade1", "15", "5.50")]))
    stock.record_loss(session, LossIn(crop="tomato", grade="grade1", weight_kg=Decimal(2), reason="spoilage",
                                      date=date(2026, 11, 19)))
    session.commit()
    return t
