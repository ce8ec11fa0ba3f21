"""Inputs of the people area: workers, training, jobs, attendance, pay rates and adjustments."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import AliasChoices, Field, StringConstraints

from farm.inputs import Input, LongText, Month, Name, Text, Yuan
from farm.vocab import Grade, JobKind, WorkerStatus

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
# Hours of one worker on one job: never negative, never above a day.
Hours = Annotated[Decimal, Field(ge=0, le=24, max_digits=4, decimal_places=2)]
# A rate in yuan with up to four decimals (piece rates of 0.15 元/kg and less).
Rate = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=4)]
# An adjustment may take money back, so it may be negative.
SignedYuan = Annotated[Decimal, Field(ge=-1_000_000, le=1_000_000, max_digits=12, decimal_places=2)]


class WorkerIn(Input):
    """A worker: `daily_wage` defaults to the park's setting when not given."""

    name: Name
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] = ""
    village_group: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] = ""
    household_id: int | None = None
    daily_wage: Yuan | None = None
    id_number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] = ""
    skills: Text = ""
    status: WorkerStatus = WorkerStatus.ACTIVE
    started_on: date | None = None
    notes: LongText = ""


class WageIn(Input):
    """A new daily wage for a worker from a date on."""

    daily_wage: Yuan
    valid_from: date


class TrainingIn(Input):
    course: Name
    taken_on: date
    result: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""


class JobIn(Input):
    """A job on a day's board; no greenhouse means the packing shed."""

    kind: JobKind
    greenhouse: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = None
    day: date = Field(validation_alias=AliasChoices("date", "day"))
    workers: list[int] = []
    hours: Hours
    note: LongText = ""


class JobWorkersIn(Input):
    """The workers of an existing job, as a whole list (those left out come off it)."""

    workers: list[int] = []


class AttendanceEntry(Input):
    """One worker on one job: present or not, and the hours worked."""

    worker_id: int
    present: bool
    hours: Hours = Decimal(0)


class AttendanceIn(Input):
    entries: list[AttendanceEntry]


class PieceRateIn(Input):
    """A picking rate in 元/kg for a crop and grade, from a date on."""

    crop: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    grade: Grade
    valid_from: date
    rate: Rate


class AdjustmentIn(Input):
    """Money added to (or taken from) a worker's pay in an open month, with its reason."""

    worker_id: int
    month: Month
    amount: SignedYuan
    reason: Reason


class CopyDayIn(Input):
    source: date = Field(validation_alias=AliasChoices("from", "source"))
    target: date = Field(validation_alias=AliasChoices("to", "target"))
