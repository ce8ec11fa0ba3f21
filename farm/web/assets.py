"""Asset ledger pages (三本账): the three ledgers of a year (print and Excel), each asset with its funding,
depreciation, returns and change log, the returns paid to the village collective and its distributions."""
from __future__ import annotations

import re
from datetime import date

from flask import Blueprint, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from farm import clock
from farm.db import request_session
from farm.inputs import parse
from farm.inputs.assets import AssetIn, AssetStatusIn, DividendSplitIn, ReturnIn
from farm.permissions import allow
from farm.services import assets, land
from farm.vocab import (
    AssetCategory,
    AssetKind,
    AssetOperator,
    AssetStatus,
    DistributionKind,
    DividendWeighting,
    FundingSource,
)
from farm.web import LAND, FormState, act_and_redirect, form_action, form_input, nav
from farm.web.dashboard import panel
from farm.web.exports import download

bp = Blueprint("assets", __name__, url_prefix="/assets")
nav("assets.ledgers", _l("Asset ledgers"), LAND, 70)
nav("assets.returns", _l("Asset returns"), LAND, 71)


def _panel(session) -> dict:
    today = clock.today()
    years = assets.return_years(session, today)  # once: the totals and the newest three years come from it
    return {"totals": assets.return_totals(session, today, years), "years": list(reversed(years))[:3]}


panel("assets/_dashboard.html", _panel, "assets.read", 45)


def _year() -> int:
    """The ledger's year from the query; last year when none is given, the 404 page's message when it is bad."""
    return assets.ledger_year(request.args.get("year"))


# --- the ledgers -------------------------------------------------------------------------------------------

@bp.get("/ledgers")
@allow("assets.read")
def ledgers():
    db, today = request_session(), clock.today()
    year = _year()
    book = assets.ledgers(db, year, today)
    first = min((y for y, _ in book.by_year), default=year)
    return render_template("assets/ledgers.html", book=book, year=year, today=today,
                           years=list(range(today.year, min(first, year) - 1, -1)),
                           categories=list(AssetCategory), sources=list(FundingSource))


@bp.get("/ledgers.xlsx")
@allow("assets.read")
def ledgers_xlsx():
    year = _year()
    return download(assets.ledger_workbook(request_session(), year, clock.today()), f"asset-ledgers-{year}.xlsx")


# --- one asset ---------------------------------------------------------------------------------------------

@bp.get("/<int:asset_id>")
@allow("assets.read")
def asset(asset_id: int):
    db, today = request_session(), clock.today()
    a = assets.get_asset(db, asset_id)
    first = a.in_service_on.year
    years = [(y, assets.return_due(a, y), assets.accumulated_depreciation(a, min(today, date(y, 12, 31))))
             for y in range(first, today.year + 1)]
    return render_template("assets/asset.html", asset=a, today=today, years=years,
                           accumulated=assets.accumulated_depreciation(a, today),
                           funding=assets.funding_by_source(a), public=assets.public_funds(a),
                           annual=assets.annual_return(a), statuses=AssetStatus.choices())


def _asset_data(form) -> dict:
    """The asset form as AssetIn reads it: one amount per funding source, greenhouses as a list of codes."""
    data = {k: v for k, v in form.items() if not k.startswith("funding.")}
    data["funding"] = [{"source": s, "amount": form.get(f"funding.{s}", "").strip()} for s in FundingSource.values()
                       if form.get(f"funding.{s}", "").strip()]
    data["greenhouses"] = [c for c in re.split(r"[\s,，、;；]+", form.get("greenhouses", "").upper()) if c]
    return data


def _asset_values(a) -> dict:
    values = {name: getattr(a, name) for name in ("code", "name", "kind", "category", "owner", "operator_kind",
                                                    "operator_name", "depreciation_years", "residual_value",
                                                    "return_percent", "return_fixed", "notes")}
    values.update(built_on=a.built_on.isoformat(), value=a.value,
                  handed_over_on=a.handed_over_on.isoformat() if a.handed_over_on else "",
                  operator_household_id=a.operator_household_id or "",
                  greenhouses=", ".join(gh.code for gh in a.greenhouses))
    for source, amount in assets.funding_by_source(a).items():
        values[f"funding.{source}"] = amount if amount else ""
    return values


def _errors(errors: dict) -> dict:
    """Errors on funding lines (funding.N.amount) shown on the source's own field."""
    shown = {}
    sent = [s for s in FundingSource.values() if request.form.get(f"funding.{s}", "").strip()]
    for key, why in errors.items():
        match = re.fullmatch(r"funding\.(\d+)\.\w+", key)
        if match and int(match.group(1)) < len(sent):
            key = f"funding.{sent[int(match.group(1))]}"
        shown[key] = why
    return shown


def _asset_form(a=None):
    db = request_session()
    values = {"kind": AssetKind.GREENHOUSE, "category": AssetCategory.OPERATING, "operator_kind": AssetOperator.COMPANY,
              "depreciation_years": 15, "residual_value": "0", "return_percent": "6"}
    if a is not None:
        values = _asset_values(a)

    def save():
        data = parse(AssetIn, _asset_data(request.form))
        saved = assets.create_asset(db, data, g.user) if a is None else assets.update_asset(db, a.id, data, g.user)
        return url_for("assets.asset", asset_id=saved.id), _("Asset saved.")

    state = form_action(values, save)
    if not isinstance(state, FormState):
        return state
    state.errors = _errors(state.errors)
    return state.render("assets/asset_form.html", asset=a, kinds=AssetKind.choices(),
                        categories=AssetCategory.choices(), operators=AssetOperator.choices(),
                        sources=FundingSource.choices(),
                        households=[("", "")] + [(h.id, f"{h.name}（{h.village_group}）")
                                                 for h in land.list_households(db)])


@bp.route("/new", methods=["GET", "POST"])
@allow("assets.manage")
def asset_new():
    return _asset_form()


@bp.route("/<int:asset_id>/edit", methods=["GET", "POST"])
@allow("assets.manage")
def asset_edit(asset_id: int):
    return _asset_form(assets.get_asset(request_session(), asset_id))


@bp.post("/<int:asset_id>/status")
@allow("assets.manage")
def asset_status(asset_id: int):
    db = request_session()
    assets.get_asset(db, asset_id)

    def do():
        assets.change_status(db, asset_id, form_input(AssetStatusIn), g.user)
        return _("Asset status changed.")

    return act_and_redirect(do, url_for("assets.asset", asset_id=asset_id))


# --- returns and distributions -----------------------------------------------------------------------------

@bp.get("/returns")
@allow("assets.read")
def returns():
    db, today = request_session(), clock.today()
    return render_template("assets/returns.html", years=assets.yearly_summary(db, today), today=today,
                           payments=list(reversed(assets.list_returns(db))),
                           reminders=assets.return_reminders(db, today))


@bp.route("/returns/new", methods=["GET", "POST"])
@allow("assets.manage")
def return_new():
    db, today = request_session(), clock.today()
    owing = next((y for y in assets.return_years(db, today) if y.outstanding > 0 and y.year < today.year), None)
    values = {"year": owing.year if owing else today.year - 1, "paid_on": today.isoformat(),
              "amount": owing.outstanding if owing else ""}

    def save():
        assets.record_return(db, form_input(ReturnIn), g.user, today)
        return url_for("assets.returns"), _("Return recorded.")

    state = form_action(values, save)
    if not isinstance(state, FormState):
        return state
    return state.render("assets/return_form.html", years=assets.yearly_summary(db, today))


@bp.get("/distributions")
@allow("assets.read")
def distributions():
    db, today = request_session(), clock.today()
    year = _year()
    return render_template("assets/distributions.html", year=year, today=today,
                           state=assets.year_return(db, year, today),
                           distributions=assets.list_distributions(db, year),
                           households=assets.households_with_dividends(db, year),
                           years=list(range(today.year, today.year - 10, -1)))


@bp.route("/distributions/new", methods=["GET", "POST"])
@allow("assets.manage")
def distribution_new():
    db, today = request_session(), clock.today()
    year = _year()
    state_of_year = assets.year_return(db, year, today)
    values = {"year": year, "paid_on": today.isoformat(), "weighting": DividendWeighting.MEMBERS,
              "remainder_to": DistributionKind.RETAINED, "amount": state_of_year.available or ""}

    def save():
        data = form_input(DividendSplitIn)
        assets.distribute_dividends(db, data, g.user, today)
        return url_for("assets.distributions", year=data.year), _("Distribution recorded.")

    state = form_action(values, save)
    if not isinstance(state, FormState):
        return state
    eligible = assets.dividend_households(db)
    return state.render("assets/distribution_form.html", year=year, state=state_of_year, households=eligible,
                        weightings=DividendWeighting.choices(),
                        places=[(k.value, k.label) for k in (DistributionKind.RETAINED, DistributionKind.PUBLIC_WORKS)])
