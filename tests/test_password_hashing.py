"""Passwords: production hashes with scrypt; the suite's one-round method (conftest) is only a speed-up for tests,
and a password hashed either way logs in."""
from __future__ import annotations

import subprocess
import sys

import pytest

from farm.config import PROJECT_ROOT
from farm.errors import Unauthorized
from farm.services import users
from tests.conftest import TEST_PASSWORD_METHOD
from tests.factories import PASSWORD


def test_production_hashes_passwords_with_scrypt():
    # A fresh interpreter, so nothing the suite set can answer for production.
    code = "from farm.services import users; print(users.PASSWORD_METHOD, users.hash_password('x').split('$')[0])"
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    method, stored = out.stdout.split()
    assert method == "scrypt"
    assert stored.startswith("scrypt:")


def test_the_suite_hashes_with_its_cheap_method():
    assert users.PASSWORD_METHOD == TEST_PASSWORD_METHOD
    assert users.hash_password(PASSWORD).startswith("pbkdf2:sha256:1$")


@pytest.mark.parametrize("method", ["scrypt", TEST_PASSWORD_METHOD])
def test_a_password_hashed_either_way_logs_in(session, monkeypatch, method):
    monkeypatch.setattr(users, "PASSWORD_METHOD", method)
    user = users.create_user(session, "manager", "manager", PASSWORD)
    assert user.password_hash.startswith(method.split(":")[0] + ":")
    session.flush()
    assert users.authenticate(session, "manager", PASSWORD).id == user.id
    with pytest.raises(Unauthorized):
        users.authenticate(session, "manager", "wrong-password")
    with pytest.raises(Unauthorized):  # an unknown name is checked against a hash in the same method
        users.authenticate(session, "nobody", PASSWORD)


def test_set_password_uses_the_method(session, monkeypatch):
    user = users.create_user(session, "viewer", "viewer", PASSWORD)
    monkeypatch.setattr(users, "PASSWORD_METHOD", "scrypt")
    users.set_password(session, user, "another-pass-2")
    assert user.password_hash.startswith("scrypt:")
    assert users.authenticate(session, "viewer", "another-pass-2").id == user.id
