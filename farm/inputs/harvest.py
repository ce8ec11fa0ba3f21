"""Inputs of the harvest area: log a harvest, correct one, void one."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from farm.inputs import Code, Input, Kilograms, LongText
from farm.vocab import Grade as Grades

# The grade as its plain value (the API document lists the values; `Grades` keeps them in one place).
Grade = Literal[Grades.values()]
Crates = Annotated[int, Field(ge=0, le=1000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class HarvestIn(Input):
    """Log one weighed harvest. `harvested_at` defaults to now; a time without an offset is the park's local time."""

    greenhouse: Code
    weight_kg: Kilograms
    grade: Grade
    harvested_at: datetime | None = None
    worker: int | None = None
    crates: Crates | None = None
    note: LongText = ""
    # A manager's reason for harvesting inside a spray's pre-harvest interval (services.sprays); refused from others.
    interval_override: Reason | None = None


class HarvestChange(Input):
    """Correct a harvest record; only the fields given change. `reason` is kept with the correction."""

    greenhouse: Code | None = None
    weight_kg: Kilograms | None = None
    grade: Grade | None = None
    harvested_at: datetime | None = None
    worker: int | None = None
    crates: Crates | None = None
    note: LongText | None = None
    reason: LongText = ""
    # As on HarvestIn: a manager's reason for a new place or time inside a pre-harvest interval.
    interval_override: Reason | None = None


class HarvestVoid(Input):
    """Void a wrong record; the reason is required and kept."""

    reason: Reason
