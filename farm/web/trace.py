"""Compliance certificates (承诺达标合格证) of shipments, printable as a label sheet or a single label, and the
public trace page their QR code opens (no login, phone first, nothing about a person)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l

from farm import units
from farm.db import request_session
from farm.errors import Invalid, NotFound
from farm.i18n import current_language
from farm.permissions import PUBLIC, allow
from farm.services import sales, trace
from farm.web import public_url

bp = Blueprint("trace", __name__)

LAYOUTS = ("sheet", "single")
MAX_COPIES = 200
# The basis of the producer's promise, as the certificate prints it (its legal wording stays Chinese) and as the
# page's choice names it.
BASES = {"promise": "自我承诺", "internal": "内部质量控制", "self_test": "自我检测", "lab": "委托检测"}
BASIS_LABELS = {"promise": _l("Own promise"), "internal": _l("Internal quality control"),
                "self_test": _l("Own test"), "lab": _l("Test by a laboratory")}


@dataclass
class Cert:
    """One printed certificate: what it names as the product and its weight (in `pieces` packages)."""

    product: str
    weight_kg: Decimal
    pieces: int = 1

    @property
    def each_kg(self) -> Decimal:
        return units.kg(self.weight_kg / self.pieces)


def _copies() -> int:
    raw = (request.args.get("copies") or "1").strip()
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_COPIES:
        msg = _l("Enter a whole number from 1 to %(n)s.", n=MAX_COPIES)
        raise Invalid(msg, {"copies": msg})
    return int(raw)


def _qr(link: str) -> str:
    import segno  # only the certificates and the greenhouse labels draw QR codes

    return segno.make(link, error="m").svg_inline(scale=3, border=1, dark="#000")


@bp.get("/shipments/<int:shipment_id>/certificate")
@allow("sales.manage")
def certificate(shipment_id: int):
    db = request_session()
    shipment = sales.get_shipment(db, shipment_id)
    t = trace.trace_of(db, shipment, "zh_CN")  # the certificate's text is Chinese
    layout = request.args.get("layout") if request.args.get("layout") in LAYOUTS else "sheet"
    basis = request.args.get("basis") if request.args.get("basis") in BASES else "promise"
    test_result = " ".join((request.args.get("test") or "").split())[:100]
    errors, status = {}, 200
    try:
        copies = _copies()
    except Invalid as exc:
        errors, status, copies = {k: str(v) for k, v in exc.fields.items()}, 422, 1
    link = public_url("trace.public", certificate_code=t.code)
    if layout == "single":
        names = "、".join(p.name for p in t.products)
        certs = [Cert(names, t.weight_kg)]
    else:
        certs = [Cert(p.name, p.weight_kg, copies) for p in t.products for _n in range(copies)]
    return render_template("trace/certificate.html", t=t, certs=certs, qr=_qr(link), link=link, layout=layout,
                           copies=copies, basis=basis, bases=BASES, basis_labels=BASIS_LABELS,
                           test_result=test_result, errors=errors, max_copies=MAX_COPIES), status


@bp.get("/trace/<certificate_code>")
@allow(PUBLIC)
def public(certificate_code: str):
    try:
        found = trace.trace(request_session(), certificate_code, current_language())
    except NotFound:
        return render_template("trace/not_found.html"), 404
    return render_template("trace/public.html", t=found)
