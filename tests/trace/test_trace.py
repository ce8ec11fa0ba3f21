"""The public trace of a certificate: the API and the page, without a login; the lineage by hand; no person."""
from __future__ import annotations

import pytest

from tests.test_openapi import check_response


def _code(traced, n: int = 0) -> str:
    return traced.shipments[n]["certificate_code"]


def test_trace_api_answers_the_lineage_without_login(app, client, traced):
    response = client.get(f"/api/v1/trace/{_code(traced)}")
    assert response.status_code == 200
    check_response(app, "GET", f"/api/v1/trace/{_code(traced)}", response)
    body = response.get_json()
    assert body["certificate_code"] == _code(traced)
    assert body["product"] == "黄瓜、番茄"
    assert body["shipped_on"] == "2026-11-18"
    assert body["weight_kg"] == 70
    assert body["producer"] == {"name": "测试园区", "origin": "乌海"}
    # First in, first out: 40 kg of the 14th, 10 of the 15th (GH-001), 20 of the tomatoes of the 16th (GH-002).
    assert [(s["greenhouse"], s["crop"], s["variety"], s["harvest_day"], s["weight_kg"]) for s in body["sources"]] == [
        ("GH-001", "黄瓜", "津优35号", "2026-11-14", 40), ("GH-001", "黄瓜", "津优35号", "2026-11-15", 10),
        ("GH-002", "番茄", "粉冠", "2026-11-16", 20)]
    # The sprays of those greenhouses in the 30 days before each harvest; GH-002's spray of 10-01 is older.
    assert [(s["greenhouse"], s["product"], s["applied_on"], s["phi_days"], s["harvest_allowed_from"],
             s["respected"]) for s in body["sprays"]] == [
        ("GH-002", "啶虫脒", "2026-10-20", 7, "2026-10-27", True),
        ("GH-001", "吡虫啉", "2026-11-10", 3, "2026-11-13", True)]
    assert body["sprays"][0]["registration_no"] == "PD20095678"
    assert body["spray_days"] == 30


def test_trace_api_second_shipment_takes_the_rest_of_the_oldest_harvest(client, traced):
    body = client.get(f"/api/v1/trace/{_code(traced, 1)}").get_json()
    assert body["product"] == "黄瓜" and body["weight_kg"] == 15
    assert [(s["greenhouse"], s["harvest_day"], s["weight_kg"]) for s in body["sources"]] == [
        ("GH-001", "2026-11-15", 15)]
    assert [s["greenhouse"] for s in body["sprays"]] == ["GH-001"]


def test_trace_names_no_person(client, traced):
    for n in range(2):
        for text in (client.get(f"/api/v1/trace/{_code(traced, n)}").get_data(as_text=True),
                     client.get(f"/trace/{_code(traced, n)}").get_data(as_text=True)):
            for secret in traced.personal:
                assert secret not in text


def test_trace_producer_comes_from_the_settings(client, session, traced):
    from farm.services import settings

    settings.put(session, "trace.producer_name", "乌海市亚为农业园区有限公司")
    settings.put(session, "trace.producer_origin", "内蒙古乌海市海南区巴音陶亥镇")
    session.commit()
    body = client.get(f"/api/v1/trace/{_code(traced)}").get_json()
    assert body["producer"] == {"name": "乌海市亚为农业园区有限公司", "origin": "内蒙古乌海市海南区巴音陶亥镇"}


@pytest.mark.parametrize("code", ["nope", "0" * 32, "x" * 300, "%E4%B8%AD"])
def test_trace_unknown_code_is_the_api_envelope_and_a_chinese_page(app, client, traced, code):
    response = client.get(f"/api/v1/trace/{code}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    check_response(app, "GET", f"/api/v1/trace/{code}", response)
    page = client.get(f"/trace/{code}")
    assert page.status_code == 404
    html = page.get_data(as_text=True)
    assert "未找到合格证" in html and 'lang="zh-CN"' in html
    assert "Traceback" not in html and "NotFound" not in html


def test_trace_page_shows_the_lineage_in_chinese(client, traced):
    response = client.get(f"/trace/{_code(traced)}", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'lang="zh-CN"' in html
    for text in ("黄瓜、番茄", "GH-001", "GH-002", "津优35号", "粉冠", "2026-11-14", "2026-11-16", "吡虫啉",
                 "2026-11-13", "测试园区", "采收"):
        assert text in html, text
    assert "/login" not in html  # nothing asks the public to log in


def test_trace_page_in_english_on_request(client, traced):
    html = client.get(f"/trace/{_code(traced)}?lang=en").get_data(as_text=True)
    assert "Where and when it was grown" in html and "Interval kept" in html


def test_trace_of_the_demo_parks_shipments_names_nobody(client, session, demo):
    """On the demo park: the newest shipments' trace pages and answers show their lineage and none of the park's
    workers, households or buyers by name or phone."""
    from sqlalchemy import select

    from farm.models.land import Household
    from farm.models.people import Worker
    from farm.models.sales import Buyer, Shipment

    secrets = set()
    for model, fields in ((Worker, ("name", "phone")), (Household, ("name", "phone")),
                          (Buyer, ("name", "contact", "phone"))):
        for row in session.scalars(select(model)):
            secrets |= {getattr(row, f) for f in fields if getattr(row, f)}
    assert len(secrets) > 50
    codes = session.scalars(select(Shipment.certificate_code).order_by(Shipment.day.desc()).limit(5)).all()
    assert codes
    for code in codes:
        body = client.get(f"/api/v1/trace/{code}").get_json()
        assert body["sources"] and sum(s["weight_kg"] for s in body["sources"]) == pytest.approx(body["weight_kg"])
        for text in (client.get(f"/trace/{code}").get_data(as_text=True), str(body)):
            leaked = [s for s in secrets if s in text]
            assert not leaked, (code, leaked)
