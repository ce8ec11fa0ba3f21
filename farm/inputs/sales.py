"""Inputs of the sales area: pack sizes, packing sessions, losses, buyers and their prices, shipments, payments."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, StringConstraints

from farm.inputs import Input, LongText, Name, OptionalDate, Text
from farm.vocab import BuyerKind, Grade, LossReason, PackUnit, PaymentMethod

# A crop by its code (or its Chinese or English name), as the other areas take it.
CropName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
# A record's id in a body: a positive whole number that fits the database's integer.
RecordId = Annotated[int, Field(ge=1, le=2_147_483_647)]
# A price in yuan per kilogram: above zero, to the fen.
PricePerKg = Annotated[Decimal, Field(gt=0, le=1000, max_digits=10, decimal_places=2)]
# Money received: above zero, to the fen.
Amount = Annotated[Decimal, Field(gt=0, le=100_000_000, max_digits=12, decimal_places=2)]
# Packed units (boxes or crates) of one line or session.
Units = Annotated[int, Field(ge=1, le=10_000)]
Weight = Annotated[Decimal, Field(gt=0, le=100_000, max_digits=12, decimal_places=3)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40, pattern=r"^[0-9+\- ]*$")]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]


class PackSizeIn(Input):
    """How a crop of a grade is packed: a box or a crate of `net_kg`."""

    crop: CropName
    grade: Grade
    unit: PackUnit = PackUnit.BOX
    net_kg: Annotated[Decimal, Field(gt=0, le=100, max_digits=7, decimal_places=3)]


class PackingIn(Input):
    """A packing session: who packed how many units of a crop and grade on a day (default today)."""

    packer: RecordId = Field(validation_alias=AliasChoices("packer", "packer_id", "worker"))
    crop: CropName
    grade: Grade
    units: Units
    day: OptionalDate = Field(default=None, validation_alias=AliasChoices("date", "day"))
    note: LongText = ""


class LossIn(Input):
    """Produce that leaves the stock unsold, with its reason; `date` defaults to today."""

    crop: CropName
    grade: Grade
    weight_kg: Weight
    reason: LossReason
    date: OptionalDate = None
    note: LongText = ""


class BuyerIn(Input):
    """A buyer: name, kind, contact person, phone, address, and whether it buys as 消费帮扶."""

    name: Name
    kind: BuyerKind
    contact: Short = ""
    phone: Phone = ""
    address: Text = ""
    consumption_aid: bool = False
    active: bool = True
    notes: LongText = ""


class PriceIn(Input):
    """A buyer's price (元/kg) for a crop and grade from a day on."""

    crop: CropName
    grade: Grade
    valid_from: date
    price_per_kg: PricePerKg


class ShipmentLineIn(Input):
    """One crop and grade on a shipment: `weight_kg`, or `units` of the crop and grade's pack size; the price
    defaults to the buyer's list price on the shipment's day."""

    crop: CropName
    grade: Grade
    weight_kg: Weight | None = None
    units: Units | None = None
    price_per_kg: PricePerKg | None = None


class ShipmentIn(Input):
    """A shipment (送货单) to a buyer on a day (default today, never later) with its lines."""

    buyer_id: RecordId
    date: OptionalDate = None
    lines: Annotated[list[ShipmentLineIn], Field(min_length=1, max_length=50)]
    note: LongText = ""


class PaymentIn(Input):
    """Money received from the buyer against a shipment; what exceeds what is owed is kept as the buyer's credit."""

    paid_on: date
    amount: Amount
    method: PaymentMethod = PaymentMethod.BANK
    note: Text = ""


class CancelIn(Input):
    """Cancelling a shipment: why (required), and whether payments made against it stay as the buyer's credit."""

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    payments_as_credit: bool = False


class CertificateIn(Input):
    """Printing a 承诺达标合格证: the layout (a label sheet or a single label), packages per line on the sheet, the
    basis of the promise and an optional test result."""

    layout: Literal["sheet", "single"] = "sheet"
    copies: Annotated[int, Field(ge=1, le=200)] = 1
    basis: Literal["promise", "internal", "self_test", "lab"] = "promise"
    test: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""
