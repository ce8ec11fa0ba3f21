"""Hardening: security headers and cookies (FARM_HTTPS, FARM_PROXIES), revocable sessions, API tokens (list,
revoke, expiry, a cap on minting), the failed-login throttle per name, address and pair, and the password rules."""
from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from farm import clock, create_app
from farm.models.auth import ApiToken
from farm.services import login_throttle, users
from tests.conftest import CSRF_RE, csrf_token, login
from tests.factories import PASSWORD, bearer, make_user, make_users


def _app(config, database, **changes):
    app = create_app(dataclasses.replace(config, **changes), database)
    app.config.update(TESTING=True)
    return app


def _logged_in(client) -> bool:
    return client.get("/park").status_code == 200


# --- headers and cookies --------------------------------------------------------------------------

def test_headers_on_every_answer_and_no_store_for_signed_in_pages(client, session):
    make_users(session)
    session.commit()
    for path in ("/login", "/api/v1/openapi.json", "/static/css/app.css", "/no-such-page"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in \
            csp.split("script-src", 1)[1].split(";")[0], path
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in headers  # plain HTTP: no HSTS
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    login(client, "manager", PASSWORD)
    assert client.get("/park").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/static/css/app.css").headers.get("Cache-Control", "")
    token = users.create_token(session, users.get_by_username(session, "viewer"))
    session.commit()
    assert client.get("/api/v1/greenhouses", headers=bearer(token)).headers["Cache-Control"] == "no-store"


def test_https_marks_cookies_secure_and_sends_hsts(config, database, session):
    make_users(session)
    session.commit()
    client = _app(config, database, https=True).test_client()
    site = "https://localhost"

    def token(path):
        page = client.get(path, base_url=site).get_data(as_text=True)
        return CSRF_RE.search(page).group(1)

    # (over TLS the CSRF check also wants the same-origin Referer, which Referrer-Policy same-origin keeps)
    response = client.post("/login", base_url=site, headers={"Referer": site + "/login"},
                           data={"username": "manager", "password": PASSWORD, "csrf_token": token("/login")})
    assert response.status_code == 302
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie
    language = client.post("/language", base_url=site, headers={"Referer": site + "/park"},
                           data={"language": "en", "csrf_token": token("/park")})
    assert "Secure" in language.headers["Set-Cookie"]
    plain = login(create_app(config, database).test_client(), "viewer", PASSWORD)
    assert "Secure" not in next(c for c in plain.headers.getlist("Set-Cookie") if c.startswith("session="))


def test_proxies_setting_decides_whose_address_the_throttle_counts(config, database, session):
    make_users(session)
    session.commit()
    forwarded = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    behind = _app(config, database, proxies=1).test_client()
    behind.post("/api/v1/auth/token", json={"username": "manager", "password": "wrong-password"}, headers=forwarded)
    direct = create_app(config, database).test_client()
    direct.post("/api/v1/auth/token", json={"username": "manager", "password": "wrong-password"}, headers=forwarded)
    session.expire_all()
    addresses = sorted(h.value for h in login_throttle.held(session) if h.kind == "address")
    # Behind one proxy the client's address counts; with none, a forged header is ignored.
    assert addresses == ["127.0.0.1", "203.0.113.7"]


# --- sessions -----------------------------------------------------------------------------------

def test_logout_ends_a_copied_session_cookie_too(client, app, session):
    make_users(session)
    session.commit()
    login(client, "manager", PASSWORD)
    stolen = app.test_client()
    with client.session_transaction() as s:
        copied = dict(s)
    with stolen.session_transaction() as s:
        s.update(copied)
    assert _logged_in(stolen)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/park")})
    assert not _logged_in(client) and not _logged_in(stolen)


def test_password_change_and_deactivation_end_sessions_and_tokens(client, app, session):
    made = make_users(session)
    session.commit()
    admin = app.test_client()
    login(admin, "admin", PASSWORD)
    login(client, "manager", PASSWORD)
    token = users.create_token(session, made["manager"])
    session.commit()
    assert _logged_in(client)
    target = f"/admin/users/{made['manager'].id}"
    response = admin.post(target, data={"csrf_token": csrf_token(admin, target), "role": "manager",
                                        "active": "true", "password": "a-new-secret-9"})
    assert response.status_code == 302
    assert not _logged_in(client)
    assert client.get("/api/v1/greenhouses", headers=bearer(token)).status_code == 401
    assert _logged_in(admin)
    login(client, "manager", "a-new-secret-9")
    assert _logged_in(client)
    admin.post(target, data={"csrf_token": csrf_token(admin, target), "role": "manager"})  # active unticked
    assert not _logged_in(client)
    # An administrator's own new password keeps their own session.
    mine = f"/admin/users/{made['admin'].id}"
    admin.post(mine, data={"csrf_token": csrf_token(admin, mine), "role": "admin", "active": "true",
                           "password": "admins-new-pass-1"})
    assert admin.get("/admin/users").status_code == 200


# --- API tokens ---------------------------------------------------------------------------------

def test_token_pages_list_and_revoke_own_and_everyones(client, app, session):
    made = make_users(session)
    mine = users.create_token(session, made["viewer"], name="phone-app")
    theirs = users.create_token(session, made["manager"], name="nightly-job")
    session.commit()
    ids = {t.name: t.id for t in session.scalars(select(ApiToken))}
    login(client, "viewer", PASSWORD)
    page = client.get("/account/tokens").get_data(as_text=True)
    assert "phone-app" in page and "nightly-job" not in page
    token = csrf_token(client, "/account/tokens")
    # Another's token is not found through one's own page, and stays live.
    assert client.post(f"/account/tokens/{ids['nightly-job']}/revoke", data={"csrf_token": token}).status_code == 302
    assert client.get("/api/v1/greenhouses", headers=bearer(theirs)).status_code == 200
    client.post(f"/account/tokens/{ids['phone-app']}/revoke", data={"csrf_token": token})
    assert client.get("/api/v1/greenhouses", headers=bearer(mine)).status_code == 401
    assert client.get("/admin/tokens").status_code == 403
    admin = app.test_client()
    login(admin, "admin", PASSWORD)
    page = admin.get("/admin/tokens").get_data(as_text=True)
    assert "phone-app" in page and "nightly-job" in page
    admin.post(f"/admin/tokens/{ids['nightly-job']}/revoke", data={"csrf_token": csrf_token(admin, "/admin/tokens")})
    assert client.get("/api/v1/greenhouses", headers=bearer(theirs)).status_code == 401


def test_token_expires(client, session):
    made = make_users(session)
    token = users.create_token(session, made["viewer"], expires_at=clock.now() + timedelta(days=1))
    session.commit()
    assert client.get("/api/v1/greenhouses", headers=bearer(token)).status_code == 200
    with clock.frozen(clock.now() + timedelta(days=1, seconds=1)):
        assert client.get("/api/v1/greenhouses", headers=bearer(token)).status_code == 401
    with pytest.raises(users.Invalid):
        users.create_token(session, made["viewer"], expires_at=clock.now() - timedelta(seconds=1))


def test_token_endpoint_mints_up_to_the_cap_with_an_end(client, session):
    make_users(session)
    session.commit()
    cap = users.settings.get(session, "api.max_tokens")
    body = {"username": "viewer", "password": PASSWORD}
    for _ in range(cap):
        assert client.post("/api/v1/auth/token", json=body).status_code == 201
    refused = client.post("/api/v1/auth/token", json=body)
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "throttled" and str(cap) in refused.get_json()["error"]["message"]
    session.expire_all()
    rows = session.scalars(select(ApiToken)).all()
    assert len(rows) == cap and all(r.expires_at is not None for r in rows)
    # Revoking one makes room for one.
    users.revoke_token(session, rows[0].id)
    session.commit()
    assert client.post("/api/v1/auth/token", json=body).status_code == 201
    assert session.scalar(select(func.count()).select_from(ApiToken)) == cap + 1


# --- the login throttle -------------------------------------------------------------------------

def _fail(client, username, address="127.0.0.1"):
    return client.post("/api/v1/auth/token", json={"username": username, "password": "wrong-password"},
                       environ_base={"REMOTE_ADDR": address})


def _try(client, username, address="127.0.0.1"):
    return client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD},
                       environ_base={"REMOTE_ADDR": address})


def test_throttle_backoff_grows_then_a_short_lock(client, session, frozen_clock):
    make_users(session)
    session.commit()
    free = users.settings.get(session, "login.max_failures")
    pause = timedelta(minutes=users.settings.get(session, "login.pause_minutes"))
    for _ in range(free):
        assert _fail(client, "manager").status_code == 401
    waits = []
    for _ in range(8):
        assert _fail(client, "manager").status_code == 429  # refused unchecked, not counted
        waited = login_throttle.wait(session, "manager", "127.0.0.1")
        waits.append(waited)
        clock.freeze(clock.now() + waited)
        assert _fail(client, "manager").status_code == 401
    assert waits[0] == login_throttle.BACKOFF_START and waits == sorted(waits)
    assert waits[1] == 2 * waits[0] and waits[-1] == pause  # doubling, up to the short lock


def test_throttle_cannot_lock_the_owner_out_from_elsewhere(client, session):
    make_users(session)
    session.commit()
    assert _try(client, "manager", "10.0.0.5").status_code == 201  # the owner's usual place
    for n in range(60):  # an attacker from many addresses
        _fail(client, "manager", f"198.51.100.{n}")
    assert _try(client, "manager", "198.51.100.200").status_code == 429  # a new place waits
    assert _try(client, "manager", "10.0.0.5").status_code == 201  # the owner's does not


def test_throttle_slows_password_spraying_from_one_address(client, session):
    made = {f"user{n:02d}": make_user(session, "viewer", f"user{n:02d}") for n in range(30)}
    session.commit()
    limit = users.settings.get(session, "login.address_failures")
    statuses = [_fail(client, name, "192.0.2.9").status_code for name in list(made)[:limit + 1]]
    assert statuses[:limit] == [401] * limit and statuses[limit] == 429
    # The same accounts from another address are not held.
    assert _try(client, "user29", "192.0.2.10").status_code == 201


def test_admin_unlocks_a_name_and_an_address(client, app, session):
    make_users(session)
    session.commit()
    free = users.settings.get(session, "login.max_failures")
    for _ in range(free):
        _fail(client, "manager")
    assert _try(client, "manager").status_code == 429
    admin = app.test_client()
    login(admin, "admin", PASSWORD)
    page = admin.get("/admin/throttle").get_data(as_text=True)
    assert "manager" in page
    admin.post("/admin/throttle/unlock", data={"csrf_token": csrf_token(admin, "/admin/throttle"),
                                               "kind": "username", "value": "manager"})
    assert _try(client, "manager").status_code == 201
    assert client.get("/admin/throttle").status_code in (302, 401)  # not signed in
    viewer = app.test_client()
    login(viewer, "viewer", PASSWORD)
    assert viewer.get("/admin/throttle").status_code == 403


# --- passwords ----------------------------------------------------------------------------------

@pytest.mark.parametrize("password", ["short-9", "1q2w3e4r5t", "QWERTYUIOP", "newperson1", "1nosrepwen"])
def test_password_policy_refuses_short_common_and_the_username(session, password):
    with pytest.raises(users.Invalid) as refused:
        users.create_user(session, "newperson1", "viewer", password)
    assert "password" in refused.value.fields
    assert users.create_user(session, "newperson1", "viewer", "plant-tomatoes-2026").id


def test_demo_passwords_follow_the_policy(session):
    from farm.demo import DEMO_LOGINS

    for username, _role, password in DEMO_LOGINS:
        users.check_new_password(password, username)
