"""The certificate log (every 承诺达标合格证 printed, numbered, kept at least two years, printed again the same) and
the certificate of a packed batch with its own trace code and lineage."""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from farm import clock
from farm.inputs.sales import CancelIn, PackingIn, PackSizeIn
from farm.models.sales import CertificateIssue, PackedBatch
from farm.services import certificates, sales
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD


def _manager(client, path="/sales/packing"):
    login(client, "manager", PASSWORD)
    return csrf_token(client, path)


def _count(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(CertificateIssue))


def test_printing_a_shipments_certificate_records_it_and_it_prints_again_the_same(client, session, traced):
    shipment = traced.shipments[0]
    token = _manager(client, f"/shipments/{shipment['id']}/certificate")
    response = client.post(f"/shipments/{shipment['id']}/certificate",
                           data={"csrf_token": token, "layout": "sheet", "copies": "5", "basis": "lab",
                                 "test": "合格"})
    assert response.status_code == 302 and "/certificates/" in response.headers["Location"]
    row = session.scalars(select(CertificateIssue)).one()
    assert row.shipment_id == shipment["id"] and row.packing_session_id is None
    assert row.certificate_code == shipment["certificate_code"]
    assert row.product == "黄瓜、番茄" and row.weight_kg == Decimal("70.000")
    assert row.issued_on == date(2026, 11, 20) and row.printed_by_id == traced.users["manager"].id
    assert re.fullmatch(r"HG20261120-\d{4}", row.number)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    certs = re.findall(r'<article class="certificate".*?</article>', page, flags=re.S)
    assert len(certs) == 10 and row.number in certs[0] and "2026年11月20日" in certs[0] and "☑委托检测" in certs[0]
    log = client.get("/certificates?from=2026-11-01").get_data(as_text=True)
    assert row.number in log and "2028-11-20" in log  # kept until two years on
    again = client.get(f"/certificates/{row.id}").get_data(as_text=True)
    assert re.findall(r'<article class="certificate".*?</article>', again, flags=re.S) == certs  # the same again
    assert _count(session) == 1  # reprinting records nothing new


def test_certificate_bad_choices_store_nothing(client, session, traced):
    shipment = traced.shipments[0]
    token = _manager(client, f"/shipments/{shipment['id']}/certificate")
    for bad in ({"copies": "0"}, {"copies": "abc"}, {"layout": "poster"}, {"basis": "hearsay"}):
        response = client.post(f"/shipments/{shipment['id']}/certificate", data={"csrf_token": token, **bad},
                               follow_redirects=True)
        assert response.status_code == 200, bad
        assert 'class="flash' in response.get_data(as_text=True) or "error" in response.get_data(as_text=True)
    assert _count(session) == 0
    assert client.get("/certificates?from=nope").status_code == 422


def test_who_may_print_and_read_the_log(app, traced):
    for role, status in (("worker", 403), ("viewer", 403), ("official", 403), ("admin", 200)):
        client = app.test_client()
        login(client, role, PASSWORD)
        assert client.get("/certificates").status_code == status, role


def test_a_packed_batch_has_its_own_code_lineage_and_public_page(client, session, traced):
    sales.set_pack_size(session, PackSizeIn(crop="tomato", grade="grade1", net_kg=Decimal("2.5")))
    # Tomatoes on hand: 25 kg of 11-16, less 20 shipped and 2 lost: 3 kg; one 2.5 kg box packed on 11-20.
    packing = sales.record_packing(session, PackingIn(packer=traced.workers[0], crop="tomato", grade="grade1",
                                                      units=1))
    session.commit()
    batch = session.get(PackedBatch, packing.id)
    assert batch is not None and batch.certificate_code
    assert [(s.weight_kg) for s in batch.sources] == [Decimal("2.500")]
    token = _manager(client)
    response = client.post(f"/packing/{packing.id}/certificate", data={"csrf_token": token, "layout": "single"})
    assert response.status_code == 302
    row = session.scalars(select(CertificateIssue)).one()
    assert row.packing_session_id == packing.id and row.shipment_id is None and row.weight_kg == Decimal("2.500")
    assert row.certificate_code == batch.certificate_code
    printed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "番茄（一级）" in printed and "2.500 千克" in printed and batch.certificate_code in printed
    anonymous = client.application.test_client()
    api = anonymous.get(f"/api/v1/trace/{batch.certificate_code}").get_json()
    assert api["kind"] == "batch" and api["shipped_on"] == "2026-11-20" and api["weight_kg"] == 2.5
    assert [(s["greenhouse"], s["harvest_day"], s["variety"], s["weight_kg"]) for s in api["sources"]] == [
        ("GH-002", "2026-11-16", "粉冠", 2.5)]
    assert [s["product"] for s in api["sprays"]] == ["啶虫脒"]
    page = anonymous.get(f"/trace/{batch.certificate_code}", headers={"Accept-Language": "zh-CN"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "GH-002" in html and "包装日期" in html
    for secret in traced.personal:
        assert secret not in html, secret


def test_a_second_batch_takes_the_next_lots(client, session, traced):
    sales.set_pack_size(session, PackSizeIn(crop="cucumber", grade="grade1", net_kg=Decimal("2")))
    # Cucumbers on hand: 5 kg of 11-15. Two boxes of 2 kg: the first 4 kg of that lot; a second box only 1 kg
    # of it is left for (the lineage stops where the lots do).
    first = sales.record_packing(session, PackingIn(packer=traced.workers[0], crop="cucumber", grade="grade1",
                                                    units=2))
    session.commit()
    assert [s.weight_kg for s in session.get(PackedBatch, first.id).sources] == [Decimal("4.000")]


def test_a_cancelled_shipment_gets_no_certificate(client, session, traced):
    shipment = traced.shipments[1]
    sales.cancel_shipment(session, shipment["id"], CancelIn(reason="退货"))
    session.commit()
    token = _manager(client, f"/sales/shipments/{shipment['id']}")
    client.post(f"/shipments/{shipment['id']}/certificate", data={"csrf_token": token})
    assert _count(session) == 0
    assert client.get(f"/trace/{shipment['certificate_code']}").status_code == 404


def test_retention_keeps_two_years_and_no_job_deletes_a_younger_entry(database, session, traced):
    from farm import jobs

    shipment_id = traced.shipments[0]["id"]
    today = clock.today()
    for n, days in enumerate((0, 365, 2 * 365 - 1, 2 * 365 + 1)):
        session.add(CertificateIssue(number=f"T{n}", certificate_code="X", shipment_id=shipment_id, product="黄瓜",
                                     weight_kg=Decimal(1), issued_on=today - timedelta(days=days)))
    session.commit()
    for job in jobs.JOBS:
        jobs.run_once(database, job, clock.now())
    assert _count(session) == 4
    assert certificates.keep_until(date(2024, 2, 29)) == date(2026, 2, 28)
    assert certificates.prune(session, today) == 1
    session.commit()
    assert sorted(session.scalars(select(CertificateIssue.number))) == ["T0", "T1", "T2"]


def test_api_reads_the_log(client, session, traced):
    shipment = traced.shipments[0]
    token = _manager(client, f"/shipments/{shipment['id']}/certificate")
    client.post(f"/shipments/{shipment['id']}/certificate", data={"csrf_token": token, "copies": "2"})
    items = client.get("/api/v1/certificates?from=2026-11-20", headers=traced.manager).get_json()["items"]
    assert [(i["shipment_id"], i["product"], i["weight_kg"], i["copies"], i["printed_by"]) for i in items] == [
        (shipment["id"], "黄瓜、番茄", 70.0, 2, "manager")]
    assert client.get("/api/v1/certificates?from=2026-11-21", headers=traced.manager).get_json()["items"] == []
    assert client.get("/api/v1/certificates?from=x", headers=traced.manager).status_code == 422
    assert client.get("/api/v1/certificates", headers=traced.tokens["viewer"]).status_code == 403
