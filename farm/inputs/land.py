"""Inputs of the land area: households, land-transfer contracts with their parcels, rent payments."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from flask_babel import lazy_gettext as _l
from pydantic import AfterValidator, Field, Strict, StringConstraints, WithJsonSchema, field_validator

from farm.inputs import Code, Input, LongText, Name, OptionalDate, Text
from farm.services.rent import parse_month_day
from farm.vocab import ContractStatus, HouseholdStatus, MonitorKind, PaymentMethod

Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Mu = Annotated[Decimal, Field(gt=0, max_digits=10, decimal_places=2)]
PositiveYuan = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]
OptionalYuan = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)] | None
# A contract is made active or as a draft; it expires or is terminated later (ContractStatusIn).
NewContractStatus = Literal[ContractStatus.ACTIVE, ContractStatus.DRAFT]


def _id_number(value: str) -> str:
    value = value.upper()
    if value and not (len(value) == 18 and value[:17].isdigit() and (value[17].isdigit() or value[17] == "X")):
        raise ValueError(_l("An ID number has 18 characters: 17 digits and a digit or X."))
    return value


def _bank_account(value: str) -> str:
    value = value.replace(" ", "")
    if value and not (value.isdigit() and 8 <= len(value) <= 30):
        raise ValueError(_l("A bank account number has 8 to 30 digits."))
    return value


def _members(value: int) -> int:
    if value < 1:
        raise ValueError(_l("A household has at least one member."))
    return value


def _labour(value: int) -> int:
    if value < 0:
        raise ValueError(_l("Labour is a number of members: 0 or more."))
    return value


VillageGroup = Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40, pattern=r"^[0-9+\- ]*$")]
IdNumber = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40), AfterValidator(_id_number)]
BankAccount = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40), AfterValidator(_bank_account)]
# Members and labour: whole numbers; a form sends them as text, a JSON body as numbers (Strict: "3" and true are
# not numbers there).
Members = Annotated[int, Field(le=30), AfterValidator(_members),
                    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": 30})]
Labour = Annotated[int, Field(le=30), AfterValidator(_labour),
                   WithJsonSchema({"type": "integer", "minimum": 0, "maximum": 30})]
StrictMembers = Annotated[int, Strict(), Field(le=30), AfterValidator(_members),
                          WithJsonSchema({"type": "integer", "minimum": 1, "maximum": 30})]
StrictLabour = Annotated[int, Strict(), Field(le=30), AfterValidator(_labour),
                         WithJsonSchema({"type": "integer", "minimum": 0, "maximum": 30})]


class HouseholdIn(Input):
    """A village household: head, group, members and labour, poverty status (and, when monitored, its kind),
    contact, bank account, 承包期 end. A monitor kind goes with the status `monitored` only (farm.services.land)."""

    name: Name
    village_group: VillageGroup = ""
    members: Members = 1
    labour: Labour = 0
    status: HouseholdStatus = HouseholdStatus.NONE
    monitor_kind: MonitorKind | None = None
    phone: Phone = ""
    id_number: IdNumber = ""
    address: Text = ""
    bank_name: Short = ""
    bank_account: BankAccount = ""
    contract_period_end: OptionalDate = None
    notes: LongText = ""


class HouseholdChange(Input):
    """Change a household; only the fields given change. `monitor_kind` null clears it; a text given as null
    becomes empty; name, members, labour and status need a value. Whole numbers must be JSON numbers."""

    name: Name | None = None
    village_group: VillageGroup | None = None
    members: StrictMembers | None = None
    labour: StrictLabour | None = None
    status: HouseholdStatus | None = None
    monitor_kind: MonitorKind | None = None
    phone: Phone | None = None
    id_number: IdNumber | None = None
    address: Text | None = None
    bank_name: Short | None = None
    bank_account: BankAccount | None = None
    contract_period_end: OptionalDate = None
    notes: LongText | None = None

    @classmethod
    def whole(cls, data: HouseholdIn) -> "HouseholdChange":
        """The change that makes a household what a whole record (the page's form) says: every field given."""
        return cls.model_validate(data.model_dump())


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


class ContractChange(Input):
    """Change a contract through the API; only the fields given change, and the whole contract is then checked as a
    new one would be (ContractIn's rules, the 承包期, parcels already leased). A field that may be empty clears when
    given as null; the terms need a value. The status changes through activation and termination, not here."""

    number: Code | None = None
    household_id: int | None = None
    parcels: list[ParcelIn] | None = None
    use: Text | None = None
    start_date: date | None = None
    end_date: date | None = None
    delivery_date: OptionalDate = None
    rent_per_mu_year: PositiveYuan | None = None
    payment_month_day: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5)] | None = None
    payment_method: PaymentMethod | None = None
    escalation: EscalationIn | None = None
    deposit: OptionalYuan = None
    late_fee_per_10k: Annotated[Decimal, Field(ge=0, le=100, max_digits=6, decimal_places=2)] | None = None
    village_filed_on: OptionalDate = None
    township_filed_on: OptionalDate = None
    greenhouses: list[Code] | None = None
    notes: LongText | None = None


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
