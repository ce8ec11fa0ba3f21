"""Demo step of the sales area: pack sizes, six buyers with their winter price lists (and one earlier list as
history), 90 days of daily shipments that follow the harvest history (what is picked one day is sold the next, a
little culled or spoiled), payments with a few overdue receivables and one credit, and this month's packing.

Everything goes in with bulk inserts: the shipments, their lines and each line's first-in first-out allocation to
the harvest records are worked out here in memory, as farm.services.stock would, and written in a few statements.
"""
from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, time, timedelta
from decimal import Decimal

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from farm import clock, units
from farm.models.auth import User
from farm.models.harvest import Harvest
from farm.models.people import Worker
from farm.models.sales import (
    Buyer,
    BuyerPrice,
    Loss,
    PackingSession,
    PackSize,
    Shipment,
    ShipmentLine,
    ShipmentPayment,
    StockAllocation,
)
from farm.models.settings import Setting
from farm.services.sales import CODE_ALPHABET, CODE_LENGTH, shipment_number
from farm.vocab import BuyerKind, LossReason, PackUnit, PaymentMethod

SEED = 9101
# name, kind, contact, address, 消费帮扶, price factor, days until paid (None: on delivery), share of each grade
BUYERS = (
    ("海南区机关事务服务中心食堂", BuyerKind.CANTEEN, "张主任", "海南区人民路 12 号", True, Decimal("1.00"), 20,
     {"premium": 0.10, "grade1": 0.30, "grade2": 0.25}),
    ("海南区第一中学食堂", BuyerKind.CANTEEN, "李师傅", "海南区育才路 3 号", True, Decimal("0.98"), 45,
     {"premium": 0.05, "grade1": 0.25, "grade2": 0.20}),
    ("乌海惠民生鲜超市", BuyerKind.SUPERMARKET, "王经理", "海勃湾区新华大街 88 号", False, Decimal("1.05"), 30,
     {"premium": 0.45, "grade1": 0.20}),
    ("乌海市蔬菜批发市场 18 号摊", BuyerKind.WHOLESALE, "赵老板", "海勃湾区滨河批发市场", False, Decimal("0.95"), 0,
     {"grade1": 0.10, "grade2": 0.55, "offgrade": 1.0}),
    ("黄河鱼家常菜馆", BuyerKind.RESTAURANT, "孙老板", "海南区黄河街 7 号", False, Decimal("1.10"), 7,
     {"premium": 0.15, "grade1": 0.08}),
    ("曙光鲜蔬网店", BuyerKind.ONLINE, "客服", "线上（快递发货）", False, Decimal("1.20"), 1,
     {"premium": 0.25, "grade1": 0.07}),
)
# Grade-1 winter prices (元/kg) sold direct; the grades below and above scale them.
BASE_PRICE = {"cucumber": Decimal("5.40"), "tomato": Decimal("6.00"), "eggplant": Decimal("5.40"),
              "pepper": Decimal("6.50")}
OTHER_PRICE = Decimal("8.00")
GRADE_FACTOR = {"premium": Decimal("1.30"), "grade1": Decimal("1.00"), "grade2": Decimal("0.90"),
                "offgrade": Decimal("0.80")}
# The autumn list the winter one replaced (history on each buyer's page).
AUTUMN = Decimal("0.80")
PACKS = {"premium": (PackUnit.BOX, Decimal("5")), "grade1": (PackUnit.BOX, Decimal("5")),
         "grade2": (PackUnit.CRATE, Decimal("10")), "offgrade": (PackUnit.CRATE, Decimal("15"))}
LOSS_SHARE = {"premium": Decimal("0.005"), "grade1": Decimal("0.01"), "grade2": Decimal("0.02"),
              "offgrade": Decimal("0.04")}
PACKERS = 4


def _price(code: str, grade: str, factor: Decimal) -> Decimal:
    return units.fen(BASE_PRICE.get(code, OTHER_PRICE) * GRADE_FACTOR[grade] * factor)


class Lots:
    """One crop and grade's harvest records, oldest first, taken first in first out."""

    def __init__(self):
        self.lots: list[list] = []  # [harvest id, kg left, day]
        self.first = 0

    def available(self, through: date) -> Decimal:
        return sum((lot[1] for lot in self.lots[self.first:] if lot[2] <= through), Decimal(0))

    def take(self, kg: Decimal) -> list[tuple[int, Decimal]]:
        taken = []
        while kg > 0 and self.first < len(self.lots):
            lot = self.lots[self.first]
            part = min(lot[1], kg)
            taken.append((lot[0], part))
            lot[1] -= part
            kg -= part
            if lot[1] <= 0:
                self.first += 1
        return taken


def add_sales(session: Session, ctx: dict) -> None:
    """Pack sizes, buyers, price lists, 90 days of shipments with payments and losses, this month's packing."""
    rng = random.Random(SEED)
    today = ctx["today"]
    manager_id = session.scalar(select(User.id).where(User.role == "manager").order_by(User.id))
    crops = {c.id: c for c in ctx["crops"].values()}

    for crop in crops.values():
        if crop.code in BASE_PRICE:
            for grade, (unit, net) in PACKS.items():
                session.add(PackSize(crop_id=crop.id, grade=grade, unit=unit, net_kg=net))

    buyers = []
    for name, kind, contact, address, aid, factor, days, shares in BUYERS:
        buyer = Buyer(name=name, kind=kind, contact=contact, address=address, consumption_aid=aid,
                      phone=f"1{rng.choice('358')}{rng.randint(100_000_000, 999_999_999)}")
        session.add(buyer)
        buyers.append((buyer, factor, days, shares))
    session.flush()
    winter_from, autumn_from = today - timedelta(days=60), today - timedelta(days=150)
    prices = []
    for buyer, factor, _days, shares in buyers:
        for crop in crops.values():
            if crop.code not in BASE_PRICE:
                continue
            for grade in shares:
                for since, season in ((autumn_from, AUTUMN), (winter_from, Decimal(1))):
                    prices.append({"buyer_id": buyer.id, "crop_id": crop.id, "grade": grade, "valid_from": since,
                                   "price_per_kg": _price(crop.code, grade, factor * season),
                                   "created_by_id": manager_id})
    session.execute(insert(BuyerPrice), prices)

    lots: dict[tuple[int, str], Lots] = defaultdict(Lots)
    for h_id, crop_id, grade, kg, day in session.execute(
            select(Harvest.id, Harvest.crop_id, Harvest.grade, Harvest.weight_kg, Harvest.day)
            .where(Harvest.voided_at.is_(None)).order_by(Harvest.harvested_at, Harvest.id)):
        if crop_id in crops and crops[crop_id].code in BASE_PRICE:
            lots[(crop_id, grade)].lots.append([h_id, Decimal(kg), day])
    if not lots:
        return
    first_day = min(lot.lots[0][2] for lot in lots.values())

    shipments, losses = [], []  # rows, each with its allocations beside it
    day = first_day + timedelta(days=1)
    while day <= today:
        per_buyer: dict[int, list] = defaultdict(list)
        for (crop_id, grade), stock in sorted(lots.items()):
            ready = stock.available(day - timedelta(days=1))
            if ready <= 0:
                continue
            if rng.random() < 0.5:
                lost = units.kg(ready * LOSS_SHARE[grade] * 2)
                if lost > 0:
                    reason = LossReason.SPOILAGE if rng.random() < 0.3 else LossReason.CULL
                    losses.append(({"day": day, "crop_id": crop_id, "grade": grade, "weight_kg": lost,
                                    "reason": reason, "note": "", "created_by_id": manager_id,
                                    "created_at": clock.at_local(day, time(8))}, stock.take(lost)))
                    ready -= lost
            takers = [(i, b[3][grade]) for i, b in enumerate(buyers) if grade in b[3]]
            weight = sum(share for _, share in takers)
            left = ready
            for n, (i, share) in enumerate(takers):
                kg = left if n == len(takers) - 1 else units.rounded(ready * Decimal(share / weight), 1)
                kg = min(kg, left)
                if kg <= 0:
                    continue
                left -= kg
                per_buyer[i].append((crop_id, grade, kg, stock.take(kg)))
        for i, parts in sorted(per_buyer.items()):
            buyer, factor, _days, _shares = buyers[i]
            rows = []
            for crop_id, grade, kg, taken in parts:
                season = AUTUMN if day < winter_from else Decimal(1)
                price = _price(crops[crop_id].code, grade, factor * season)
                rows.append(({"crop_id": crop_id, "grade": grade, "weight_kg": kg, "units": None,
                              "pack_size_id": None, "price_per_kg": price, "list_price_per_kg": price,
                              "amount": units.fen(kg * price)}, taken))
            code = "".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            shipments.append(({"number": f"new-{len(shipments)}", "buyer_id": buyer.id, "day": day,
                               "total": sum((r[0]["amount"] for r in rows), Decimal("0.00")),
                               "consumption_aid": buyer.consumption_aid, "certificate_code": code, "note": "",
                               "created_by_id": manager_id, "created_at": clock.at_local(day, time(9))}, rows, i))
        day += timedelta(days=1)

    shipment_ids = session.scalars(insert(Shipment).returning(Shipment.id, sort_by_parameter_order=True),
                                   [s[0] for s in shipments]).all()
    session.execute(update(Shipment), [{"id": s_id, "number": shipment_number(s[0]["day"], s_id)}
                                       for s_id, s in zip(shipment_ids, shipments)])
    line_rows, line_allocations = [], []
    for s_id, (_row, rows, _i) in zip(shipment_ids, shipments):
        for line, taken in rows:
            line_rows.append({**line, "shipment_id": s_id})
            line_allocations.append(taken)
    line_ids = session.scalars(insert(ShipmentLine).returning(ShipmentLine.id, sort_by_parameter_order=True),
                               line_rows).all()
    allocations = [{"harvest_id": h_id, "shipment_line_id": l_id, "loss_id": None, "weight_kg": kg}
                   for l_id, taken in zip(line_ids, line_allocations) for h_id, kg in taken]
    if losses:
        loss_ids = session.scalars(insert(Loss).returning(Loss.id, sort_by_parameter_order=True),
                                   [row for row, _ in losses]).all()
        allocations += [{"harvest_id": h_id, "shipment_line_id": None, "loss_id": loss_id, "weight_kg": kg}
                        for loss_id, (_, taken) in zip(loss_ids, losses) for h_id, kg in taken]
    session.execute(insert(StockAllocation), allocations)

    _add_payments(session, rng, today, manager_id, buyers, shipments, shipment_ids)
    _add_packing(session, rng, today, manager_id, shipments)


def _add_payments(session, rng, today, manager_id, buyers, shipments, shipment_ids) -> None:
    """Each buyer pays after its usual days; the school canteen is late (overdue), the restaurant left one old
    shipment half paid, the online shop once paid 10 元 too much (credit)."""
    payments = []
    restaurant_left = None
    for s_id, (row, _rows, i) in zip(shipment_ids, shipments):
        _buyer, _factor, days, _shares = buyers[i]
        kind = BUYERS[i][1]
        paid_on = row["day"] + timedelta(days=days)
        if paid_on > today:
            continue
        amount = row["total"]
        if kind == BuyerKind.RESTAURANT and restaurant_left is None and (today - row["day"]).days > 70:
            restaurant_left = s_id
            amount = units.fen(amount / 2)
        if kind == BuyerKind.ONLINE and (today - row["day"]).days == 20:
            amount += Decimal("10.00")
        method = PaymentMethod.CASH if kind == BuyerKind.WHOLESALE else (
            PaymentMethod.MOBILE if kind == BuyerKind.ONLINE else PaymentMethod.BANK)
        payments.append({"shipment_id": s_id, "paid_on": paid_on, "amount": amount, "method": method, "note": "",
                         "recorded_by_id": manager_id, "created_at": clock.at_local(paid_on, time(9, 30))})
    session.execute(insert(ShipmentPayment), payments)


def _add_packing(session, rng, today, manager_id, shipments) -> None:
    """This month the boxes and crates are paid to the packers: packing sessions of what was shipped each day,
    and crate pay from packing sessions from the first of the month (pay.crates_from_packing)."""
    first = today.replace(day=1)
    packers = session.scalars(select(Worker.id).order_by(Worker.id)).all()
    packers = rng.sample(packers, min(PACKERS, len(packers)))
    if not packers:
        return
    sizes = {(p.crop_id, p.grade): p for p in session.scalars(select(PackSize))}
    packed: dict[tuple[date, int, str], Decimal] = defaultdict(Decimal)
    for row, rows, _i in shipments:
        if row["day"] >= first:
            for line, _taken in rows:
                packed[(row["day"] - timedelta(days=1), line["crop_id"], line["grade"])] += line["weight_kg"]
    sessions = []
    for (day, crop_id, grade), kg in sorted(packed.items()):
        size = sizes.get((crop_id, grade))
        if size is None or day < first:
            continue
        count = int(kg // size.net_kg)
        if count <= 0:
            continue
        sessions.append({"day": day, "packer_id": rng.choice(packers), "crop_id": crop_id, "grade": grade,
                         "pack_size_id": size.id, "units": count, "net_kg": size.net_kg,
                         "weight_kg": size.net_kg * count, "note": "", "created_by_id": manager_id,
                         "created_at": clock.at_local(day, time(17))})
    if sessions:
        session.execute(insert(PackingSession), sessions)
    session.add(Setting(key="pay.crates_from_packing", value="1", valid_from=first, updated_by_id=manager_id))
