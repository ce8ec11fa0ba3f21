"""Small factories for asset tests."""
from __future__ import annotations

from farm.inputs.assets import AssetIn
from farm.services import assets


def asset_data(code="GH-ASSET-1", fiscal="90000", village="30000", **extra) -> dict:
    """A greenhouse asset of 120,000 yuan (90,000 of fiscal linkage funds), 10 years down to 6,000, 6 % a year."""
    data = {"code": code, "name": "1号日光温室", "kind": "greenhouse", "category": "operating",
            "built_on": "2020-03-20", "handed_over_on": "2020-06-15",
            "funding": [{"source": "fiscal", "amount": fiscal}, {"source": "village", "amount": village}],
            "depreciation_years": 10, "residual_value": "6000", "return_percent": "6"}
    data.update(extra)
    return data


def make_asset(session, **extra):
    return assets.create_asset(session, AssetIn.model_validate(asset_data(**extra)))
