"""Logins: passwords, roles, API tokens and the failed-login throttle."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from farm import clock
from farm.errors import Conflict, Invalid, NotFound, Throttled, Unauthorized
from farm.models.auth import ApiToken, LoginAttempt, User
from farm.models.people import Worker
from farm.services import login_throttle, settings
from farm.services.settings import SettingSpec, _int
from farm.vocab import Role

MIN_PASSWORD_LENGTH = 10
# Passwords too common to accept, kept in the repository (one a line; an operator may add the park's own words).
COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")
TOKEN_PREFIX = "farm_"
# How passwords are hashed (werkzeug's method string). The test suite swaps in a one-round method, since scrypt
# for every login a test makes would be most of its run time; production never changes this.
PASSWORD_METHOD = "scrypt"
_dummy_hashes: dict[str, str] = {}


def hash_password(password: str) -> str:
    """The stored form of a password, hashed with PASSWORD_METHOD."""
    return generate_password_hash(password, method=PASSWORD_METHOD)


def _dummy_hash() -> str:
    """A hash in the current method to check unknown names against, made once per method."""
    if PASSWORD_METHOD not in _dummy_hashes:
        _dummy_hashes[PASSWORD_METHOD] = hash_password("not a real password")
    return _dummy_hashes[PASSWORD_METHOD]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@cache
def common_passwords() -> frozenset[str]:
    """The refused common passwords, lower case."""
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def check_new_password(password: str, username: str = "") -> None:
    """The password policy, for every way a password is set: long enough, not the username, not a common one."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        msg = _l("A password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
        raise Invalid(msg, {"password": msg})
    lowered = password.strip().lower()
    if username and username.strip().lower() in (lowered, lowered[::-1]):
        msg = _l("The password may not be the username.")
        raise Invalid(msg, {"password": msg})
    if lowered in common_passwords():
        msg = _l("This password is among the most common ones and easy to guess; choose another.")
        raise Invalid(msg, {"password": msg})


def create_user(
    session: Session, username: str, role: str, password: str,
    worker_id: int | None = None, display_name: str = "",
) -> User:
    """Make a login. A worker login belongs to a worker: the one given, else a new one named after it."""
    username = (username or "").strip()
    if not username:
        raise Invalid(_l("A username is required."), {"username": _l("A username is required.")})
    if Role.get(role) is None:
        raise Invalid(_l("Unknown role."), {"role": _l("Unknown role.")})
    check_new_password(password, username)
    if session.scalar(select(User).where(func.lower(User.username) == username.lower())):
        raise Conflict(_l("The username %(name)s is taken.", name=username), {"username": _l("Taken.")})
    worker = None
    if role == "worker":
        if worker_id is not None:
            worker = session.get(Worker, worker_id)
            if worker is None:
                raise NotFound(_l("No worker with id %(id)s.", id=worker_id), {"worker": _l("Unknown worker.")})
            if session.scalar(select(User).where(User.worker_id == worker_id)):
                raise Conflict(_l("That worker already has a login."), {"worker": _l("Already has a login.")})
        else:
            worker = Worker(name=display_name or username)
            session.add(worker)
            session.flush()
    elif worker_id is not None:
        raise Invalid(_l("Only a worker login belongs to a worker."), {"worker": _l("Only for the worker role.")})
    user = User(
        username=username,
        role=role,
        password_hash=hash_password(password),
        display_name=display_name or (worker.name if worker else username),
        worker_id=worker.id if worker else None,
    )
    session.add(user)
    session.flush()
    return user


def login_of_worker(session: Session, worker_id: int) -> User | None:
    """The login that belongs to a worker, if they have one."""
    return session.scalar(select(User).where(User.worker_id == worker_id))


def create_worker_login(session: Session, worker_id: int, data) -> User:
    """A worker's own login (role worker, bound to them): the same rules as every login (create_user)."""
    if session.get(Worker, worker_id) is None:
        raise NotFound(_l("No worker with id %(id)s.", id=worker_id))
    return create_user(session, data.username, Role.WORKER.value, data.password, worker_id=worker_id)


def set_password(session: Session, user: User, password: str) -> None:
    """A new password ends the login's page sessions and revokes its API tokens (whoever knew the old one)."""
    check_new_password(password, user.username)
    user.password_hash = hash_password(password)
    end_sessions(user)
    revoke_tokens(session, user)


def authenticate(session: Session, username: str, password: str, remote_addr: str = "") -> User:
    """Check a username and password, recording the attempt; the throttle (farm.services.login_throttle) refuses
    a try while the name, the address or the pair must wait.

    The attempt is recorded in the caller's transaction, so callers commit even when this raises.
    """
    username = (username or "").strip().lower()
    remote_addr = (remote_addr or "")[:64]
    login_throttle.check(session, username, remote_addr)
    user = session.scalar(select(User).where(func.lower(User.username) == username))
    # An unknown name costs the same hashing time as a known one, so timing does not reveal which names exist.
    stored = user.password_hash if user is not None else _dummy_hash()
    ok = check_password_hash(stored, password or "") and user is not None and user.active
    session.add(LoginAttempt(username=username, remote_addr=remote_addr, success=ok, at=clock.now()))
    if not ok:
        raise Unauthorized(_l("Wrong username or password."))
    user.last_login_at = clock.now()
    return user


def end_sessions(user: User) -> None:
    """End every page session of this login (logout, a new password, deactivation)."""
    user.session_version = (user.session_version or 0) + 1


# --- API tokens ---------------------------------------------------------------------------------

TOKEN_CAP = settings.register(SettingSpec(
    "api.max_tokens", 10, _int, _l("Live API tokens one login may get from POST /api/v1/auth/token"),
    minimum=Decimal(1)))
TOKEN_DAYS = settings.register(SettingSpec(
    "api.token_days", 90, _int, _l("Days an API token from POST /api/v1/auth/token lasts (0: no end)"),
    _l("days"), Decimal(0)))


def live_tokens(session: Session, user: User) -> list[ApiToken]:
    """The user's tokens that are neither revoked nor expired, newest first."""
    now = clock.now()
    rows = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                           .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))
    return [t for t in rows if t.live(now)]


def issue_token(session: Session, user: User, name: str = "api") -> str:
    """A token for a client that logged in with its password: at most `api.max_tokens` live at once (Throttled
    beyond, so a script in a loop cannot mint without end), lasting `api.token_days`."""
    cap = settings.get(session, TOKEN_CAP.key)
    if len(live_tokens(session, user)) >= cap:
        raise Throttled(_l("This login already has %(n)d live API tokens, the most allowed. Reuse one, or revoke "
                           "one on the API tokens page first.", n=cap))
    days = settings.get(session, TOKEN_DAYS.key)
    return create_token(session, user, name, expires_at=clock.now() + timedelta(days=days) if days else None)


def create_token(session: Session, user: User, name: str = "", expires_at: datetime | None = None) -> str:
    """A new API token for `user`, ending at `expires_at` when given; the plain token is returned once and only
    its hash is kept."""
    if expires_at is not None and expires_at <= clock.now():
        msg = _l("The end of a token must lie in the future.")
        raise Invalid(msg, {"expires": msg})
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), name=name[:100], expires_at=expires_at))
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> User | None:
    """The active user owning a live (unrevoked, unexpired) token, or None."""
    if not token:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None)))
    now = clock.now()
    if row is None or not row.live(now) or not row.user.active:
        return None
    # Touch last_used_at at most once a minute to keep reads cheap.
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        row.last_used_at = now
    return row.user


def list_tokens(session: Session, user: User | None = None) -> list[ApiToken]:
    """Every token (of one user when given), newest first; revoked and expired ones too, marked by their dates."""
    query = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    return list(session.scalars(query))


def revoke_token(session: Session, token_id: int, owner: User | None = None) -> ApiToken:
    """Revoke a token by id (only among `owner`'s when given: another's answers NotFound, revealing nothing)."""
    row = session.get(ApiToken, token_id)
    if row is None or (owner is not None and row.user_id != owner.id):
        raise NotFound(_l("There is no API token %(id)s.", id=token_id))
    if row.revoked_at is None:
        row.revoked_at = clock.now()
    session.flush()
    return row


def revoke_tokens(session: Session, user: User) -> None:
    """Revoke every live token of a login."""
    now = clock.now()
    for row in user.tokens:
        if row.revoked_at is None:
            row.revoked_at = now


def get_by_username(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(func.lower(User.username) == (username or "").lower()))
    if user is None:
        raise NotFound(_l("No user named %(name)s.", name=username))
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.role, User.username)))


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_l("There is no user %(id)s.", id=user_id))
    return user


def update_user(session: Session, user: User, role: str, active: bool, password: str | None, acting: User) -> User:
    """Change a login's role, active flag or password; an administrator cannot lock themself out."""
    if Role.get(role) is None:
        raise Invalid(_l("Unknown role."), {"role": _l("Unknown role.")})
    if user.id == acting.id and (role != "admin" or not active):
        msg = _l("You cannot remove your own administrator access.")
        raise Conflict(msg, {"role": msg})
    if role == "worker" and user.worker_id is None:
        msg = _l("A worker login must belong to a worker; create a new login for the worker instead.")
        raise Invalid(msg, {"role": msg})
    if password:
        set_password(session, user, password)
    if user.active and not active:
        end_sessions(user)
    user.role = role
    user.active = active
    session.flush()
    return user
