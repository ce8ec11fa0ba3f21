"""Inputs of the alerts area: a manager acknowledges an alert with a note saying what was done."""
from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from farm.inputs import Input


class Acknowledge(Input):
    """Acknowledge an alert; the note is required (what was seen or done), up to 500 characters."""

    note: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
