"""Inputs of households' livelihoods: the monitoring line of a year and a household's other income."""
from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field, WithJsonSchema

from farm.clock import FIRST_YEAR, LAST_YEAR
from farm.inputs import Input, LongText
from farm.vocab import IncomeKind

# A calendar year; one in the future is refused by the service (it compares with the park's today).
Year = Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR),
                 WithJsonSchema({"type": "integer", "minimum": FIRST_YEAR, "maximum": LAST_YEAR})]
# Above zero, to the fen: a cost is entered as a positive amount of kind `costs` and subtracted.
Amount = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]


class IncomeLineIn(Input):
    """The monitoring line of a year, in yuan per person per year."""

    line: Amount


class IncomeEntryIn(Input):
    """Income of a household for a year that the park's ledgers do not hold; `costs` is subtracted."""

    year: Year
    kind: IncomeKind
    amount: Amount
    note: LongText = ""
