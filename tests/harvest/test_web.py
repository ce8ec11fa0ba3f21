"""Harvest pages: the worker's form without script, corrections, the manager's list, exports, labels, dashboard, demo."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from farm import clock
from farm.models.harvest import Harvest
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD

# "Today" and "now" stand still through each test (and cannot roll over midnight under it).
pytestmark = pytest.mark.usefixtures("frozen_clock")


def post_form(client, **fields):
    data = {"csrf_token": csrf_token(client, "/harvest"), "greenhouse": "GH-001", "weight": "25", "unit": "kg",
            "grade": "grade1", **fields}
    return client.post("/harvest", data=data)


def records(session):
    session.expire_all()
    return session.scalars(select(Harvest).order_by(Harvest.id)).all()


def test_harvest_page_offers_planted_greenhouses_with_their_crop(client, session, farm):
    login(client, "worker", PASSWORD)
    page = client.get("/harvest?gh=GH-001").get_data(as_text=True)
    assert "采收登记" in page and "GH-001" in page and "黄瓜" in page
    assert "GH-002" not in page  # no active planting there
    assert 'name="csrf-token"' in page and "js/harvest.js" in page


def test_worker_logs_in_jin_without_script_and_sees_kg(client, session, farm):
    login(client, "worker", PASSWORD)
    r = post_form(client, weight="25", unit="jin", grade="premium", key="form-key-1")
    assert r.status_code == 302
    again = post_form(client, weight="25", unit="jin", grade="premium", key="form-key-1")  # a double tap
    assert again.status_code == 302
    rows = records(session)
    assert [(h.weight_kg, h.grade, h.worker_id) for h in rows] == [(Decimal("12.5"), "premium", farm.worker.worker_id)]
    page = client.get(r.location).get_data(as_text=True)
    assert "12.5" in page and "25.0" in page  # kg and 斤


def test_harvest_form_errors_are_shown_and_store_nothing(client, session, farm):
    login(client, "worker", PASSWORD)
    for weight in ("0", "-2", "abc", "2000"):
        r = post_form(client, weight=weight)
        assert r.status_code == 422
        assert "has-error" in r.get_data(as_text=True)
    r = post_form(client, grade="gold")
    assert r.status_code == 422
    r = post_form(client, greenhouse="GH-002")
    assert r.status_code == 422 and "没有在种的作物" in r.get_data(as_text=True)
    assert records(session) == []


def test_viewer_cannot_open_the_harvest_page(client, session, farm):
    login(client, "viewer", PASSWORD)
    assert client.get("/harvest").status_code == 403


def test_worker_corrects_own_entry_then_manager_voids_it(client, session, farm):
    login(client, "worker", PASSWORD)
    post_form(client)
    hid = records(session)[0].id
    token = csrf_token(client, f"/harvests/{hid}/edit")
    r = client.post(f"/harvests/{hid}/edit", data={"csrf_token": token, "weight_kg": "24.5", "grade": "grade1",
                                                   "worker": "999", "greenhouse": "GH-009"})
    assert r.status_code == 302
    harvest = records(session)[0]
    assert harvest.weight_kg == Decimal("24.5") and harvest.worker_id == farm.worker.worker_id
    client.post("/logout", data={"csrf_token": token})
    login(client, "manager", PASSWORD)
    token = csrf_token(client, f"/harvests/{hid}/edit")
    assert client.post(f"/harvests/{hid}/void", data={"csrf_token": token, "reason": ""}).status_code == 302
    assert not records(session)[0].voided  # a reason is required
    client.post(f"/harvests/{hid}/void", data={"csrf_token": token, "reason": "重复录入"})
    assert records(session)[0].voided
    detail = client.get(f"/harvests/{hid}").get_data(as_text=True)
    assert "重复录入" in detail and "24.500" in detail and "25.000" in detail


def test_manager_list_filters_and_totals(client, session, farm):
    login(client, "worker", PASSWORD)
    post_form(client, weight="10")
    post_form(client, weight="15", grade="premium")
    login(client, "manager", PASSWORD)
    page = client.get("/harvests").get_data(as_text=True)
    assert "25.0" in page
    page = client.get("/harvests?grade=premium").get_data(as_text=True)
    assert "合计: 15.0" in page or "合计：15.0" in page or "15.0" in page
    assert client.get("/harvests?from=bad").status_code == 200


def _exports(client):
    today = clock.today().isoformat()
    return today, client.get(f"/harvests/export?format=xlsx&from={today}"), client.get(f"/harvests/export?format=csv&from={today}")


def test_exports_open_in_excel_with_chinese_headers_and_totals(client, session, farm):
    login(client, "worker", PASSWORD)
    post_form(client, weight="10.5")
    post_form(client, weight="20", unit="jin")
    login(client, "manager", PASSWORD)
    today, xlsx, csv_response = _exports(client)
    assert xlsx.status_code == 200 and xlsx.headers["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = list(sheet.values)
    assert rows[0][:5] == ("日期", "时间", "大棚", "作物", "重量（公斤）")
    assert rows[-1][0] == "合计" and rows[-1][4] == 20.5 and rows[-1][5] == 41
    assert len(rows) == 4
    text = csv_response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert lines[0][0] == "日期" and lines[1][0] == today and lines[-1][4] == "20.5"
    report = client.get(f"/reports/yield/export?format=xlsx&from={today}&by=crop")
    rows = list(load_workbook(io.BytesIO(report.data)).active.values)
    assert rows[0][:2] == ("作物", "重量（公斤）") and rows[1][:2] == ("黄瓜", 20.5) and rows[-1][1] == 20.5
    daily = client.get(f"/reports/yield/export?format=csv&from={today}&by=day").data.decode("utf-8")
    assert f"{today},20.5,41,2" in daily


def test_exports_keep_a_typed_formula_as_text(client, session, farm):
    login(client, "worker", PASSWORD)
    post_form(client, weight="10.5", note='=HYPERLINK("http://evil.example","x")')
    login(client, "manager", PASSWORD)
    _, xlsx, csv_response = _exports(client)
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    notes = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert len(notes) == 1 and notes[0].data_type == "s" and notes[0].quotePrefix
    assert "'=HYPERLINK" in csv_response.data.decode("utf-8")


def test_exports_refuse_unknown_format(client, session, farm):
    login(client, "manager", PASSWORD)
    assert client.get("/harvests/export?format=pdf").status_code == 404
    assert client.get("/reports/yield/export?format=pdf").status_code == 404
    assert client.get("/reports/yield/export?from=bad").status_code == 422


def test_yield_report_page_draws_a_chart(client, session, farm):
    login(client, "viewer", PASSWORD)
    for by in ("day", "week", "month", "crop", "greenhouse", "worker", "grade", "planting"):
        page = client.get(f"/reports/yield?by={by}")
        assert page.status_code == 200, by
        assert "chart.umd.min.js" in page.get_data(as_text=True)
    bad = client.get("/reports/yield?by=colour")
    assert bad.status_code == 422
    assert client.get("/static/vendor/chartjs/chart.umd.min.js").status_code == 200


def test_labels_sheet_has_a_qr_code_per_greenhouse(client, session, farm):
    login(client, "manager", PASSWORD)
    page = client.get("/harvest/labels").get_data(as_text=True)
    assert page.count("<svg") == 3 and "/harvest?gh=GH-001" in page


def test_dashboard_shows_today_against_the_target(client, session, farm):
    login(client, "worker", PASSWORD)
    post_form(client, weight="300")
    login(client, "manager", PASSWORD)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "今日采收" in page and "300.0 / 1,500" in page and "20%" in page


def test_demo_history_averages_about_1500_kg_a_day(session, demo):
    from farm.models.auth import User
    from farm.models.people import Worker

    total, days = session.execute(
        select(func.sum(Harvest.weight_kg), func.count(func.distinct(Harvest.day))).where(Harvest.voided_at.is_(None))
    ).one()
    assert 85 <= days <= 90
    assert 1300 <= float(total) / 90 <= 1600
    assert session.scalar(select(func.count()).select_from(Worker)) >= 60
    demo_worker = session.scalar(select(User).where(User.username == "worker"))
    assert session.scalar(select(func.count()).where(Harvest.worker_id == demo_worker.worker_id)) > 0
    assert session.scalar(select(func.count()).where(Harvest.voided_at.is_not(None))) > 0
    # How long seeding takes is a figure for a benchmark, not a test: under load it ran past any fixed bound.


def test_worker_after_the_window_cannot_correct_on_the_page(client, session, farm, monkeypatch):
    from datetime import timedelta

    login(client, "worker", PASSWORD)
    post_form(client)
    hid = records(session)[0].id
    later = clock.now() + timedelta(minutes=30)
    monkeypatch.setattr(clock, "now", lambda: later)
    page = client.get(f"/harvests/{hid}/edit")
    assert page.status_code == 403 and 'name="weight_kg"' not in page.get_data(as_text=True)
    token = csrf_token(client, "/harvest")
    r = client.post(f"/harvests/{hid}/edit", data={"csrf_token": token, "weight_kg": "1", "grade": "grade1"})
    assert r.status_code == 403
    assert records(session)[0].weight_kg == Decimal("25")


def test_labels_always_use_the_public_address(config, database, session, farm):
    import dataclasses

    from farm import create_app

    app = create_app(dataclasses.replace(config, public_url="https://farm.example.cn"), database)
    client = app.test_client()
    login(client, "manager", PASSWORD)
    page = client.get("/harvest/labels").get_data(as_text=True)
    assert "https://farm.example.cn/harvest?gh=GH-003" in page
    # Neither a query parameter nor the request's host can point the printed codes elsewhere.
    login(client, "manager", PASSWORD, base_url="http://evil.example")
    other = client.get("/harvest/labels?base=http://evil.example", base_url="http://evil.example")
    assert other.status_code == 200
    labels = other.get_data(as_text=True).split("<figure", 1)[1]
    assert "evil" not in labels and "https://farm.example.cn/harvest?gh=GH-001" in labels


def test_manager_logs_for_a_chosen_worker(client, session, farm):
    login(client, "manager", PASSWORD)
    assert 'id="f-worker"' in client.get("/harvest").get_data(as_text=True)
    post_form(client, worker=str(farm.worker.worker_id))
    assert records(session)[0].worker_id == farm.worker.worker_id
    assert post_form(client, worker="9999").status_code == 422


def test_correction_form_offers_what_the_rule_allows(client, session, farm):
    login(client, "worker", PASSWORD)
    post_form(client)
    hid = records(session)[0].id
    page = client.get(f"/harvests/{hid}/edit").get_data(as_text=True)
    for name in ("weight_kg", "grade", "crates", "note"):
        assert f'name="{name}"' in page, name
    for name in ("greenhouse", "harvested_at", "worker"):
        assert f'name="{name}"' not in page, name
    login(client, "manager", PASSWORD)
    page = client.get(f"/harvests/{hid}/edit").get_data(as_text=True)
    for name in ("greenhouse", "weight_kg", "grade", "crates", "harvested_at", "worker", "note"):
        assert f'name="{name}"' in page, name


def test_worker_cannot_correct_on_the_page_what_a_manager_entered_for_them(client, session, farm):
    login(client, "manager", PASSWORD)
    post_form(client, worker=str(farm.worker.worker_id))
    hid = records(session)[0].id
    login(client, "worker", PASSWORD)
    assert client.get(f"/harvests/{hid}").status_code == 200
    page = client.get(f"/harvests/{hid}/edit")
    assert page.status_code == 403 and 'name="weight_kg"' not in page.get_data(as_text=True)
    token = csrf_token(client, "/harvest")
    assert client.post(f"/harvests/{hid}/edit", data={"csrf_token": token, "weight_kg": "1"}).status_code == 403
    assert records(session)[0].weight_kg == Decimal("25")


def test_form_reads_jin_with_the_one_rounding(client, session, farm):
    login(client, "worker", PASSWORD)
    post_form(client, weight="1.001", unit="jin")
    post_form(client, weight="12,3456", unit="kg")
    assert [h.weight_kg for h in records(session)] == [Decimal("0.501"), Decimal("12.346")]


@pytest.mark.parametrize("query", ["worker=%C2%B2", "worker=99999999999999999999", "offset=99999999999999999999",
                                   "offset=%C2%B2", "from=9999-12-31", "to=0001-01-01"])
def test_manager_list_answers_odd_queries_without_failing(client, farm, query):
    login(client, "manager", PASSWORD)
    response = client.get(f"/harvests?{query}")
    assert response.status_code == 200
    if query.startswith(("worker", "from", "to")):
        assert "error" in response.get_data(as_text=True)
