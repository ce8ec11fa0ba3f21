"""Demo producer details for the compliance certificates: the park's operating company, the origin as a
certificate names it, and the office's landline (no person's number). Draws nothing at random."""
from __future__ import annotations

from sqlalchemy.orm import Session

from farm.services import settings, trace

PRODUCER = {
    trace.PRODUCER_NAME.key: "乌海市曙光农业发展有限公司",
    trace.PRODUCER_ORIGIN.key: "内蒙古自治区乌海市海南区曙光村高效农业示范园",
    trace.PRODUCER_PHONE.key: "0473-4021568",
}


def add_producer(session: Session, ctx: dict) -> None:
    for key, value in PRODUCER.items():
        settings.put(session, key, value)
