"""Compliance certificates (承诺达标合格证) of shipments and packed batches, printable as a label sheet or a single
label, the log of those issued (each print is recorded with its number and can be printed again), and the public
trace page their QR code opens (no login, phone first, nothing about a person)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from farm import clock, units
from farm.db import request_session
from farm.errors import Invalid, NotFound
from farm.i18n import current_language
from farm.inputs import parse
from farm.inputs.sales import CertificateIn
from farm.permissions import PUBLIC, allow
from farm.services import certificates, sales, trace
from farm.web import PARK, act_and_redirect, nav, public_url

bp = Blueprint("trace", __name__)
nav("trace.log", _l("Certificates"), PARK, 44)

LAYOUTS = ("sheet", "single")
MAX_COPIES = 200
LOG_ROWS = 500  # certificates listed at once; narrow the dates for older ones
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
    return _render(t, layout, copies, basis, test_result, errors), status


def _render(t: trace.Trace, layout: str, copies: int, basis: str, test_result: str, errors=None, issue=None):
    """The certificate page: a preview (no `issue`), or a logged certificate with its number, ready to print."""
    link = public_url("trace.public", certificate_code=t.code)
    if layout == "single":
        names = "、".join(p.name for p in t.products)
        certs = [Cert(names, t.weight_kg)]
    else:
        certs = [Cert(p.name, p.weight_kg, copies) for p in t.products for _n in range(copies)]
    return render_template("trace/certificate.html", t=t, certs=certs, qr=_qr(link), link=link, layout=layout,
                           copies=copies, basis=basis, bases=BASES, basis_labels=BASIS_LABELS,
                           test_result=test_result, errors=errors or {}, max_copies=MAX_COPIES, issue=issue,
                           years=certificates.RETENTION_YEARS)


def _issue(make, back: str):
    """Record a certificate from the submitted choices and open it for printing; a refusal goes back with it."""
    def do():
        row = make(parse(CertificateIn, request.form.to_dict()))
        _issued.append(row.id)
        return _l("Certificate %(number)s recorded.", number=row.number)

    _issued = []
    response = act_and_redirect(do, back)
    return redirect(url_for("trace.issue", issue_id=_issued[0])) if _issued else response


@bp.post("/shipments/<int:shipment_id>/certificate")
@allow("sales.manage")
def certificate_issue(shipment_id: int):
    db = request_session()
    shipment = sales.get_shipment(db, shipment_id)
    return _issue(lambda data: certificates.issue_for_shipment(db, shipment, data, g.user),
                  url_for("trace.certificate", shipment_id=shipment_id))


@bp.post("/packing/<int:packing_session_id>/certificate")
@allow("sales.manage")
def batch_certificate_issue(packing_session_id: int):
    db = request_session()
    return _issue(lambda data: certificates.issue_for_batch(db, packing_session_id, data, g.user),
                  url_for("sales.packing"))


@bp.get("/certificates")
@allow("sales.manage")
def log():
    db = request_session()
    values = {k: request.args.get(k, "") for k in ("from", "to")}
    errors, rows = {}, []
    try:
        since, until = clock.parse_range(values["from"], values["to"], (clock.today() - timedelta(days=30), None))
        values["from"] = since.isoformat()
        rows = list(db.scalars(certificates.issues_query(since, until).limit(LOG_ROWS)))
    except Invalid as exc:
        errors = {k: str(v) for k, v in exc.fields.items()}
    return render_template("trace/log.html", rows=rows, values=values, errors=errors, limit=LOG_ROWS,
                           keep_until=certificates.keep_until, years=certificates.RETENTION_YEARS), \
        (422 if errors else 200)


@bp.get("/certificates/<int:issue_id>")
@allow("sales.manage")
def issue(issue_id: int):
    db = request_session()
    row = certificates.get_issue(db, issue_id)
    t = certificates.trace_of_issue(db, row)
    return _render(t, row.layout, row.copies, row.basis, row.test_result, issue=row)


@bp.get("/trace/<certificate_code>")
@allow(PUBLIC)
def public(certificate_code: str):
    try:
        found = trace.trace(request_session(), certificate_code, current_language())
    except NotFound:
        return render_template("trace/not_found.html"), 404
    return render_template("trace/public.html", t=found)
