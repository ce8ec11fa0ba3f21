"""Administration pages: logins and roles, and the park's settings with the date a value applies from."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from farm import clock
from farm.errors import Invalid
from farm.models.auth import User
from farm.models.settings import Setting
from farm.services import settings
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_users

# "Today" and "now" stand still through each test (and cannot roll over midnight under it).
pytestmark = pytest.mark.usefixtures("frozen_clock")


@pytest.fixture
def admin(client, users):
    login(client, "admin", PASSWORD)
    return users


def _user(session, username):
    session.expire_all()
    return session.scalar(select(User).where(User.username == username))


def _token(client):
    return csrf_token(client, "/admin/users")


def test_admin_create_login(client, session, admin):
    response = client.post("/admin/users", data={"csrf_token": _token(client), "username": "zhang", "role": "manager",
                                                 "display_name": "张伟", "password": "long-enough-1", "worker": ""})
    assert response.status_code == 302
    user = _user(session, "zhang")
    assert user.role == "manager" and user.display_name == "张伟" and user.worker_id is None
    client.post("/logout", data={"csrf_token": _token(client)})
    assert login(client, "zhang", "long-enough-1").status_code == 302


def test_admin_create_worker_login_makes_a_worker(client, session, admin):
    response = client.post("/admin/users", data={"csrf_token": _token(client), "username": "li", "role": "worker",
                                                 "display_name": "李娜", "password": "long-enough-1"})
    assert response.status_code == 302
    user = _user(session, "li")
    assert user.worker is not None and user.worker.name == "李娜"


@pytest.mark.parametrize("form,status,field", [
    ({"username": "manager"}, 409, "username"),
    ({"username": ""}, 422, "username"),
    ({"password": "short"}, 422, "password"),
    ({"role": "owner"}, 422, "role"),
    ({"role": "viewer", "worker": "1"}, 422, "worker"),
    ({"role": "worker", "worker": "999"}, 404, "worker"),
    ({"role": "worker", "worker": "abc"}, 422, "worker"),
])
def test_admin_create_login_bad_input(client, session, admin, form, status, field):
    data = {"csrf_token": _token(client), "username": "new", "role": "viewer", "password": "long-enough-1"}
    data.update(form)
    before = len(session.scalars(select(User)).all())
    response = client.post("/admin/users", data=data)
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert f'id="e-{field}"' in page or 'role="alert"' in page
    session.expire_all()
    assert len(session.scalars(select(User)).all()) == before


def test_admin_change_role_and_deactivate(client, session, admin):
    viewer = admin["viewer"]
    response = client.post(f"/admin/users/{viewer.id}", data={"csrf_token": _token(client), "role": "manager",
                                                               "active": "true"})
    assert response.status_code == 302
    assert _user(session, "viewer").role == "manager"
    response = client.post(f"/admin/users/{viewer.id}", data={"csrf_token": _token(client), "role": "manager"})
    assert response.status_code == 302
    assert _user(session, "viewer").active is False


def test_admin_cannot_remove_own_admin(client, session, admin):
    me = admin["admin"]
    for data in ({"role": "manager", "active": "true"}, {"role": "admin"}):
        response = client.post(f"/admin/users/{me.id}", data={"csrf_token": _token(client), **data})
        assert response.status_code == 409
        assert 'id="e-role"' in response.get_data(as_text=True) or "has-error" in response.get_data(as_text=True)
    user = _user(session, "admin")
    assert user.role == "admin" and user.active


def test_admin_cannot_make_a_worker_of_a_login_without_worker(client, session, admin):
    viewer = admin["viewer"]
    response = client.post(f"/admin/users/{viewer.id}", data={"csrf_token": _token(client), "role": "worker",
                                                               "active": "true"})
    assert response.status_code == 422
    assert _user(session, "viewer").role == "viewer"


def test_admin_new_password_and_short_one(client, session, admin):
    viewer = admin["viewer"]
    old_hash = _user(session, "viewer").password_hash
    bad = client.post(f"/admin/users/{viewer.id}", data={"csrf_token": _token(client), "role": "viewer",
                                                          "active": "true", "password": "short"})
    assert bad.status_code == 422
    assert _user(session, "viewer").password_hash == old_hash
    ok = client.post(f"/admin/users/{viewer.id}", data={"csrf_token": _token(client), "role": "viewer",
                                                         "active": "true", "password": "brand-new-pw"})
    assert ok.status_code == 302
    assert _user(session, "viewer").password_hash != old_hash


def test_admin_unknown_user_gives_404(client, admin):
    assert client.get("/admin/users/9999").status_code == 404


@pytest.mark.parametrize("role", ["manager", "viewer", "worker"])
def test_admin_pages_refused_to_other_roles(app, session, role):
    make_users(session)
    session.commit()
    client = app.test_client()
    login(client, role, PASSWORD)
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/settings").status_code == 403


# --- settings -----------------------------------------------------------------------------------

def test_admin_settings_save_with_a_date(client, session, admin):
    assert client.get("/admin/settings").status_code == 200
    later = clock.today() + timedelta(days=30)
    response = client.post("/admin/settings/login.max_failures",
                           data={"csrf_token": _token(client), "value": "3", "valid_from": later.isoformat()})
    assert response.status_code == 302
    session.expire_all()
    assert settings.get(session, "login.max_failures", on=later) == 3
    # A value from a later date is not in force today.
    assert settings.get(session, "login.max_failures") == 5
    assert settings.get(session, "login.max_failures", on=later - timedelta(days=1)) == 5
    response = client.post("/admin/settings/login.max_failures", data={"csrf_token": _token(client), "value": "7"})
    assert response.status_code == 302
    session.expire_all()
    assert settings.get(session, "login.max_failures") == 7
    assert settings.get(session, "login.max_failures", on=later) == 3
    assert later.isoformat() in client.get("/admin/settings").get_data(as_text=True)


@pytest.mark.parametrize("form", [{"value": "many"}, {"value": "0"}, {"value": ""}, {"value": "3", "valid_from": "x"}])
def test_admin_settings_bad_value_gives_field_error(client, session, admin, form):
    response = client.post("/admin/settings/login.max_failures", data={"csrf_token": _token(client), **form})
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True)
    session.expire_all()
    assert session.scalars(select(Setting)).all() == []


def test_admin_settings_unknown_key(client, session, admin):
    response = client.post("/admin/settings/no.such", data={"csrf_token": _token(client), "value": "1"})
    assert response.status_code in (404, 422)
    assert session.scalars(select(Setting)).all() == []


def test_admin_settings_service(session):
    settings.put(session, "login.pause_minutes", "20", date(2026, 1, 1))
    assert settings.get(session, "login.pause_minutes", on=date(2026, 1, 1)) == 20
    assert settings.get(session, "login.pause_minutes", on=date(2025, 12, 31)) == 15
    with pytest.raises(Invalid):
        settings.put(session, "login.pause_minutes", "-1")


def test_admin_clears_a_channel_setting_to_switch_it_off(client, session, admin):
    """A webhook is switched off by clearing it (an empty value, or the Switch off button), not by typing `off`."""
    from farm.services import notify

    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"
    response = client.post("/admin/settings/notify.webhook_url", data={"csrf_token": _token(client), "value": url})
    assert response.status_code == 302
    assert notify.enabled_channels(notify.channel_settings(session)) == ["webhook"]
    page = client.get("/admin/settings").get_data(as_text=True)
    section = page[page.index("notify.webhook_url"):]
    assert '<input type="hidden" name="value" value="">' in section[:1500] and "关闭" in section[:1500]
    response = client.post("/admin/settings/notify.webhook_url", data={"csrf_token": _token(client), "value": ""})
    assert response.status_code == 302
    session.expire_all()
    assert settings.get(session, "notify.webhook_url") == ""
    assert notify.enabled_channels(notify.channel_settings(session)) == []
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "已关闭" in page
    # A setting that cannot be switched off refuses an empty value, and stores nothing.
    response = client.post("/admin/settings/notify.smtp_port", data={"csrf_token": _token(client), "value": "  "})
    assert response.status_code == 422 and "请输入一个值" in response.get_data(as_text=True)
    session.expire_all()
    assert session.scalars(select(Setting).where(Setting.key == "notify.smtp_port")).all() == []
