"""Inputs of early warning: a follow-up of a warning (帮扶措施) and its closing (风险消除), each with its text."""
from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from farm.inputs import Input
from farm.vocab import FollowUpMeasure

Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class FollowUpIn(Input):
    """What was done for the household: the measure and a note saying what exactly (required, up to 1,000
    characters)."""

    measure: FollowUpMeasure
    note: Note


class CloseIn(Input):
    """Close a warning: why the risk is removed (required, up to 1,000 characters)."""

    reason: Note
