"""The log of 承诺达标合格证 issued: every certificate printed for a shipment or a packed batch, with its number, what
it certifies, the day, who printed it and how, so a copy can be printed again the same.

Retention. A producer keeps its certificates' copies; two years is the safe term (the 2026 rules on compliance
certificates). `RETENTION_YEARS` is that rule, and the only place it is written: `prune()` deletes only entries
issued more than that long ago, and no scheduled job deletes any (tests run every job against a young log).
Shipments and packing sessions with certificates issued cannot be deleted under them (the foreign keys have no
cascade).
"""
from __future__ import annotations

import secrets
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session, selectinload

from farm import clock
from farm.errors import Invalid, NotFound
from farm.inputs.sales import CertificateIn
from farm.models.sales import CertificateIssue, Shipment
from farm.services import trace

RETENTION_YEARS = 2

__all__ = ["RETENTION_YEARS", "keep_until", "issue_for_shipment", "issue_for_batch", "get_issue", "issues_query",
           "trace_of_issue", "prune"]


def keep_until(issued_on: date) -> date:
    """The first day an entry issued on `issued_on` may be deleted."""
    try:
        return issued_on.replace(year=issued_on.year + RETENTION_YEARS)
    except ValueError:  # 29 February
        return issued_on.replace(year=issued_on.year + RETENTION_YEARS, day=28)


def _record(session: Session, t: trace.Trace, data: CertificateIn, user, on: date | None = None,
            **subject) -> CertificateIssue:
    today = on or clock.today()
    row = CertificateIssue(number=f"new-{secrets.token_hex(8)}", certificate_code=t.code, product=t.product[:200],
                           weight_kg=t.weight_kg, issued_on=today, layout=data.layout, copies=data.copies,
                           basis=data.basis, test_result=data.test, printed_by_id=getattr(user, "id", None),
                           printed_at=clock.now(), **subject)
    session.add(row)
    session.flush()
    row.number = f"HG{today:%Y%m%d}-{row.id:04d}"
    session.flush()
    return row


def issue_for_shipment(session: Session, shipment: Shipment, data: CertificateIn, user=None,
                       on: date | None = None) -> CertificateIssue:
    """Record a certificate printed for a shipment, today (or `on`, for history); Invalid for a cancelled one."""
    if shipment.cancelled:
        msg = _l("Shipment %(number)s was cancelled; it gets no certificate.", number=shipment.number)
        raise Invalid(msg, {"shipment": msg})
    return _record(session, trace.trace_of(session, shipment), data, user, on, shipment_id=shipment.id)


def issue_for_batch(session: Session, packing_session_id: int, data: CertificateIn, user=None) -> CertificateIssue:
    """Record a certificate printed for a packed batch (the batch gets its code and lineage if it has none yet)."""
    batch = trace.batch_of(session, packing_session_id)
    return _record(session, trace.trace_of_batch(session, batch), data, user,
                   packing_session_id=packing_session_id)


def get_issue(session: Session, issue_id: int) -> CertificateIssue:
    row = session.get(CertificateIssue, issue_id) if 0 < issue_id < 2**31 else None
    if row is None:
        raise NotFound(_l("There is no certificate %(id)s in the log.", id=issue_id))
    return row


def trace_of_issue(session: Session, row: CertificateIssue, language: str = "zh_CN") -> trace.Trace:
    """What the logged certificate certifies, as it is traced now (for a reprint)."""
    if row.shipment_id is not None:
        return trace.trace_of(session, session.get(Shipment, row.shipment_id), language)
    return trace.trace_of_batch(session, trace.batch_of(session, row.packing_session_id), language)


def issues_query(since: date | None = None, until: date | None = None) -> Select:
    """Certificates issued from `since` (inclusive) to `until` (exclusive), newest first."""
    query = select(CertificateIssue).options(selectinload(CertificateIssue.printed_by))
    if since:
        query = query.where(CertificateIssue.issued_on >= since)
    if until:
        query = query.where(CertificateIssue.issued_on < until)
    return query.order_by(CertificateIssue.issued_on.desc(), CertificateIssue.id.desc())


def prune(session: Session, today: date | None = None) -> int:
    """Delete the entries older than the retention; younger ones are never touched. Answers how many went."""
    today = today or clock.today()
    cutoff = today.replace(year=today.year - RETENTION_YEARS) if not (today.month == 2 and today.day == 29) \
        else today.replace(year=today.year - RETENTION_YEARS, day=28)
    result = session.execute(delete(CertificateIssue).where(CertificateIssue.issued_on < cutoff))
    return result.rowcount or 0

