"""Logins, logout, the failed-login throttle, CSRF on forms, hashed passwords and tokens, POST /api/v1/auth/token."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from farm.models.auth import ApiToken, LoginAttempt, User
from farm.services import users
from farm.services.users import hash_token
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, bearer, make_user, make_users
from tests.test_openapi import check_response

CJK = re.compile(r"[\u4e00-\u9fff]")
ALERT = re.compile(r'role="alert">([^<]*)<')


def _alert(response) -> str:
    match = ALERT.search(response.get_data(as_text=True))
    return match.group(1).strip() if match else ""


def _attempts(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(LoginAttempt))


def _logged_in(client) -> bool:
    with client.session_transaction() as s:
        return "user_id" in s


# --- the login page -----------------------------------------------------------------------------

def test_login_right_password_logs_in_and_lands_on_home(client, session):
    make_users(session)
    session.commit()
    response = login(client, "manager", PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard")
    assert _logged_in(client)
    assert client.get("/park").status_code == 200
    session.expire_all()
    assert session.scalar(select(User).where(User.username == "manager")).last_login_at is not None


def test_login_worker_lands_on_own_page(client, session):
    make_users(session)
    session.commit()
    assert login(client, "worker", PASSWORD).headers["Location"].endswith("/me")


def test_login_username_is_case_insensitive(client, session):
    make_users(session)
    session.commit()
    assert login(client, "  Manager ", PASSWORD).status_code == 302


def test_login_page_is_chinese_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="zh-CN"' in page


def test_login_wrong_password_gives_401_in_chinese_and_changes_nothing(client, session):
    make_users(session)
    session.commit()
    response = login(client, "manager", "not-the-password")
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert 'lang="zh-CN"' in page
    message = _alert(response)
    assert message and CJK.search(message), message
    assert not _logged_in(client)
    session.expire_all()
    assert session.scalar(select(User).where(User.username == "manager")).last_login_at is None
    assert client.get("/park").status_code == 302  # still logged out


def test_login_unknown_user_gives_401(client, session):
    make_users(session)
    session.commit()
    assert login(client, "nobody", PASSWORD).status_code == 401
    assert not _logged_in(client)


def test_login_empty_fields_give_a_message_not_a_500(client, session):
    response = client.post("/login", data={"username": "", "password": "", "csrf_token": csrf_token(client)})
    assert response.status_code == 422
    assert _alert(response)
    assert not _logged_in(client)


def test_login_throttle_after_repeated_failures(client, session):
    make_users(session)
    session.commit()
    limit = users.settings.get(session, "login.max_failures")
    for _ in range(limit):
        assert login(client, "manager", "wrong-password").status_code == 401
    throttled = login(client, "manager", "wrong-password")
    assert throttled.status_code == 429
    assert _alert(throttled)
    # Even the right password is refused while the pause lasts, and nothing logs in.
    refused = login(client, "manager", PASSWORD)
    assert refused.status_code == 429
    assert CJK.search(_alert(refused)), _alert(refused)
    assert not _logged_in(client)
    # Another login is not throttled by the first one's failures.
    assert login(client, "viewer", PASSWORD).status_code == 302


def test_login_throttle_counts_failures_per_username_case_insensitively(client, session):
    make_users(session)
    session.commit()
    limit = users.settings.get(session, "login.max_failures")
    for n in range(limit):
        login(client, "MANAGER" if n % 2 else "manager", "wrong-password")
    assert login(client, "Manager", PASSWORD).status_code == 429


def test_login_success_resets_the_failure_count(client, session):
    make_users(session)
    session.commit()
    limit = users.settings.get(session, "login.max_failures")
    for _ in range(limit - 1):
        login(client, "manager", "wrong-password")
    assert login(client, "manager", PASSWORD).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/park")})
    for _ in range(limit - 1):
        assert login(client, "manager", "wrong-password").status_code == 401
    assert login(client, "manager", PASSWORD).status_code == 302


def test_login_without_csrf_token_is_refused_and_changes_nothing(client, session):
    make_users(session)
    session.commit()
    before = _attempts(session)
    response = client.post("/login", data={"username": "manager", "password": PASSWORD})
    assert response.status_code == 400
    assert CJK.search(response.get_data(as_text=True))
    assert not _logged_in(client)
    assert _attempts(session) == before


def test_login_with_a_wrong_csrf_token_is_refused(client, session):
    make_users(session)
    session.commit()
    csrf_token(client)
    response = client.post("/login", data={"username": "manager", "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 400
    assert not _logged_in(client)


def test_login_inactive_user_cannot_log_in(client, session):
    user = make_user(session, "manager")
    user.active = False
    session.commit()
    assert login(client, "manager", PASSWORD).status_code == 401
    assert not _logged_in(client)


def test_login_deactivated_user_loses_the_open_session(client, session):
    user = make_user(session, "manager")
    session.commit()
    login(client, "manager", PASSWORD)
    assert client.get("/park").status_code == 200
    user.active = False
    session.commit()
    assert client.get("/park").status_code == 302


def test_logout_ends_the_session(client, session):
    make_users(session)
    session.commit()
    login(client, "manager", PASSWORD)
    token = csrf_token(client, "/park")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    assert not _logged_in(client)
    assert client.get("/park").status_code == 302


def test_logout_without_csrf_token_keeps_the_session(client, session):
    make_users(session)
    session.commit()
    login(client, "manager", PASSWORD)
    assert client.post("/logout").status_code == 400
    assert _logged_in(client)


@pytest.mark.parametrize("target,expected", [
    ("/crops", "/crops"),
    ("/greenhouses/GH-001?x=1", "/greenhouses/GH-001?x=1"),
    ("https://evil.example/", "/dashboard"),
    ("//evil.example/", "/dashboard"),
    ("/\\evil.example/", "/dashboard"),
    ("\\\\evil.example/", "/dashboard"),
    ("/\t/evil.example/", "/dashboard"),
    ("javascript:alert(1)", "/dashboard"),
    ("http:/evil.example", "/dashboard"),
])
def test_login_next_only_redirects_to_same_site_paths(client, session, target, expected):
    make_users(session)
    session.commit()
    response = client.post("/login", query_string={"next": target},
                           data={"username": "manager", "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == expected or location == "http://localhost" + expected, location


def test_login_page_redirects_to_login_with_next(client, session):
    response = client.get("/crops")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


# --- what is stored -------------------------------------------------------------------------------

def test_users_passwords_are_stored_hashed(session):
    user = make_user(session, "manager", password="plain-text-pw")
    session.commit()
    assert "plain-text-pw" not in user.password_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_users_short_password_is_refused(session):
    with pytest.raises(users.Invalid) as info:
        users.create_user(session, "short", "viewer", "abc")
    assert "password" in info.value.fields


def test_users_api_tokens_are_stored_hashed(session):
    user = make_user(session, "manager")
    token = users.create_token(session, user)
    session.commit()
    stored = session.scalars(select(ApiToken.token_hash)).all()
    assert stored == [hash_token(token)]
    assert token not in stored
    assert users.user_for_token(session, token).id == user.id
    assert users.user_for_token(session, token + "x") is None


def test_users_revoked_token_or_inactive_user_is_refused(client, session):
    made = make_users(session)
    token = users.create_token(session, made["manager"])
    session.commit()
    assert client.get("/api/v1/greenhouses", headers=bearer(token)).status_code == 200
    made["manager"].active = False
    session.commit()
    assert client.get("/api/v1/greenhouses", headers=bearer(token)).status_code == 401


# --- POST /api/v1/auth/token ---------------------------------------------------------------------

def test_api_token_created_with_right_password(app, client, session):
    make_users(session)
    session.commit()
    response = client.post("/api/v1/auth/token", json={"username": "viewer", "password": PASSWORD})
    assert response.status_code == 201
    check_response(app, "POST", "/api/v1/auth/token", response)
    token = response.get_json()["token"]
    assert client.get("/api/v1/greenhouses", headers=bearer(token)).status_code == 200
    session.expire_all()
    assert session.scalars(select(ApiToken.token_hash)).all() == [hash_token(token)]


def test_api_token_wrong_password_gives_401_envelope(app, client, session):
    make_users(session)
    session.commit()
    response = client.post("/api/v1/auth/token", json={"username": "viewer", "password": "wrong-password"})
    assert response.status_code == 401
    check_response(app, "POST", "/api/v1/auth/token", response)
    error = response.get_json()["error"]
    assert error["code"] == "unauthorized" and error["message"]
    assert session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_api_token_throttled_after_repeated_failures(app, client, session):
    make_users(session)
    session.commit()
    limit = users.settings.get(session, "login.max_failures")
    for _ in range(limit):
        client.post("/api/v1/auth/token", json={"username": "viewer", "password": "wrong-password"})
    response = client.post("/api/v1/auth/token", json={"username": "viewer", "password": PASSWORD})
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "throttled"
    check_response(app, "POST", "/api/v1/auth/token", response)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(ApiToken)) == 0


@pytest.mark.parametrize("body,content_type", [
    ("{not json", "application/json"),
    ("username=viewer", "application/x-www-form-urlencoded"),
    ('["viewer"]', "application/json"),
    ("", "application/json"),
])
def test_api_token_malformed_body_gives_400(app, client, session, body, content_type):
    make_users(session)
    session.commit()
    response = client.post("/api/v1/auth/token", data=body, content_type=content_type)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "malformed"
    check_response(app, "POST", "/api/v1/auth/token", response)
    assert _attempts(session) == 0


def test_api_token_missing_field_gives_422_with_field(client, session):
    response = client.post("/api/v1/auth/token", json={"username": "viewer"})
    assert response.status_code == 422
    assert "password" in response.get_json()["error"]["fields"]


def test_api_without_token_gives_401_envelope(client):
    response = client.get("/api/v1/greenhouses")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("header", ["Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer ", "token"])
def test_api_bad_authorization_header_gives_401(client, header):
    response = client.get("/api/v1/greenhouses", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_api_token_can_be_renewed_with_a_stale_token_attached(client, session):
    make_users(session)
    session.commit()
    response = client.post("/api/v1/auth/token", json={"username": "viewer", "password": PASSWORD},
                           headers=bearer("farm_revoked-or-stale"))
    assert response.status_code == 201
    assert client.get("/api/v1/openapi.json", headers=bearer("stale")).status_code == 200
