"""The issue's "done when", walked on the demo park through the pages and the API a manager and a worker use: a
spray recorded, the worker's harvest there refused with the day it is allowed again, a packed batch shipped to a
canteen, its certificate printed and logged, the QR code's page opened without login showing where and when the
vegetables grew, and the month's sales and the receivables exported to Excel."""
from __future__ import annotations

import io
import re
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from farm import clock
from farm.models.crops import Planting
from farm.models.park import Greenhouse
from farm.models.people import Worker
from farm.models.sales import Buyer, CertificateIssue, PackingSession
from farm.services import sprays, stock
from tests.conftest import csrf_token, login


def test_demo_walk_from_spray_to_the_public_trace(app, session, demo):
    today = clock.today()
    running = sprays.running(session)
    house = session.scalars(select(Greenhouse).join(Planting, Planting.greenhouse_id == Greenhouse.id)
                            .where(Planting.ended_on.is_(None), Greenhouse.id.not_in(list(running)))
                            .order_by(Greenhouse.code)).first()
    operator = session.scalars(select(Worker).order_by(Worker.id)).first()

    manager = app.test_client()
    login(manager, "manager", "manager-demo-2026")
    token = csrf_token(manager, "/sales/packing")
    spray = manager.post("/api/v1/sprays", headers={"X-CSRFToken": token}, json={
        "greenhouse": house.code, "product": "吡虫啉", "registration_no": "PD20081234",
        "active_ingredient": "吡虫啉 10%", "phi_days": 5, "dose": "20", "target": "蚜虫", "operator": operator.id})
    assert spray.status_code == 201, spray.get_json()
    allowed = spray.get_json()["harvest_allowed_from"]
    assert allowed == (today + timedelta(days=5)).isoformat()

    worker = app.test_client()
    login(worker, "worker", "worker-demo-2026")
    refused = worker.post("/api/v1/harvests", headers={"X-CSRFToken": csrf_token(worker, "/harvest")},
                          json={"greenhouse": house.code, "weight_kg": 10, "grade": "grade1"})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"]["harvest_allowed_from"] == allowed

    row = next(r for r in stock.stock(session, with_empty=False) if r.grade == "grade1" and r.on_hand_kg >= 20)
    assert manager.post("/sales/packing/sizes", data={"csrf_token": token, "crop": row.crop, "grade": "grade1",
                                                      "unit": "box", "net_kg": "5"}).status_code == 302
    packed = manager.post("/sales/packing/sessions", data={"csrf_token": token, "packer": operator.id,
                                                           "crop": row.crop, "grade": "grade1", "units": "4"})
    assert packed.status_code == 302
    packing = session.scalars(select(PackingSession).order_by(PackingSession.id.desc())).first()
    assert packing.units == 4

    canteen = session.scalars(select(Buyer).where(Buyer.kind == "canteen", Buyer.consumption_aid.is_(True))).first()
    shipped = manager.post("/sales/shipments/new", data={
        "csrf_token": token, "buyer_id": canteen.id, "date": today.isoformat(), "confirm_prices": "1",
        "lines-0-crop": row.crop, "lines-0-grade": "grade1", "lines-0-units": "4", "lines-0-price_per_kg": "6.00"})
    assert shipped.status_code == 302, shipped.get_data(as_text=True)[:500]
    shipment_id = int(re.search(r"/sales/shipments/(\d+)", shipped.headers["Location"]).group(1))

    printed = manager.post(f"/shipments/{shipment_id}/certificate",
                           data={"csrf_token": token, "layout": "single"}, follow_redirects=True)
    html = printed.get_data(as_text=True)
    assert printed.status_code == 200 and "承诺达标合格证" in html and "<svg" in html
    issue = session.scalars(select(CertificateIssue).where(CertificateIssue.shipment_id == shipment_id)).one()
    assert issue.number in html and issue.weight_kg == 20
    link = re.search(r'href="([^"]*/trace/([A-Z0-9]+))"', html)
    assert link and link.group(2) == issue.certificate_code

    phone = app.test_client()  # nobody logged in
    public = phone.get(f"/trace/{issue.certificate_code}", headers={"User-Agent": "Mozilla/5.0 (Linux; Android 14)"})
    page = public.get_data(as_text=True)
    assert public.status_code == 200
    assert re.search(r'data-greenhouse="GH-\d{3}" data-day="\d{4}-\d{2}-\d{2}"', page)
    assert "采收" in page and canteen.name not in page and operator.name not in page

    month = today.replace(day=1)
    for url in (f"/reports/sales/export?format=xlsx&from={month}&to={today + timedelta(days=1)}&by=buyer",
                f"/sales/receivables/export?format=xlsx&on={today}"):
        response = manager.get(url)
        assert response.status_code == 200, url
        sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
        names = [c.value for c in sheet["A"]]
        assert canteen.name in names, url
