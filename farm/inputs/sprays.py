"""Inputs of the spraying records: a pesticide product of the park's list, and one spray in a greenhouse."""
from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from flask_babel import lazy_gettext as _l
from pydantic import AfterValidator, Field, StringConstraints, WithJsonSchema

from farm.inputs import Code, Input, LongText, Name, Text
from farm.vocab import DoseUnit

# 农药登记证号: PD (正式登记), LS (临时登记) or WP (卫生用农药) and eight digits, e.g. PD20081234; typed in any case,
# spaces dropped.
REGISTRATION = re.compile(r"^(PD|LS|WP)\d{8}$")


def _registration(value: str) -> str:
    value = value.replace(" ", "").upper()
    if not REGISTRATION.match(value):
        raise ValueError(_l("A registration number is PD, LS or WP and eight digits, e.g. PD20081234."))
    return value


RegistrationNo = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20), AfterValidator(_registration),
                           WithJsonSchema({"type": "string", "pattern": REGISTRATION.pattern,
                                           "description": "农药登记证号, e.g. PD20081234"})]
Ingredient = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# Days from spraying until harvest is allowed again (安全间隔期), as the label states.
PhiDays = Annotated[int, Field(ge=0, le=365)]
Dose = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=3)]
WaterLitres = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
Target = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class ProductIn(Input):
    """A pesticide product of the park's list with the interval its label states."""

    name: Name
    registration_no: RegistrationNo
    active_ingredient: Ingredient
    phi_days: PhiDays
    # Crop code -> the interval the label states for that crop, where it differs from `phi_days`.
    crop_intervals: dict[Code, PhiDays] = {}
    active: bool = True
    note: LongText = ""


class SprayIn(Input):
    """One spraying of a greenhouse. `product` is a name from the park's list (its registration number, active
    ingredient and interval, for the crop growing there where the list has one, are taken from there unless given) or a product typed in, which then needs all three.
    `applied_at` defaults to now; a time without an offset is the park's local time. `operator` is a worker id."""

    greenhouse: Code
    applied_at: datetime | None = None
    product: Name
    registration_no: RegistrationNo | None = None
    active_ingredient: Ingredient | None = None
    phi_days: PhiDays | None = None
    dose: Dose
    dose_unit: Literal[DoseUnit.values()] = DoseUnit.ML.value
    water_l: WaterLitres | None = None
    target: Target
    operator: int
    note: Text = ""
