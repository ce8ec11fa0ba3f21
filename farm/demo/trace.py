"""Demo producer details for the compliance certificates: the park's operating company, the origin as a
certificate names it, and the office's landline (no person's number); and the certificates the manager printed for
the last days' shipments to 消费帮扶 canteens, in the certificate log. Draws nothing at random."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from farm.inputs.sales import CertificateIn
from farm.models.auth import User
from farm.models.sales import Shipment
from farm.services import certificates, settings, trace

LOGGED = 5  # the newest shipments to canteens whose certificates the demo's log holds

PRODUCER = {
    trace.PRODUCER_NAME.key: "乌海市曙光农业发展有限公司",
    trace.PRODUCER_ORIGIN.key: "内蒙古自治区乌海市海南区曙光村高效农业示范园",
    trace.PRODUCER_PHONE.key: "0473-4021568",
}


def add_producer(session: Session, ctx: dict) -> None:
    for key, value in PRODUCER.items():
        settings.put(session, key, value)


def add_certificate_log(session: Session, ctx: dict) -> None:
    manager = session.scalar(select(User).where(User.role == "manager").order_by(User.id))
    newest = session.scalars(select(Shipment).where(Shipment.consumption_aid.is_(True))
                             .order_by(Shipment.day.desc(), Shipment.id.desc()).limit(LOGGED)).all()
    for shipment in reversed(newest):
        certificates.issue_for_shipment(session, shipment, CertificateIn(layout="single"), manager, on=shipment.day)
