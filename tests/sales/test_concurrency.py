"""Two changes of the same stock at the same moment take turns: the second one sees what the first took and is
refused when nothing is left (PostgreSQL: the stock lock row; SQLite: one writer at a time)."""
from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from farm import clock
from farm.errors import Invalid
from farm.inputs.sales import LossIn
from farm.models.sales import Loss
from farm.services import stock
from tests.conftest import DEMO_NOW
from tests.sales.factories import harvest, make_sales_farm


def _race(database, first_action, second_action):
    """Run `first_action` in one session and, while it is not committed, `second_action` in another thread;
    answer what the second one ended with."""
    first, second = database.session(), database.session()
    outcome = {}

    def other():
        with clock.frozen(DEMO_NOW):
            try:
                second_action(second)
                second.commit()
                outcome["result"] = "stored"
            except Invalid as exc:
                second.rollback()
                outcome["result"] = "refused"
                outcome["message"] = str(exc.fields.get("weight_kg", exc.message))
    try:
        first_action(first)
        thread = threading.Thread(target=other)
        thread.start()
        thread.join(1)
        assert thread.is_alive(), "the second change waits for the first"
        first.commit()
        thread.join(60)
        assert not thread.is_alive()
    finally:
        first.close()
        second.close()
    return outcome


def test_two_losses_of_the_last_kilograms_one_is_refused(database, session, frozen_clock):
    farm = make_sales_farm(session)
    harvest(session, farm, "GH-001", date(2026, 11, 20), "10")
    session.commit()
    loss = LossIn(crop="cucumber", grade="grade1", weight_kg=Decimal("8"), reason="spoilage")

    outcome = _race(database, lambda s: stock.record_loss(s, loss), lambda s: stock.record_loss(s, loss))
    assert outcome["result"] == "refused"
    assert "2.000" in outcome["message"]
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Loss)) == 1
    assert stock.on_hand(session, farm["cucumber"].id, "grade1") == Decimal("2.000")


def test_two_shipments_of_the_last_boxes_one_gets_422(database, session, frozen_clock):
    from farm.inputs.sales import BuyerIn, ShipmentIn
    from farm.models.sales import Shipment
    from farm.services import sales

    farm = make_sales_farm(session)
    harvest(session, farm, "GH-001", date(2026, 11, 20), "20")
    buyer = sales.create_buyer(session, BuyerIn(name="超市", kind="supermarket"))
    session.commit()
    body = ShipmentIn.model_validate({"buyer_id": buyer.id, "date": date(2026, 11, 27), "lines": [
        {"crop": "cucumber", "grade": "grade1", "weight_kg": "15", "price_per_kg": "5.00"}]})

    outcome = _race(database, lambda s: sales.create_shipment(s, body), lambda s: sales.create_shipment(s, body))
    assert outcome["result"] == "refused"
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Shipment)) == 1
    assert stock.on_hand(session, farm["cucumber"].id, "grade1") == Decimal("5.000")
