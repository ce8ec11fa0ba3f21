"""The 承诺达标合格证 of a shipment: its legal fields, the producer from the settings, the QR code to the trace page,
the label sheet and the single label; who may print it."""
from __future__ import annotations

import re

from tests.conftest import login
from tests.factories import PASSWORD


def _page(client, traced, query: str = "", n: int = 0, role: str = "manager"):
    login(client, role, PASSWORD)
    return client.get(f"/shipments/{traced.shipments[n]['id']}/certificate{query}")


def _certificates(html: str) -> list[str]:
    return re.findall(r'<article class="certificate".*?</article>', html, flags=re.S)


def test_certificate_has_the_legal_fields(client, session, traced):
    from farm.services import settings

    settings.put(session, "trace.producer_name", "乌海市亚为农业园区有限公司")
    settings.put(session, "trace.producer_phone", "0473-1234567")
    session.commit()
    response = _page(client, traced)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    first = _certificates(html)[0]
    for text in ("承诺达标合格证", "产品名称", "黄瓜（一级）", "数量（重量）", "50.000 千克", "乌海市亚为农业园区有限公司",
                 "产地", "乌海", "联系方式", "0473-1234567", "开具日期", "2026年11月18日", "不使用禁用农药",
                 "安全间隔期", "国家标准", "承诺依据", "<svg", traced.shipments[0]["certificate_code"]):
        assert text in first, text
    # One certificate per product line on the sheet; the QR code opens the public page at the park's address.
    assert len(_certificates(html)) == 2 and "番茄（一级）" in _certificates(html)[1]
    # (FARM_PUBLIC_URL, here the default; never the host the page was opened at)
    assert f"http://127.0.0.1:8000/trace/{traced.shipments[0]['certificate_code']}" in html
    login(client, "manager", PASSWORD, base_url="http://evil.example")
    elsewhere = client.get(f"/shipments/{traced.shipments[0]['id']}/certificate", base_url="http://evil.example")
    assert elsewhere.status_code == 200 and "evil.example" not in elsewhere.get_data(as_text=True)


def test_certificate_sheet_with_packages_and_a_single_label(client, traced):
    html = _page(client, traced, "?copies=5").get_data(as_text=True)
    certs = _certificates(html)
    assert len(certs) == 10
    assert "5 件，每件 10.000 千克，共 50.000 千克" in certs[0]
    assert "5 件，每件 4.000 千克，共 20.000 千克" in certs[-1]
    single = _certificates(_page(client, traced, "?layout=single").get_data(as_text=True))
    assert len(single) == 1 and "黄瓜（一级）、番茄（一级）" in single[0] and "70.000 千克" in single[0]


def test_certificate_basis_and_test_result(client, traced):
    cert = _certificates(_page(client, traced, "?basis=lab&test=%E5%90%88%E6%A0%BC").get_data(as_text=True))[0]
    assert "☑委托检测" in cert and "☐自我承诺" in cert and "检测结果：<span data-field=\"test\">合格</span>" in cert


def test_certificate_bad_copies_is_a_message_not_a_500(client, traced):
    for bad in ("0", "-1", "abc", "100000"):
        response = _page(client, traced, f"?copies={bad}")
        assert response.status_code == 422
        assert "请输入" in response.get_data(as_text=True)


def test_certificate_of_an_unknown_shipment_is_404(client, traced):
    login(client, "manager", PASSWORD)
    assert client.get("/shipments/999999/certificate").status_code == 404


def test_certificate_roles(app, traced):
    url = f"/shipments/{traced.shipments[0]['id']}/certificate"
    assert app.test_client().get(url).status_code == 302  # to the login page
    for role, status in (("worker", 403), ("official", 403), ("viewer", 403), ("admin", 200)):
        client = app.test_client()
        login(client, role, PASSWORD)
        assert client.get(url).status_code == status, role


def test_the_shipment_page_links_to_its_certificate_for_managers(app, traced):
    shipment_id = traced.shipments[0]["id"]
    for role, shown in (("manager", True), ("viewer", False)):
        client = app.test_client()
        login(client, role, PASSWORD)
        html = client.get(f"/sales/shipments/{shipment_id}").get_data(as_text=True)
        assert (f'href="/shipments/{shipment_id}/certificate"' in html) is shown, role
