"""Inputs of the park area: plantings and crops."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from farm.inputs import Code, Input, LongText, OptionalDate, Text
from farm.vocab import ACTIVE_PLANTING_STATUSES

# A planting's status as an edit may set it: ending one takes its end date (PlantingEnd), not a status.
EditableStatus = Literal[ACTIVE_PLANTING_STATUSES]  # type: ignore[valid-type]


class PlantingIn(Input):
    """Start a planting: greenhouse code, crop (code or name), variety, date and area."""

    greenhouse: Code
    crop: Code
    variety: Text = ""
    planted_on: date
    area_m2: Annotated[Decimal, Field(gt=0, max_digits=10, decimal_places=2)]
    expected_harvest_on: OptionalDate = None
    notes: LongText = ""


class PlantingChange(Input):
    """Edit a planting; only the fields given change."""

    variety: Text | None = None
    planted_on: OptionalDate = None
    area_m2: Annotated[Decimal, Field(gt=0, max_digits=10, decimal_places=2)] | None = None
    expected_harvest_on: OptionalDate = None
    status: EditableStatus | None = None
    notes: LongText | None = None


class PlantingEnd(Input):
    """End a planting on a date."""

    ended_on: date


Climate = Annotated[Decimal, Field(ge=-60, le=20000, max_digits=7, decimal_places=1)] | None


class CropIn(Input):
    """A crop's names, varieties and climate ranges as a manager edits them; an empty range is unset."""

    name_zh: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    name_en: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    varieties: LongText = ""
    day_temp_min: Climate = None
    day_temp_max: Climate = None
    night_temp_min: Climate = None
    night_temp_max: Climate = None
    chill_slow_c: Climate = None
    chill_stop_c: Climate = None
    frost_kill_c: Climate = None
    heat_impair_c: Climate = None
    heat_stop_c: Climate = None
    heat_injury_c: Climate = None
    humidity_min: Climate = None
    humidity_max: Climate = None
    soil_temp_min: Climate = None
    soil_temp_max: Climate = None
    co2_min: Climate = None
    co2_max: Climate = None
