"""Every route in the URL map, for every role, against the one policy: a new route is covered automatically."""
from __future__ import annotations

import pytest

from farm.permissions import POLICY, permission_of, role_may
from farm.services.privacy import RULES
from farm.vocab import Role
from tests.conftest import csrf_token
from tests.factories import (
    PASSWORD,
    bearer,
    make_crop,
    make_park,
    make_planting,
    make_users,
    token_for,
)

ROLES = [None, "admin", "manager", "worker", "viewer", "official"]
# Values for URL arguments; anything else gets "1".
# (a token id no token has: revoking the walk's own token would end its API half)
ARGS = {"code": "GH-001", "key": "login.max_failures", "token_id": 2**31 - 1}


def _routes(app):
    # Logging out ends the walk's session, so it comes last.
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint == "auth.logout", r.rule))
    for rule in rules:
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _url(rule) -> str:
    return rule.build({name: ARGS.get(name, 1) for name in rule.arguments}, append_unknown=False)[1]


def test_permissions_every_route_declares_one(app):
    missing = [rule.rule for rule, _ in _routes(app) if permission_of(app.view_functions[rule.endpoint]) is None]
    assert missing == []


def test_permissions_policy_matches_contract_roles():
    # README, Roles: a viewer never manages, a worker never reads park-wide data.
    for permission, roles in POLICY.items():
        if permission.endswith(".manage") or permission in ("people.read",):
            assert "viewer" not in roles and "worker" not in roles, permission
    assert POLICY["users.manage"] == {"admin"}
    assert "worker" not in POLICY["park.read"]
    assert "worker" not in POLICY["reports.read"]


def test_permissions_policy_names_only_roles_of_the_vocabulary():
    for permission, roles in POLICY.items():
        assert roles and set(roles) <= set(Role.values()), permission
    assert POLICY["signed_in"] == set(Role.values())
    assert all(set(roles) <= set(Role.values()) for roles in RULES.values())
    assert role_may("manager", "park.manage") and not role_may("boss", "park.read")


@pytest.mark.parametrize("role", ROLES)
def test_permissions_walk_url_map(app, session, role):
    park = make_park(session)
    make_planting(session, park.greenhouses[0], make_crop(session))
    users = make_users(session)
    session.commit()
    client = app.test_client()
    token = None
    if role:
        token = token_for(session, users[role])
        client.post("/login", data={"username": role, "password": PASSWORD, "csrf_token": csrf_token(client)})
    csrf = csrf_token(client)
    checked = 0
    for rule, method in _routes(app):
        permission = permission_of(app.view_functions[rule.endpoint])
        url = _url(rule)
        is_api = url.startswith("/api/")
        headers = {"X-CSRFToken": csrf}
        if is_api and token:
            headers.update(bearer(token))
        kwargs = {"headers": headers}
        if method != "GET":
            kwargs["json" if is_api else "data"] = {} if is_api else {"csrf_token": csrf}
        response = client.open(url, method=method, **kwargs)
        allowed = role_may(role, permission)
        where = f"{method} {url} as {role}"
        if allowed:
            assert response.status_code not in (401, 403), where
        elif role is None:
            if is_api:
                assert response.status_code == 401, where
                assert response.get_json()["error"]["code"] == "unauthorized", where
            else:
                assert response.status_code == 302 and "/login" in response.location, where
        else:
            assert response.status_code == 403, where
            if is_api:
                assert response.get_json()["error"]["code"] == "forbidden", where
        checked += 1
    assert checked > 10
