"""Warning pages: the official's list with filters, one warning with its figures in words, follow-up and close
through the forms with bad input, the household page's section, the dashboard panel, and who sees them."""
from __future__ import annotations

import pytest

from farm.models.warnings import FollowUp, Warning
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD
from tests.land.factories import make_household
from tests.warnings.factories import make_warning

pytestmark = pytest.mark.usefixtures("frozen_clock")


@pytest.fixture
def two(session, users):
    first = make_warning(session, make_household(session, name="王建国"))
    second = make_warning(session, make_household(session, name="李桂兰", group="曙光村二组"), kind="stopped_working",
                          figures={"days": 30, "since": "2026-10-29", "regular_days": 10,
                                   "workers": [{"worker_id": 1, "name": "李小兰", "last_present": "2026-10-28",
                                                "days_present": [15, 14]}]})
    session.commit()
    return first, second


def _as(client, role, path="/warnings/"):
    login(client, role, PASSWORD)
    return csrf_token(client, path)


def test_pages_official_lists_and_filters_warnings(client, two):
    _as(client, "official")
    page = client.get("/warnings/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "王建国" in text and "李桂兰" in text and "返贫预警" in text
    assert "园区拖欠该户土地租金 8,000.00 元" in text  # the figures in words, in the reader's language
    group = client.get("/warnings/?group=曙光村二组").get_data(as_text=True)
    assert "李桂兰" in group and "王建国" not in group
    kind = client.get("/warnings/?kind=rent_overdue&state=open").get_data(as_text=True)
    assert "王建国" in kind and "李桂兰" not in kind
    bad = client.get("/warnings/?state=shut")
    assert bad.status_code == 422 and "请选择" in bad.get_data(as_text=True)


def test_pages_warning_shows_its_figures(client, two):
    first, second = two
    _as(client, "official")
    text = client.get(f"/warnings/{second.id}").get_data(as_text=True)
    assert "李小兰" in text and "2026-10-28" in text and "15 / 14" in text and "预警条件仍然存在" in text
    text = client.get(f"/warnings/{first.id}").get_data(as_text=True)
    assert "TZ-1" in text and "8,000.00" in text and "27" in text
    assert client.get("/warnings/99999").status_code == 404


def test_pages_follow_up_and_close_with_bad_input(client, session, two):
    first, _second = two
    token = _as(client, "official", f"/warnings/{first.id}")
    bad = client.post(f"/warnings/{first.id}/follow-ups", data={"csrf_token": token, "measure": "pray", "note": ""})
    assert bad.status_code == 422
    assert session.query(FollowUp).count() == 0
    done = client.post(f"/warnings/{first.id}/follow-ups", data={"csrf_token": token, "measure": "employment",
                                                                 "note": "介绍到园区包装车间"})
    assert done.status_code == 302
    page = client.get(f"/warnings/{first.id}").get_data(as_text=True)
    assert "帮扶记录已保存" in page and "介绍到园区包装车间" in page and "帮扶中" in page

    no_reason = client.post(f"/warnings/{first.id}/close", data={"csrf_token": token, "reason": "  "})
    assert no_reason.status_code == 422 and "必填" in no_reason.get_data(as_text=True)
    session.expire_all()
    assert session.get(Warning, first.id).state == "following"
    closed = client.post(f"/warnings/{first.id}/close", data={"csrf_token": token, "reason": "已就业，风险消除"})
    assert closed.status_code == 302
    again = client.post(f"/warnings/{first.id}/close", data={"csrf_token": token, "reason": "再关一次"})
    assert again.status_code == 409 and "该预警已经关闭" in again.get_data(as_text=True)
    late = client.post(f"/warnings/{first.id}/follow-ups", data={"csrf_token": token, "measure": "other", "note": "x"})
    assert late.status_code == 409
    session.expire_all()
    warning = session.get(Warning, first.id)
    assert warning.state == "closed" and warning.close_reason == "已就业，风险消除"
    assert session.query(FollowUp).count() == 1
    assert client.post("/warnings/99999/close", data={"csrf_token": token, "reason": "x"}).status_code == 404


def test_pages_household_page_and_dashboard_show_warnings(client, two):
    first, _ = two
    _as(client, "official")
    text = client.get(f"/land/households/{first.household_id}").get_data(as_text=True)
    assert "household-warnings" in text and f"/warnings/{first.id}" in text
    client.get("/logout")
    _as(client, "manager")
    board = client.get("/dashboard").get_data(as_text=True)
    assert "农户返贫预警" in board and f"/warnings/{first.id}" in board


@pytest.mark.parametrize("role", ["viewer", "worker"])
def test_pages_viewer_and_worker_never_see_warnings(client, two, role):
    first, _ = two
    token = _as(client, role, "/login")
    assert client.get("/warnings/").status_code == 403
    assert client.get(f"/warnings/{first.id}").status_code == 403
    assert client.post(f"/warnings/{first.id}/close", data={"csrf_token": token, "reason": "x"}).status_code == 403
    if role == "viewer":  # the viewer reads households, never their warnings
        text = client.get(f"/land/households/{first.household_id}").get_data(as_text=True)
        assert "household-warnings" not in text and "拖欠租金" not in text
        board = client.get("/dashboard").get_data(as_text=True)
        assert "农户返贫预警" not in board


def test_pages_official_lands_on_a_dashboard_with_warnings_and_land(client, two):
    """The official's dashboard holds only the panels the official may see (their home is the livelihoods overview)."""
    first, _ = two
    login(client, "official", PASSWORD)
    landing = client.get("/dashboard", follow_redirects=True)
    assert landing.status_code == 200
    text = landing.get_data(as_text=True)
    assert "农户返贫预警" in text and f"/warnings/{first.id}" in text
    assert "/alerts/" not in text and "/park" not in text.split("<main")[1]
