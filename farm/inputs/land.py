"""Inputs of the land area: households, land-transfer contracts with their parcels, rent payments."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from flask_babel import lazy_gettext as _l
from pydantic import Field, StringConstraints, field_validator

from farm.inputs import Code, Input, LongText, Name, OptionalDate, Text
from farm.services.rent import parse_month_day
from farm.vocab import ContractStatus, HouseholdStatus, PaymentMethod

Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Mu = Annotated[Decimal, Field(gt=0, max_digits=10, decimal_places=2)]
PositiveYuan = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]
OptionalYuan = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)] | None
# A contract is made active or as a draft; it expires or is terminated later (ContractStatusIn).
NewContractStatus = Literal[ContractStatus.ACTIVE, ContractStatus.DRAFT]


class HouseholdIn(Input):
    """A village household: head, group, members, poverty status, contact, bank account, 承包期 end."""

    name: Name
    village_group: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] = ""
    members: Annotated[int, Field(ge=1, le=30)] = 1
    status: HouseholdStatus = HouseholdStatus.NONE
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40, pattern=r"^[0-9+\- ]*$")] = ""
    id_number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] = ""
    address: Text = ""
    bank_name: Short = ""
    bank_account: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] = ""
    contract_period_end: OptionalDate = None
    notes: LongText = ""

    @field_validator("id_number")
    @classmethod
    def _id_number(cls, value: str) -> str:
        value = value.upper()
        if value and not (len(value) == 18 and value[:17].isdigit() and (value[17].isdigit() or value[17] == "X")):
            raise ValueError(_l("An ID number has 18 characters: 17 digits and a digit or X."))
        return value

    @field_validator("bank_account")
    @classmethod
    def _bank_account(cls, value: str) -> str:
        value = value.replace(" ", "")
        if value and not (value.isdigit() and 8 <= len(value) <= 30):
            raise ValueError(_l("A bank account number has 8 to 30 digits."))
        return value


class ParcelIn(Input):
    """One parcel: name, parcel code (地块代码), area in mu, the four boundaries and the land type."""

    name: Name
    code: Code
    area_mu: Mu
    east: Short = ""
    south: Short = ""
    west: Short = ""
    north: Short = ""
    land_type: Short = ""
    remarks: Text = ""


class EscalationIn(Input):
    """The rent rises by `percent` % of the rent then in force after every `every_years` years."""

    every_years: Annotated[int, Field(ge=1, le=50)]
    percent: Annotated[Decimal, Field(gt=0, le=100, max_digits=5, decimal_places=2)]


class ContractIn(Input):
    """A land-transfer contract as the model text lays it out."""

    number: Code
    household_id: int
    parcels: list[ParcelIn] = []
    use: Text = ""
    start_date: date
    end_date: date
    delivery_date: OptionalDate = None
    rent_per_mu_year: PositiveYuan
    payment_month_day: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5)]
    payment_method: PaymentMethod = PaymentMethod.BANK
    escalation: EscalationIn | None = None
    deposit: OptionalYuan = None
    late_fee_per_10k: Annotated[Decimal, Field(ge=0, le=100, max_digits=6, decimal_places=2)] | None = None
    village_filed_on: OptionalDate = None
    township_filed_on: OptionalDate = None
    status: NewContractStatus = ContractStatus.ACTIVE
    greenhouses: list[Code] = []
    notes: LongText = ""

    @field_validator("payment_month_day")
    @classmethod
    def _month_day(cls, value: str) -> str:
        try:
            parse_month_day(value)
        except ValueError:
            raise ValueError(_l("Enter the payment day as MM-DD, for example 03-01.")) from None
        return value


class ContractFiling(Input):
    """Filing (备案) dates with the village collective and the township."""

    village_filed_on: OptionalDate = None
    township_filed_on: OptionalDate = None


class ContractStatusIn(Input):
    """Change a contract's status: activate a draft, or terminate on a date."""

    status: Literal[ContractStatus.ACTIVE, ContractStatus.TERMINATED]
    terminated_on: OptionalDate = None


class PaymentIn(Input):
    """Rent paid to the household."""

    paid_on: date
    amount: PositiveYuan
    method: PaymentMethod = PaymentMethod.BANK
    receipt_no: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] = ""
    notes: LongText = ""
