"""The park's fixed vocabularies, each once: its values, their labels (English msgids, Chinese from the catalogue)
and the tone a badge shows them in.

Models build their CHECK constraints from these, input models their allowed values, templates their labels and
badges (`label()` and `badge()`), the API document its enums. A value is added here and nowhere else; the database
migration that widens the CHECK constraint goes with it.
"""
from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint

# A badge's tone: one CSS class per tone (`tone-ok`, ...) in app.css, so a colour is chosen here and drawn there.
TONES = ("neutral", "ok", "info", "warn", "bad", "muted")


class Term(StrEnum):
    """A value of a fixed vocabulary with its translatable label and its badge tone."""

    def __new__(cls, value: str, label=None, tone: str = "neutral"):
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label if label is not None else value
        member.tone = tone
        return member

    @property
    def label(self) -> str:
        """The label in the current language."""
        return str(self._label)

    @classmethod
    def values(cls) -> tuple[str, ...]:
        return tuple(m.value for m in cls)

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, label) pairs for a form's select, in the vocabulary's order."""
        return [(m.value, m.label) for m in cls]

    @classmethod
    def get(cls, value) -> "Term | None":
        """The member for `value`, or None when it is not one."""
        try:
            return cls(value)
        except ValueError:
            return None

    @classmethod
    def check(cls, column: str, nullable: bool = False) -> CheckConstraint:
        """A CHECK constraint keeping `column` inside this vocabulary (named `ck_<table>_<column>_vocab`)."""
        allowed = ", ".join(f"'{v}'" for v in cls.values())
        sql = f"{column} IN ({allowed})"
        if nullable:
            sql = f"{column} IS NULL OR {sql}"
        return CheckConstraint(sql, name=f"{column}_vocab")


# --- the park ------------------------------------------------------------------------------------------

class GreenhouseKind(Term):
    SOLAR = "solar", _l("Solar greenhouse")
    TUNNEL = "tunnel", _l("Plastic tunnel")
    GLASS = "glass", _l("Glass greenhouse")


class GreenhouseStatus(Term):
    ACTIVE = "active", _l("In use"), "ok"
    IDLE = "idle", _l("Idle"), "muted"
    MAINTENANCE = "maintenance", _l("Maintenance"), "warn"


class CropCategory(Term):
    VEGETABLE = "vegetable", _l("Vegetable")
    FRUIT = "fruit", _l("Fruit")
    SEEDLING = "seedling", _l("Seedlings")
    OTHER = "other", _l("Other")


class PlantingStatus(Term):
    PLANNED = "planned", _l("Planned"), "info"
    GROWING = "growing", _l("Growing"), "ok"
    HARVESTING = "harvesting", _l("Harvesting"), "ok"
    ENDED = "ended", _l("Ended"), "muted"

    @property
    def active(self) -> bool:
        """A planting that has not ended occupies its area."""
        return self is not PlantingStatus.ENDED


ACTIVE_PLANTING_STATUSES = tuple(s.value for s in PlantingStatus if s.active)


class Grade(Term):
    PREMIUM = "premium", _l("Premium"), "ok"
    GRADE1 = "grade1", _l("Grade 1"), "info"
    GRADE2 = "grade2", _l("Grade 2"), "neutral"
    OFFGRADE = "offgrade", _l("Off-grade"), "muted"


class YieldGrouping(Term):
    """What the yield report sums by: a period (day, week, month) or a kind of thing."""

    DAY = "day", _l("Day")
    WEEK = "week", _l("Week")
    MONTH = "month", _l("Month")
    CROP = "crop", _l("Crop")
    GREENHOUSE = "greenhouse", _l("Greenhouse")
    WORKER = "worker", _l("Worker")
    GRADE = "grade", _l("Grade")
    PLANTING = "planting", _l("Planting")


class SalesGrouping(Term):
    """What the sales report sums by: a period (day, month) or a kind of thing."""

    DAY = "day", _l("Day")
    MONTH = "month", _l("Month")
    CROP = "crop", _l("Crop")
    GRADE = "grade", _l("Grade")
    BUYER = "buyer", _l("Buyer")


# --- logins ---------------------------------------------------------------------------------------------

class Role(Term):
    ADMIN = "admin", _l("Administrator")
    MANAGER = "manager", _l("Manager")
    WORKER = "worker", _l("Worker")
    VIEWER = "viewer", _l("Viewer")
    OFFICIAL = "official", _l("Village official")


# --- people, jobs and pay -------------------------------------------------------------------------------

class WorkerStatus(Term):
    ACTIVE = "active", _l("Working"), "ok"
    LEFT = "left", _l("Left"), "muted"


class JobKind(Term):
    HARVEST = "harvest", _l("Picking")
    PACKING = "packing", _l("Packing")
    PLANTING = "planting", _l("Planting")
    PRUNING = "pruning", _l("Pruning")
    IRRIGATION = "irrigation", _l("Irrigation")
    SPRAYING = "spraying", _l("Spraying")
    CLEANING = "cleaning", _l("Cleaning")
    OTHER = "other", _l("Other work")


class RateKind(Term):
    """What a pay rate is for: a worker's daily wage, picking by crop and grade (元/kg), packing (元/crate)."""

    WAGE = "wage", _l("Daily wage")
    PIECE = "piece", _l("Piece rate")
    CRATE = "crate", _l("Crate rate")


class PayLineKind(Term):
    WAGE = "wage", _l("Daily wage")
    PIECE = "piece", _l("Piece rate")
    CRATE = "crate", _l("Crate rate")
    ADJUSTMENT = "adjustment", _l("Adjustment")


# --- land and households --------------------------------------------------------------------------------

class HouseholdStatus(Term):
    """A household's poverty-monitoring category."""

    NONE = "none", _l("Not monitored"), "neutral"
    LIFTED = "lifted", _l("Lifted out of poverty (脱贫户)"), "info"
    MONITORED = "monitored", _l("Monitored (监测户)"), "warn"


class MonitorKind(Term):
    """Why a monitored household (监测户) is watched: the three kinds of 防止返贫监测."""

    UNSTABLE = "unstable", _l("Unstable after lifting out of poverty (脱贫不稳定户)"), "warn"
    EDGE = "edge", _l("At the edge of poverty (边缘易致贫户)"), "warn"
    HARDSHIP = "hardship", _l("Sudden severe hardship (突发严重困难户)"), "bad"


class ContractStatus(Term):
    DRAFT = "draft", _l("Draft"), "warn"
    ACTIVE = "active", _l("Active"), "ok"
    EXPIRED = "expired", _l("Expired"), "muted"
    TERMINATED = "terminated", _l("Terminated"), "muted"


class DueStatus(Term):
    PAID = "paid", _l("Paid"), "ok"
    DUE = "due", _l("Due"), "neutral"
    OVERDUE = "overdue", _l("Overdue"), "bad"
    PARTIAL = "partial", _l("Partly paid"), "warn"


class PaymentMethod(Term):
    BANK = "bank", _l("Bank transfer")
    CASH = "cash", _l("Cash")
    MOBILE = "mobile", _l("Mobile payment")
    OTHER = "other", _l("Other")


class ReminderKind(Term):
    RENT_OVERDUE = "rent_overdue", _l("Rent overdue"), "bad"
    RENT_DUE = "rent_due", _l("Rent due soon"), "warn"
    CONTRACT_ENDING = "contract_ending", _l("Contract ending"), "warn"
    NOT_FILED = "not_filed", _l("Not filed"), "warn"
    RETURN_OVERDUE = "return_overdue", _l("Asset return overdue"), "bad"
    RETURN_DUE = "return_due", _l("Asset return due soon"), "warn"


# --- households' livelihoods (防止返贫监测) ---------------------------------------------------------------

class IncomeKind(Term):
    """Income a village official enters for a household (what the park's ledgers do not hold)."""

    WAGES_OTHER = "wages_other", _l("Wages from elsewhere (工资性)")
    BUSINESS = "business", _l("Own farming or business (经营性)")
    PROPERTY = "property", _l("Property income (财产性)")
    TRANSFER = "transfer", _l("Pensions, subsidies, allowances (转移性)")
    COSTS = "costs", _l("Production costs (生产经营费用)")


class IncomeBand(Term):
    """Where a household's per-capita income stands against the year's monitoring line."""

    BELOW_LINE = "below_line", _l("Below the line"), "bad"
    NEAR_LINE = "near_line", _l("Near the line (边缘)"), "warn"
    ABOVE = "above", _l("Above"), "ok"


class WarningKind(Term):
    """Why a household is warned of a return to poverty."""

    BELOW_LINE = "below_line", _l("Projected income below the line"), "bad"
    NEAR_LINE = "near_line", _l("Projected income near the line"), "warn"
    INCOME_DROP = "income_drop", _l("Income from the park dropped"), "warn"
    STOPPED_WORKING = "stopped_working", _l("A member stopped working"), "warn"
    RENT_OVERDUE = "rent_overdue", _l("Rent overdue"), "bad"


class WarningState(Term):
    OPEN = "open", _l("Open"), "bad"
    FOLLOWING = "following", _l("Being followed up"), "warn"
    CLOSED = "closed", _l("Closed (risk removed)"), "muted"


class FollowUpMeasure(Term):
    """帮扶措施: what was done for a warned household."""

    EMPLOYMENT = "employment", _l("Employment")
    TRAINING = "training", _l("Training")
    RENT_PAID = "rent_paid", _l("Rent paid")
    SUBSIDY = "subsidy", _l("Subsidy applied for")
    OTHER = "other", _l("Other")


# --- public-fund assets (扶贫资产 三本账) -------------------------------------------------------------------

class AssetKind(Term):
    GREENHOUSE = "greenhouse", _l("Greenhouse")
    PACKING_SHED = "packing_shed", _l("Packing shed")
    COLD_STORE = "cold_store", _l("Cold store")
    IRRIGATION = "irrigation", _l("Well and irrigation")
    ROAD = "road", _l("Road")
    OTHER = "other", _l("Other asset")


class AssetCategory(Term):
    """The three ledgers (三本账) an asset built with public funds is kept in."""

    PUBLIC = "public", _l("Public welfare (公益类)"), "info"
    OPERATING = "operating", _l("Operating (经营类)"), "ok"
    HOUSEHOLD = "household", _l("Given to households (到户类)"), "neutral"


class FundingSource(Term):
    """Where the money that built an asset came from; the first three are public funds."""

    FISCAL = "fiscal", _l("Fiscal linkage funds (财政衔接资金)")
    EAST_WEST = "east_west", _l("East-west cooperation (东西部协作)")
    SOCIAL = "social", _l("Social assistance (社会帮扶)")
    VILLAGE = "village", _l("Village collective's own funds (村集体自筹)")
    COMPANY = "company", _l("Company's own funds (企业自筹)")

    @property
    def public(self) -> bool:
        """Public money: what an operator's return is counted on."""
        return self in (FundingSource.FISCAL, FundingSource.EAST_WEST, FundingSource.SOCIAL)


PUBLIC_FUNDING = tuple(s.value for s in FundingSource if s.public)


class AssetStatus(Term):
    IN_USE = "in_use", _l("In use"), "ok"
    IDLE = "idle", _l("Idle"), "muted"
    UNDER_REPAIR = "under_repair", _l("Under repair"), "warn"
    DISPOSED = "disposed", _l("Disposed"), "muted"


class AssetOperator(Term):
    """Who runs an asset for the village collective."""

    COMPANY = "company", _l("The park company")
    HOUSEHOLD = "household", _l("A household")


class DistributionKind(Term):
    """Where the collective's income from its assets goes."""

    DIVIDEND = "dividend", _l("Dividend to a household"), "ok"
    PUBLIC_JOB = "public_job", _l("Public-welfare job (公益岗位)"), "info"
    PUBLIC_WORKS = "public_works", _l("Village public works"), "info"
    RETAINED = "retained", _l("Retained by the collective"), "neutral"


class DividendWeighting(Term):
    """How a dividend is shared among the households: equal shares, or by their members."""

    EQUAL = "equal", _l("Equal shares per household")
    MEMBERS = "members", _l("Weighted by members")


class AssetChangeAction(Term):
    CREATED = "created", _l("Registered")
    UPDATED = "updated", _l("Changed")
    STATUS = "status", _l("Status changed")
# --- packing, stock and sales ---------------------------------------------------------------------------

class PackUnit(Term):
    """What produce is packed in: a box (箱) or a crate (筐), each of a set net weight per crop and grade."""

    BOX = "box", _l("Box")
    CRATE = "crate", _l("Crate")


class LossReason(Term):
    """Why graded produce left the stock without being sold."""

    CULL = "cull", _l("Culled when packing"), "warn"
    SPOILAGE = "spoilage", _l("Spoiled in store"), "bad"
    DAMAGE = "damage", _l("Damaged in handling"), "warn"
    SAMPLE = "sample", _l("Samples and tasting"), "neutral"
    OTHER = "other", _l("Other"), "neutral"


class BuyerKind(Term):
    SUPERMARKET = "supermarket", _l("Supermarket")
    CANTEEN = "canteen", _l("Canteen")
    WHOLESALE = "wholesale", _l("Wholesale market")
    RESTAURANT = "restaurant", _l("Restaurant")
    ONLINE = "online", _l("Online shop")
    INDIVIDUAL = "individual", _l("Individual")


class ShipmentStatus(Term):
    """How far a shipment (送货单) is paid."""

    UNPAID = "unpaid", _l("Unpaid"), "bad"
    PARTIAL = "partial", _l("Partly paid"), "warn"
    PAID = "paid", _l("Paid"), "ok"
    CANCELLED = "cancelled", _l("Cancelled"), "neutral"


class ReceivableAge(Term):
    """The ageing buckets of what buyers owe, by days since the shipment."""

    DAYS_0_30 = "0-30", _l("0-30 days"), "neutral"
    DAYS_31_60 = "31-60", _l("31-60 days"), "warn"
    DAYS_61_90 = "61-90", _l("61-90 days"), "bad"
    DAYS_90_PLUS = "90+", _l("Over 90 days"), "bad"


# --- sensors, alerts and notifications ------------------------------------------------------------------

class Metric(Term):
    TEMPERATURE = "temperature", _l("Air temperature")
    HUMIDITY = "humidity", _l("Humidity")
    SOIL_MOISTURE = "soil_moisture", _l("Soil moisture")
    SOIL_TEMPERATURE = "soil_temperature", _l("Soil temperature")
    CO2 = "co2", _l("CO₂")
    LIGHT = "light", _l("Light")

    @property
    def unit(self) -> str:
        """The unit readings of this metric are sent and shown in."""
        return METRIC_UNITS[self.value]


METRIC_UNITS = {"temperature": "°C", "humidity": "%", "soil_moisture": "%", "soil_temperature": "°C", "co2": "ppm",
                "light": "lx"}


class RejectReason(Term):
    BAD_TOPIC = "bad_topic", _l("Topic not understood")
    EMPTY = "empty", _l("Empty message")
    TOO_LARGE = "too_large", _l("Message too large")
    NOT_UTF8 = "not_utf8", _l("Not UTF-8 text")
    MALFORMED_JSON = "malformed_json", _l("Malformed JSON")
    BAD_SHAPE = "bad_shape", _l("Not a readings object")
    UNKNOWN_METRIC = "unknown_metric", _l("Unknown metric")
    NOT_A_NUMBER = "not_a_number", _l("Value is not a number")
    NOT_FINITE = "not_finite", _l("Value is not a finite number")
    OUT_OF_RANGE = "out_of_range", _l("Value outside the physical range")
    BAD_TIMESTAMP = "bad_timestamp", _l("Bad timestamp")
    FUTURE_TIMESTAMP = "future_timestamp", _l("Timestamp more than a day ahead")
    BAD_STATUS = "bad_status", _l("Status is not online or offline")
    # Decided by the ingest, which knows the registry and the database:
    UNKNOWN_GREENHOUSE = "unknown_greenhouse", _l("Unknown greenhouse")
    DEVICE_DISABLED = "device_disabled", _l("Device disabled")
    WRONG_GREENHOUSE = "wrong_greenhouse", _l("Device registered in another greenhouse")
    NOT_STORABLE = "not_storable", _l("The database refused it")


class IngestState(Term):
    """How the ingest answers (its heartbeat), as /healthz and the sensor pages show it."""

    OK = "ok", _l("running"), "ok"
    STALE = "stale", _l("not answering"), "bad"
    NOT_RUNNING = "not running", _l("not running"), "bad"
    ERROR = "error", _l("error"), "bad"


class AlertKind(Term):
    FROST = "frost", _l("Frost")
    COLD = "cold", _l("Too cold")
    HOT = "hot", _l("Too hot")
    HUMIDITY_LOW = "humidity_low", _l("Air too dry")
    HUMIDITY_HIGH = "humidity_high", _l("Air too humid")
    CO2_LOW = "co2_low", _l("CO₂ too low")
    CO2_HIGH = "co2_high", _l("CO₂ too high")
    SOIL_TEMP_LOW = "soil_temp_low", _l("Soil too cold")
    SOIL_TEMP_HIGH = "soil_temp_high", _l("Soil too warm")
    SOIL_MOISTURE_LOW = "soil_moisture_low", _l("Soil too dry")
    SOIL_MOISTURE_HIGH = "soil_moisture_high", _l("Soil too wet")
    OFFLINE = "offline", _l("Sensor offline")


class AlertSeverity(Term):
    WARNING = "warning", _l("Warning"), "warn"
    CRITICAL = "critical", _l("Critical"), "bad"


class AlertState(Term):
    OPEN = "open", _l("Open"), "bad"
    CLEARED = "cleared", _l("Resolved"), "ok"


class NotificationChannel(Term):
    WEBHOOK = "webhook", _l("Webhook")
    EMAIL = "email", _l("E-mail")


class NotificationState(Term):
    PENDING = "pending", _l("waiting"), "neutral"
    SENT = "sent", _l("sent"), "ok"
    FAILED = "failed", _l("failed"), "bad"


# --- the scheduler --------------------------------------------------------------------------------------

class JobOutcome(Term):
    RUNNING = "running", _l("running"), "info"
    OK = "ok", _l("ok"), "ok"
    FAILED = "failed", _l("failed"), "bad"
    INTERRUPTED = "interrupted", _l("interrupted"), "warn"


class SchedulerState(Term):
    OK = "ok", _l("running"), "ok"
    STALE = "stale", _l("not answering"), "bad"
    NOT_RUNNING = "not running", _l("not running"), "muted"


# Every vocabulary by the name templates and exports use: `label("grade", h.grade)`.
# --- spraying records (农药使用记录) ------------------------------------------------------------------

class DoseUnit(Term):
    """What a spray's dose of product is measured in (the amount put into the sprayer's water)."""

    ML = "ml", _l("ml")
    G = "g", _l("g")


VOCABULARIES: dict[str, type[Term]] = {
    "greenhouse_kind": GreenhouseKind,
    "greenhouse_status": GreenhouseStatus,
    "crop_category": CropCategory,
    "planting_status": PlantingStatus,
    "grade": Grade,
    "yield_grouping": YieldGrouping,
    "sales_grouping": SalesGrouping,
    "role": Role,
    "worker_status": WorkerStatus,
    "job_kind": JobKind,
    "rate_kind": RateKind,
    "pay_line_kind": PayLineKind,
    "household_status": HouseholdStatus,
    "monitor_kind": MonitorKind,
    "contract_status": ContractStatus,
    "due_status": DueStatus,
    "payment_method": PaymentMethod,
    "reminder": ReminderKind,
    "income_kind": IncomeKind,
    "income_band": IncomeBand,
    "warning_kind": WarningKind,
    "warning_state": WarningState,
    "follow_up_measure": FollowUpMeasure,
    "asset_kind": AssetKind,
    "asset_category": AssetCategory,
    "funding_source": FundingSource,
    "asset_status": AssetStatus,
    "asset_operator": AssetOperator,
    "distribution_kind": DistributionKind,
    "asset_change_action": AssetChangeAction,
    "dividend_weighting": DividendWeighting,
    "pack_unit": PackUnit,
    "loss_reason": LossReason,
    "buyer_kind": BuyerKind,
    "shipment_status": ShipmentStatus,
    "receivable_age": ReceivableAge,
    "metric": Metric,
    "reject_reason": RejectReason,
    "ingest_state": IngestState,
    "alert_kind": AlertKind,
    "alert_severity": AlertSeverity,
    "alert_state": AlertState,
    "notification_channel": NotificationChannel,
    "notification_state": NotificationState,
    "job_outcome": JobOutcome,
    "scheduler_state": SchedulerState,
    "dose_unit": DoseUnit,
}


def term(vocabulary: str, value) -> Term | None:
    """The member of a named vocabulary for `value`, or None when either is unknown."""
    kind = VOCABULARIES.get(vocabulary)
    return kind.get(value) if kind is not None and value is not None else None


def label(vocabulary: str, value) -> str:
    """The translated label of a vocabulary's value; an unknown value is shown as it is."""
    if value is None:
        return ""
    found = term(vocabulary, value)
    return found.label if found is not None else str(value)


def tone(vocabulary: str, value) -> str:
    found = term(vocabulary, value)
    return found.tone if found is not None else "neutral"
