"""Inputs of the asset ledgers: assets with their funding, status changes, returns paid to the village collective,
distributions of that income and the dividend split."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from farm.inputs import Code, Input, LongText, Name, OptionalDate, Text, Yuan
from farm.limits import MAX_ID
from farm.vocab import (
    AssetCategory,
    AssetKind,
    AssetOperator,
    AssetStatus,
    DistributionKind,
    DividendWeighting,
    FundingSource,
)

PositiveYuan = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]
Years = Annotated[int, Field(gt=0, le=100)]
# A record's id, within what every database's integer holds.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# A calendar year the ledgers hold.
Year = Annotated[int, Field(ge=2000, le=2200)]


class FundingIn(Input):
    """One source of an asset's original value and its amount in yuan."""

    source: FundingSource
    amount: PositiveYuan


class AssetIn(Input):
    """An asset of the village collective: what it is, which ledger, the greenhouses it is (codes), when it was built
    and handed over, owner and operator, funding (its sum is the original value; a stated `value` must equal it),
    straight-line depreciation over `depreciation_years` down to `residual_value`, and the operator's yearly return
    (`return_percent` % of the public funds, or `return_fixed` yuan)."""

    code: Code
    name: Name
    kind: AssetKind
    category: AssetCategory
    greenhouses: list[Code] = []
    built_on: date
    handed_over_on: OptionalDate = None
    owner: Text = ""
    operator_kind: AssetOperator = AssetOperator.COMPANY
    operator_name: Text = ""
    operator_household_id: Id | None = None
    funding: list[FundingIn] = []
    value: Yuan | None = None
    depreciation_years: Years
    residual_value: Yuan = Decimal("0.00")
    return_percent: Percent | None = None
    return_fixed: Yuan | None = None
    notes: LongText = ""


class AssetStatusIn(Input):
    """Put an asset in use, idle or under repair, or dispose of it (with a reason and the approval's reference)."""

    status: AssetStatus
    on: OptionalDate = None
    reason: Text = ""
    approval: Text = ""


class ReturnIn(Input):
    """What the operators paid the village collective for a year's return on its assets."""

    year: Year
    amount: PositiveYuan
    paid_on: date
    receipt_no: Annotated[str, Field(max_length=60)] = ""
    notes: LongText = ""


class DistributionLineIn(Input):
    """A line of a distribution: a dividend (to `household_id`), a public-welfare job (to `person`), village public
    works or what the collective retains."""

    kind: DistributionKind
    household_id: Id | None = None
    person: Text = ""
    amount: PositiveYuan


class DistributionIn(Input):
    """How the collective uses a year's income from its assets; the lines may not add up to more than was received
    for that year (less what earlier distributions of the year used)."""

    year: Year
    lines: list[DistributionLineIn]
    paid_on: OptionalDate = None
    notes: LongText = ""


class DividendSplitIn(Input):
    """Share `amount` among the lifted-out and monitored households, equally or by members, to the fen; the fen left
    over go to the line `remainder_to`. Public works, a public-welfare job and a retained sum may go with it."""

    year: Year
    amount: PositiveYuan
    weighting: DividendWeighting = DividendWeighting.EQUAL
    remainder_to: Literal[DistributionKind.RETAINED, DistributionKind.PUBLIC_WORKS] = DistributionKind.RETAINED
    public_works: Yuan = Decimal("0.00")
    retained: Yuan = Decimal("0.00")
    # One public-welfare job (公益岗位) paid from the same income, to the person named.
    public_job: Yuan = Decimal("0.00")
    public_job_person: Text = ""
    paid_on: OptionalDate = None
