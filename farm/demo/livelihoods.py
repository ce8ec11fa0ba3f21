"""Demo livelihoods: the monitoring lines and the other income village officials entered for the last two years.

Runs after the land, the workers and the households' categories, with its own seeded generator. Each
household's other income (wages from elsewhere, its own farming with its production costs, pensions and
subsidies) is drawn so that its per-capita income lands where such a household's would: most well above
the line (about 11,000 to 22,000 yuan a person), and a handful of the lifted and monitored ones, whose
rent and park wages are small, below the line or near it, so the income report and the warnings have
something to show.
"""
from __future__ import annotations

import random
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from farm.inputs.livelihoods import IncomeEntryIn
from farm.models.auth import User
from farm.models.land import Household
from farm.services import livelihoods
from farm.vocab import HouseholdStatus, IncomeKind, Role

SEED = 7303
# The lines held in the demo: 2020's poverty line, 2021-2022's, and the provincial figure from 2023 on.
LINES = ((2020, Decimal(4000)), (2021, Decimal(6000)), (2023, Decimal(7300)))
# Households given little other income: two below the line, the rest near it.
VULNERABLE = 6
BELOW = 2


def _round(amount: Decimal, step: int = 10) -> Decimal:
    """An amount to whole tens of yuan, as a survey records it."""
    return Decimal(int(amount) // step * step)


def _entries(rng: random.Random, status: str, members: int, other: Decimal) -> list[tuple[IncomeKind, Decimal, str]]:
    """Split a year's other income (net) into entries: pensions and subsidies for lifted and monitored
    households, own farming with its costs for some, the rest wages from work elsewhere."""
    entries: list[tuple[IncomeKind, Decimal, str]] = []
    left = other
    if status != HouseholdStatus.NONE:
        transfer = min(_round(Decimal(rng.randint(600, 1500) * members)), max(left, Decimal(0)))
        if transfer > 0:
            entries.append((IncomeKind.TRANSFER, transfer, "养老金、低保等"))
            left -= transfer
    if rng.random() < 0.6:
        business = _round(Decimal(rng.randint(3000, 12000)))
        costs = _round(business * Decimal(rng.randint(25, 50)) / 100)
        entries += [(IncomeKind.BUSINESS, business, "自家养殖、庭院种植"), (IncomeKind.COSTS, costs, "饲料、种子、化肥")]
        left -= business - costs
    if left >= 10:
        entries.append((IncomeKind.WAGES_OTHER, _round(left), "外出务工"))
    elif left < 0 and entries:
        # More than the household's target came in already: the costs of its farming were higher.
        entries.append((IncomeKind.COSTS, _round(-left) + 10, "农机、水电等生产费用"))
    return entries


def add_income_history(session: Session, ctx: dict) -> None:
    """The monitoring lines, and other income for last year and this year for every household."""
    rng = random.Random(SEED)
    today = ctx["today"]
    for year, line in LINES:
        livelihoods.set_line(session, year, line, today=today)
    official = session.scalar(select(User).where(User.role == Role.OFFICIAL).order_by(User.id).limit(1))
    households = list(session.scalars(select(Household).order_by(Household.id)))
    for year in (today.year - 1, today.year):
        base = livelihoods.year_incomes(session, year, today)
        per_head = {h.id: base[h.id].total / h.members for h in households}
        # The lifted and monitored households with the least from the park are the ones at risk.
        at_risk = sorted((h for h in households if h.status != HouseholdStatus.NONE), key=lambda h: per_head[h.id])
        weak = {h.id: n for n, h in enumerate(at_risk[:VULNERABLE])}
        for household in households:
            if household.id in weak:
                # Below the line (5,800 to 7,000) or near it (7,800 to 10,000) once other income is counted.
                low, high = (5800, 7000) if weak[household.id] < BELOW else (7800, 10000)
            else:
                low, high = (11000, 22000)
            target = Decimal(rng.randint(low, high)) * (Decimal("0.93") if year < today.year else 1)
            other = max(target * household.members - base[household.id].total, Decimal(0))
            for kind, amount, note in _entries(rng, household.status, household.members, other):
                livelihoods.add_income(session, household.id, IncomeEntryIn(year=year, kind=kind, amount=amount,
                                                                             note=note), official, today=today)
    session.flush()

