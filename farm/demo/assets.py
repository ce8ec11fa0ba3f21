"""Demo assets: the park's greenhouses, packing shed and irrigation as operating assets of 曙光村's collective,
built largely with fiscal linkage funds (财政衔接资金), the park company's returns (6 % of the public funds a year)
for the last three years and how the collective distributed them.

One asset per greenhouse, as the village's ledger lists them, so the accountant sees each greenhouse's funding,
value and return. The greenhouses were built in three batches and handed over to the park company for operation
four Decembers ago, which is when depreciation and returns begin. The last year's return is partly paid (the rest is
overdue); each year's income is distributed as dividends to the lifted-out and monitored households (shared by
members, the fen left over retained), public-welfare jobs, village works and a retained sum. A later step with its
own generator, so nothing drawn before changes.
"""
from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from farm.models.assets import Asset, AssetChange, AssetFunding, AssetReturn, Distribution, DistributionLine
from farm.models.park import Greenhouse
from farm.services import assets
from farm.units import fen
from farm.vocab import (
    AssetChangeAction,
    AssetOperator,
    AssetStatus,
    DistributionKind,
    DividendWeighting,
    GreenhouseKind,
)

SEED = 1001
RETURN_PERCENT = Decimal(6)
OWNER = "曙光村股份经济合作社"  # the village's collective economic organisation
# Who held the public-welfare jobs (公益岗位) the collective pays from the assets' income: cleaning, guarding.
PUBLIC_JOBS = ("刘桂芳", "张二小", "王秀梅", "李来福")


def _batch(n: int, today: date) -> tuple[date, str]:
    """When greenhouse `n` was built, and whether east-west cooperation money went into it."""
    if n <= 40:
        return date(today.year - 8, 10, 15), "fiscal"
    if n <= 80:
        return date(today.year - 7, 9, 30), "east_west"
    return date(today.year - 5, 10, 20), "fiscal"


def _greenhouse(rng: random.Random, greenhouse: Greenhouse, handed_over: date, today: date) -> dict:
    n = int(greenhouse.code.split("-")[1])
    built, extra = _batch(n, today)
    solar = greenhouse.kind != GreenhouseKind.TUNNEL
    # A solar greenhouse costs 120,000-140,000 yuan here, a plastic tunnel about a third of that.
    public = Decimal(100000 if solar else 32000)
    funding = [{"source": "fiscal", "amount": public - (20000 if extra == "east_west" and solar else 0)}]
    if extra == "east_west" and solar:
        funding.append({"source": "east_west", "amount": Decimal(20000)})
    funding.append({"source": "village", "amount": Decimal(10000 if solar else 3000)})
    funding.append({"source": "company", "amount": Decimal(rng.randrange(10, 31) * 1000 if solar else 5000)})
    value = sum(f["amount"] for f in funding)
    return {"code": f"ZC-{greenhouse.code}", "name": f"{greenhouse.name}（{greenhouse.zone}）", "kind": "greenhouse",
            "category": "operating", "greenhouses": [greenhouse.code], "built_on": built,
            "handed_over_on": handed_over, "funding": funding, "depreciation_years": 15,
            "residual_value": fen(value * Decimal("0.05"))}


def _asset(row: dict, greenhouses: dict[str, Greenhouse], operator: str) -> Asset:
    """The ORM row of an asset, with its funding, greenhouses and the change log's first entry."""
    funding = [AssetFunding(source=f["source"], amount=Decimal(f["amount"])) for f in row["funding"]]
    asset = Asset(code=row["code"], name=row["name"], kind=row["kind"], category=row["category"],
                  built_on=row["built_on"], handed_over_on=row["handed_over_on"], owner=OWNER,
                  operator_kind=AssetOperator.COMPANY, operator_name=operator,
                  value=sum((f.amount for f in funding), Decimal("0.00")),
                  depreciation_years=row["depreciation_years"], residual_value=row["residual_value"],
                  return_percent=RETURN_PERCENT, status=AssetStatus.IN_USE, funding=funding,
                  greenhouses=[greenhouses[c] for c in row.get("greenhouses", [])])
    asset.changes.append(AssetChange(action=AssetChangeAction.CREATED, before=None, after=assets.snapshot(asset)))
    return asset


def add_assets(session: Session, ctx: dict) -> None:
    """The greenhouses, the packing shed and the irrigation as the collective's operating assets, with three
    years of returns and distributions. Rows are built here and written in one flush (the rules that refuse bad
    input are the service's; the figures are computed by it)."""
    rng = random.Random(SEED)
    today = ctx["today"]
    handed_over = date(today.year - 4, 12, 20)
    greenhouses = {g.code: g for g in session.scalars(select(Greenhouse).order_by(Greenhouse.code))}
    rows = [_greenhouse(rng, g, handed_over, today) for g in greenhouses.values()]
    rows.append({"code": "ZC-PACK-01", "name": "蔬菜分拣包装车间", "kind": "packing_shed", "category": "operating",
                 "built_on": date(today.year - 7, 8, 30), "handed_over_on": handed_over,
                 "funding": [{"source": "fiscal", "amount": Decimal(500000)},
                             {"source": "social", "amount": Decimal(100000)},
                             {"source": "company", "amount": Decimal(200000)}],
                 "depreciation_years": 20, "residual_value": Decimal(40000)})
    rows.append({"code": "ZC-IRR-01", "name": "机电井及滴灌系统", "kind": "irrigation", "category": "operating",
                 "built_on": date(today.year - 8, 6, 10), "handed_over_on": handed_over,
                 "funding": [{"source": "fiscal", "amount": Decimal(450000)},
                             {"source": "village", "amount": Decimal(150000)}],
                 "depreciation_years": 15, "residual_value": Decimal(30000)})
    found = ctx.get("park")
    operator = found.name if found is not None else ""
    made = [_asset(row, greenhouses, operator) for row in rows]
    session.add_all(made)
    receivers = assets.dividend_households(session)
    for year in range(today.year - 3, today.year):
        owed = sum((assets.return_due(a, year) for a in made), Decimal("0.00"))
        last = year == today.year - 1
        paid = fen(owed * Decimal("0.7")) if last else owed
        session.add(AssetReturn(year=year, amount=paid, paid_on=min(date(year + 1, 3, rng.randint(10, 28)), today),
                                receipt_no=f"SY{year}-{rng.randint(100, 999)}"))
        # Dividends 10 % (by members, the fen left over retained), public-welfare jobs 15 %, village works 35 %,
        # the rest retained.
        person_pay = fen(paid * Decimal("0.15") / len(PUBLIC_JOBS))
        works = fen(paid * Decimal("0.35"))
        split = assets.split_dividend(receivers, fen(paid * Decimal("0.10")), DividendWeighting.MEMBERS,
                                      DistributionKind.RETAINED)
        retained = paid - split.total + split.remainder - works - person_pay * len(PUBLIC_JOBS)
        lines = [DistributionLine(kind=DistributionKind.DIVIDEND, household_id=h.id, amount=share)
                 for h, share in split.shares if share > 0]
        lines += [DistributionLine(kind=DistributionKind.PUBLIC_JOB, person=p, amount=person_pay) for p in PUBLIC_JOBS]
        lines += [DistributionLine(kind=DistributionKind.PUBLIC_WORKS, person="村内道路硬化及路灯维护", amount=works),
                  DistributionLine(kind=DistributionKind.RETAINED, amount=retained)]
        session.add(Distribution(year=year, paid_on=min(date(year + 1, 4, rng.randint(1, 28)), today), lines=lines))
    session.flush()
