"""The public trace of a compliance certificate (承诺达标合格证): no login, nothing about a person; and the log of
certificates printed (managers)."""
from __future__ import annotations

from datetime import date

from flask import Blueprint

from farm.api import Kg, Out, doc, listing, out, query_date
from farm.db import request_session
from farm.i18n import current_language
from farm.permissions import PUBLIC, allow
from farm.services import certificates, trace

bp = Blueprint("trace", __name__)


class ProducerOut(Out):
    """The producer as the certificate names it (the park, a company; its phone is printed on the label only)."""

    name: str
    origin: str


class ProductOut(Out):
    crop: str
    grade: str
    weight_kg: Kg


class SourceOut(Out):
    """Kilograms taken from one greenhouse's harvest of one day (first in, first out)."""

    greenhouse: str
    crop: str
    variety: str
    harvest_day: date
    weight_kg: Kg


class SprayOut(Out):
    """A spray in a source greenhouse in the days before a harvest; `respected`: every harvest taken from that
    greenhouse came on or after `harvest_allowed_from`."""

    greenhouse: str
    product: str
    registration_no: str
    active_ingredient: str
    applied_on: date
    phi_days: int
    harvest_allowed_from: date
    respected: bool


class TraceOut(Out):
    """`kind` is `shipment` or `batch` (a packed batch: `shipped_on` is the day it was packed)."""

    certificate_code: str
    kind: str
    product: str
    producer: ProducerOut
    shipped_on: date
    weight_kg: Kg
    products: list[ProductOut]
    sources: list[SourceOut]
    sprays: list[SprayOut]
    spray_days: int


@bp.get("/trace/<certificate_code>")
@allow(PUBLIC)
@doc("Where a certificate's vegetables came from: product, producer, the harvests (greenhouse, crop, variety, "
     "day) its kilograms were taken from, and the sprays in those greenhouses in the `spray_days` before each "
     "harvest. No login; no person's name, phone or pay", response=TraceOut, tag="trace")
def trace_(certificate_code: str):
    found = trace.trace(request_session(), certificate_code, current_language())
    return out(TraceOut, found, certificate_code=found.code, kind="batch" if found.is_batch else "shipment")


class CertificateIssueOut(Out):
    """A certificate printed: its number, code, what it certifies (a shipment or a packing session), product,
    weight, the day issued, who printed it and how; kept at least two years."""

    id: int
    number: str
    certificate_code: str
    shipment_id: int | None
    packing_session_id: int | None
    product: str
    weight_kg: Kg
    issued_on: date
    layout: str
    copies: int
    basis: str
    test_result: str
    printed_by: str | None


@bp.get("/certificates")
@allow("sales.manage")
@doc("The log of compliance certificates printed, newest first", response=CertificateIssueOut, many=True,
     tag="trace", query={"from": "first day issued (YYYY-MM-DD)", "to": "day after the last (YYYY-MM-DD)"})
def certificate_list():
    query = certificates.issues_query(query_date("from"), query_date("to"))
    return listing(query, CertificateIssueOut,
                   each=lambda row: {"printed_by": row.printed_by.username if row.printed_by else None})
