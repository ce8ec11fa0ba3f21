"""Demo land: the 曙光村 households whose land the park leases (about 840 mu), their contracts and rent.

Deterministic with its own seeded generator, so it never shifts the other demo steps. Relative to the
demo's `today`: most rent is paid on time, some was paid late, a few households are owed this year's
rent, one contract ends within a few months, one is not yet filed, and each greenhouse is linked to
the contract whose land it stands on.
"""
from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from farm.models.land import Household, LandContract, Parcel, RentPayment
from farm.services.rent import dues
from farm.units import fen
from farm.vocab import ContractStatus, HouseholdStatus, MonitorKind, PaymentMethod

SEED = 7301
LIVELIHOODS_SEED = 7302
TOTAL_MU = Decimal("840")
GROUPS = ("曙光村一组", "曙光村二组", "曙光村三组", "曙光村四组", "曙光村五组", "曙光村六组")
NAMES = (
    "王建国", "李桂兰", "张玉梅", "刘长生", "陈秀英", "杨福贵",
    "赵有福", "黄淑珍", "周满仓", "吴春花", "徐志强", "孙凤英",
    "马秀兰", "朱德胜", "胡桂芝", "郭占山", "何金凤", "高树林",
    "林玉珍", "罗二虎", "郑春生", "梁翠兰", "谢宝山", "宋玉兰",
    "唐永福", "许凤琴", "韩富贵", "冯巧云", "邓拴柱", "曹秀珍",
)
LIFTED = {1, 4, 8, 12, 17, 21, 26}  # indexes of households lifted out of poverty (脱贫户)
MONITORED = {9, 23}
BOUNDS = ("渠", "生产路", "林带", "排干沟", "园区道路", "防风林")
BANKS = ("内蒙古农村信用社", "乌海银行", "中国农业银行乌海分行")
USE = "设施农业（日光温室蔬菜种植）"
PERIOD_END = date(2058, 12, 31)  # second-round land contracts extended by thirty years


def _id_number(rng: random.Random) -> str:
    """A resident ID number of 乌海市海南区 with a valid check digit."""
    body = f"150303{rng.randint(1955, 1990)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(100, 999)}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]


def _areas(rng: random.Random, count: int) -> list[Decimal]:
    """Each household's area in mu (to two decimals, rounded like money), adding up to TOTAL_MU."""
    raw = [rng.uniform(12, 45) for _ in range(count)]
    scale = float(TOTAL_MU) / sum(raw)
    areas = [fen(Decimal(str(a * scale))) for a in raw]
    areas[-1] += TOTAL_MU - sum(areas)
    return areas


def _split(rng: random.Random, area: Decimal) -> list[Decimal]:
    """A household's area as one to three parcels."""
    parts = rng.choice((1, 1, 2, 2, 3))
    cuts = [fen(area * Decimal(str(rng.uniform(0.3, 0.6)))) for _ in range(parts - 1)]
    shares = []
    left = area
    for cut in cuts:
        cut = min(cut, fen(left / 2))
        shares.append(cut)
        left -= cut
    return shares + [left]


def _terms(rng: random.Random, index: int, count: int, today: date) -> dict:
    """Start, end and payment day; the second-to-last contract ends soon, the last began this winter."""
    if index == count - 2:  # ends within a few months
        end = today + timedelta(days=rng.randint(90, 150))
        start = date(end.year - 10, end.month, end.day) + timedelta(days=1)
        return {"start": start, "end": end, "md": start.strftime("%m-%d")}
    if index == count - 1:  # signed recently, first rent due within the month, not yet filed
        start = today + timedelta(days=rng.randint(10, 25))
        return {"start": start, "end": date(start.year + 10, start.month, start.day) - timedelta(days=1),
                "md": start.strftime("%m-%d")}
    year = rng.choice((2018, 2019, 2019, 2020, 2021, 2022, 2023))
    md = rng.choice(("03-01", "03-01", "03-01", "03-15", "04-01"))
    start = date(year, int(md[:2]), int(md[3:]))
    years = rng.choice((10, 12, 15, 15, 20))
    return {"start": start, "end": date(year + years, int(md[:2]), int(md[3:])) - timedelta(days=1), "md": md}


def add_land(session: Session, ctx: dict) -> None:
    """Households of the six village groups, one contract each over about 840 mu, and their rent payments."""
    rng = random.Random(SEED)
    today = ctx["today"]
    count = len(NAMES)
    areas = _areas(rng, count)
    greenhouses = list(ctx.get("greenhouses") or [])
    shares = [round(float(a / TOTAL_MU) * len(greenhouses)) for a in areas]
    shares[-1] = max(len(greenhouses) - sum(shares[:-1]), 0)
    late_payers = set(rng.sample(range(count - 2), 5))
    owing = set(rng.sample(sorted(set(range(count - 2)) - late_payers), 3))
    next_greenhouse = 0
    receipt = 0
    for index, name in enumerate(NAMES):
        group = GROUPS[index // (count // len(GROUPS))]
        household = Household(
            name=name, village_group=group, members=rng.randint(2, 6),
            status=(HouseholdStatus.LIFTED if index in LIFTED
                    else HouseholdStatus.MONITORED if index in MONITORED else HouseholdStatus.NONE),
            phone=f"1{rng.choice((38, 39, 52, 58, 83))}{rng.randint(1000, 9999)}{rng.randint(1000, 9999)}",
            id_number=_id_number(rng), address=f"{group}{rng.randint(1, 60)}号",
            bank_name=rng.choice(BANKS), bank_account=f"622848{rng.randint(10**12, 10**13 - 1)}",
            contract_period_end=PERIOD_END,
        )
        session.add(household)
        terms = _terms(rng, index, count, today)
        rent = Decimal(rng.choice((600, 650, 700, 750, 800, 850, 900, 950)))
        escalate = rng.random() < 0.5
        unfiled = index == count - 1
        contract = LandContract(
            number=f"SGLZ-{terms['start'].year}-{index + 1:03d}", household=household, use=USE,
            start_date=terms["start"], end_date=terms["end"], delivery_date=terms["start"] - timedelta(days=10),
            rent_per_mu_year=rent, payment_month_day=terms["md"], payment_method=PaymentMethod.BANK,
            escalation_every_years=rng.choice((3, 5)) if escalate else None,
            escalation_percent=Decimal(rng.choice(("3", "5"))) if escalate else None,
            deposit=Decimal(2000) if rng.random() < 0.3 else None,
            late_fee_per_10k=Decimal(5) if rng.random() < 0.7 else None,
            village_filed_on=None if unfiled else terms["start"] + timedelta(days=rng.randint(3, 15)),
            township_filed_on=None if unfiled else terms["start"] + timedelta(days=rng.randint(20, 40)),
            status=ContractStatus.ACTIVE,
        )
        group_no = GROUPS.index(group) + 1
        for n, area in enumerate(_split(rng, areas[index]), start=1):
            contract.parcels.append(Parcel(
                name=f"{name[0]}家{('东', '西', '南', '北')[n % 4]}地", code=f"150303101203{group_no:02d}{index * 10 + n:05d}",
                area_mu=area, east=rng.choice(BOUNDS), south=rng.choice(BOUNDS), west=f"{rng.choice(NAMES)}家地",
                north=rng.choice(BOUNDS), land_type=rng.choice(("水浇地", "水浇地", "旱地")),
            ))
        contract.greenhouses = greenhouses[next_greenhouse:next_greenhouse + shares[index]]
        next_greenhouse += shares[index]
        session.add(contract)
        schedule = dues(areas[index], rent, terms["start"], terms["end"], terms["md"],
                        contract.escalation_every_years, contract.escalation_percent)
        past = [d for d in schedule if d.due_date <= today]
        for number, due in enumerate(past):
            last = number == len(past) - 1
            if last and index in owing:
                if rng.random() < 0.5:  # part paid
                    receipt += 1
                    session.add(RentPayment(contract=contract, paid_on=due.due_date + timedelta(days=rng.randint(0, 20)),
                                            amount=fen(due.amount / 2), method=PaymentMethod.BANK, receipt_no=f"SJ{receipt:05d}"))
                continue
            late = last and index in late_payers
            paid_on = due.due_date + timedelta(days=rng.randint(20, 60)) if late else \
                due.due_date - timedelta(days=rng.randint(0, 10) if number else 0)
            receipt += 1
            session.add(RentPayment(contract=contract, paid_on=min(paid_on, today), amount=due.amount,
                                    method=rng.choice((PaymentMethod.BANK,) * 3 + (PaymentMethod.CASH,)),
                                    receipt_no=f"SJ{receipt:05d}"))
    session.flush()


def add_livelihoods(session: Session, ctx: dict) -> None:
    """Each household's labour (1 to its members), about a third of them lifted out of poverty and three
    monitored, each with its kind of monitoring. A later step with its own generator, so nothing drawn before
    (the land, the workers) changes: the households already lifted or monitored stay so."""
    rng = random.Random(LIVELIHOODS_SEED)
    households = list(session.scalars(select(Household).order_by(Household.id)))
    for household in households:
        household.labour = rng.randint(1, household.members)
    plain = [h for h in households if h.status == HouseholdStatus.NONE]
    monitored = [h for h in households if h.status == HouseholdStatus.MONITORED]
    monitored += rng.sample(plain, max(3 - len(monitored), 0))
    lifted_now = sum(h.status == HouseholdStatus.LIFTED for h in households)
    more_lifted = [h for h in plain if h not in monitored]
    for household in rng.sample(more_lifted, max(len(households) // 3 - lifted_now, 0)):
        household.status = HouseholdStatus.LIFTED
    for household, kind in zip(monitored, (MonitorKind.UNSTABLE, MonitorKind.EDGE, MonitorKind.HARDSHIP)):
        household.status, household.monitor_kind = HouseholdStatus.MONITORED, kind
    session.flush()
