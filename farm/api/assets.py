"""Public-fund assets in the API: the assets with their ledger figures, returns paid to the village collective and
the distributions of that income."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, g, request

from farm import clock
from farm.api import Code, Money, Number, Out, Param, created, doc, json_body, listing, out
from farm.db import request_session
from farm.inputs.assets import AssetIn, AssetStatusIn, DistributionIn, ReturnIn
from farm.permissions import allow
from farm.services import assets
from farm.vocab import AssetCategory, AssetKind, AssetOperator, AssetStatus, DistributionKind, FundingSource

bp = Blueprint("assets", __name__)

YEAR = Param("the ledger's year (YYYY): value and depreciation at its end (today for this year), its return due "
             "and received; this year when not given")


class FundingOut(Out):
    source: FundingSource
    amount: Money


class AssetOut(Out):
    """An asset with its ledger figures for the year asked for: value and accumulated depreciation at the year's
    end (today for this year), net value, the year's return due and what was received of it."""

    id: int
    code: str
    name: str
    kind: AssetKind
    category: AssetCategory
    greenhouses: list[Code]
    built_on: date
    handed_over_on: date | None
    owner: str
    operator_kind: AssetOperator
    operator_name: str
    operator_household_id: int | None
    funding: list[FundingOut]
    value: Money
    depreciation_years: int
    residual_value: Money
    return_percent: Number | None
    return_fixed: Money | None
    status: AssetStatus
    disposed_on: date | None
    disposal_reason: str
    disposal_approval: str
    year: int
    accumulated_depreciation: Money
    net_value: Money
    return_due: Money
    return_received: Money


class ReturnOut(Out):
    id: int
    year: int
    amount: Money
    paid_on: date
    receipt_no: str


class YearReturnOut(Out):
    """A year's returns: due in all, received, distributed, still owed, when due and whether overdue."""

    year: int
    due: Money
    received: Money
    distributed: Money
    outstanding: Money
    due_on: date
    overdue: bool


class LineOut(Out):
    kind: DistributionKind
    household_id: int | None
    person: str
    amount: Money


class DistributionOut(Out):
    id: int
    year: int
    paid_on: date
    lines: list[LineOut]
    total: Money


def _figures(asset, year: int, figures) -> dict:
    return {"year": year, "accumulated_depreciation": figures.accumulated, "net_value": figures.net_value,
            "return_due": figures.return_due, "return_received": figures.received}


def _one(asset) -> dict:
    year = clock.today().year
    return _figures(asset, year, assets.asset_figures(request_session(), year)[asset.id])


@bp.get("/assets")
@allow("assets.read")
@doc("The village collective's assets with their ledger figures for a year", response=AssetOut, many=True,
     tag="assets", query={"category": Param("ledger", AssetCategory), "year": YEAR})
def asset_list():
    db = request_session()
    category = assets.category_filter(request.args.get("category"))
    year = assets.ledger_year(request.args.get("year"), default=clock.today().year)
    figures = assets.asset_figures(db, year, category)
    return listing(assets.list_assets(db, category), AssetOut, each=lambda a: _figures(a, year, figures[a.id]))


@bp.post("/assets")
@allow("assets.manage")
@doc("Register an asset; its funding must add up to a stated `value`, greenhouses are codes",
     body=AssetIn, response=AssetOut, status=201, tag="assets")
def asset_create():
    data = json_body(AssetIn)
    db = request_session()
    asset = assets.create_asset(db, data, g.user)
    db.commit()
    return created(AssetOut, asset, **_one(asset))


@bp.get("/assets/<int:asset_id>")
@allow("assets.read")
@doc("One asset, with this year's figures", response=AssetOut, tag="assets")
def asset_detail(asset_id: int):
    asset = assets.get_asset(request_session(), asset_id)
    return out(AssetOut, asset, **_one(asset))


@bp.put("/assets/<int:asset_id>")
@allow("assets.manage")
@doc("Change an asset's terms (the whole record); the change log keeps before and after", body=AssetIn,
     response=AssetOut, tag="assets")
def asset_update(asset_id: int):
    data = json_body(AssetIn)
    db = request_session()
    asset = assets.update_asset(db, asset_id, data, g.user)
    db.commit()
    return out(AssetOut, asset, **_one(asset))


@bp.post("/assets/<int:asset_id>/status")
@allow("assets.manage")
@doc("Put an asset in use, idle or under repair, or dispose of it (`reason` and `approval` required)",
     body=AssetStatusIn, response=AssetOut, tag="assets")
def asset_status(asset_id: int):
    data = json_body(AssetStatusIn)
    db = request_session()
    asset = assets.change_status(db, asset_id, data, g.user)
    db.commit()
    return out(AssetOut, asset, **_one(asset))


@bp.get("/assets/returns")
@allow("assets.read")
@doc("Each year's returns: due, received, distributed, outstanding and overdue", response=YearReturnOut,
     many=True, tag="assets")
def return_years():
    return listing(assets.return_years(request_session()), YearReturnOut)


@bp.post("/assets/returns")
@allow("assets.manage")
@doc("Record what the operators paid the village collective for a year (at most what is still owed)",
     body=ReturnIn, response=ReturnOut, status=201, tag="assets")
def return_create():
    data = json_body(ReturnIn)
    db = request_session()
    payment = assets.record_return(db, data, g.user)
    db.commit()
    return created(ReturnOut, payment)


@bp.get("/distributions")
@allow("assets.read")
@doc("Distributions of the collective's income from its assets", response=DistributionOut, many=True,
     tag="assets", query={"year": Param("the year whose income was distributed (YYYY)")})
def distribution_list():
    year = assets.ledger_year(request.args.get("year")) if request.args.get("year") else None
    return listing(assets.list_distributions(request_session(), year), DistributionOut)


@bp.post("/distributions")
@allow("assets.manage")
@doc("Distribute a year's income: dividends to lifted-out or monitored households, public-welfare jobs, public "
     "works, retained; no more than was received for the year and not yet distributed",
     body=DistributionIn, response=DistributionOut, status=201, tag="assets")
def distribution_create():
    data = json_body(DistributionIn)
    db = request_session()
    distribution = assets.record_distribution(db, data, g.user)
    db.commit()
    return created(DistributionOut, distribution)

