"""Logins: passwords, roles, API tokens and the failed-login throttle."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from farm import clock
from farm.errors import Conflict, Invalid, NotFound, Throttled, Unauthorized
from farm.models.auth import ApiToken, LoginAttempt, User
from farm.models.people import Worker
from farm.services import settings
from farm.vocab import Role

MIN_PASSWORD_LENGTH = 8
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


def check_new_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        msg = _l("A password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
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
    check_new_password(password)
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
    check_new_password(password)
    user.password_hash = hash_password(password)


def _recent_failures(session: Session, username: str) -> int:
    pause = timedelta(minutes=settings.get(session, "login.pause_minutes"))
    since = clock.now() - pause
    last_success = session.scalar(
        select(func.max(LoginAttempt.at)).where(LoginAttempt.username == username, LoginAttempt.success.is_(True))
    )
    if last_success is not None and last_success > since:
        since = last_success
    return session.scalar(
        select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.username == username, LoginAttempt.success.is_(False), LoginAttempt.at > since
        )
    ) or 0


def authenticate(session: Session, username: str, password: str, remote_addr: str = "") -> User:
    """Check a username and password, recording the attempt; throttle after repeated failures.

    The attempt is recorded in the caller's transaction, so callers commit even when this raises.
    """
    username = (username or "").strip().lower()
    limit = settings.get(session, "login.max_failures")
    if _recent_failures(session, username) >= limit:
        minutes = settings.get(session, "login.pause_minutes")
        raise Throttled(_l("Too many failed logins. Try again in %(minutes)d minutes.", minutes=minutes))
    user = session.scalar(select(User).where(func.lower(User.username) == username))
    # An unknown name costs the same hashing time as a known one, so timing does not reveal which names exist.
    stored = user.password_hash if user is not None else _dummy_hash()
    ok = check_password_hash(stored, password or "") and user is not None and user.active
    session.add(LoginAttempt(username=username, remote_addr=remote_addr[:64], success=ok))
    if not ok:
        raise Unauthorized(_l("Wrong username or password."))
    user.last_login_at = clock.now()
    return user


def create_token(session: Session, user: User, name: str = "") -> str:
    """A new API token for `user`; the plain token is returned once and only its hash is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), name=name))
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> User | None:
    """The active user owning an unrevoked token, or None."""
    if not token:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None)))
    if row is None or not row.user.active:
        return None
    now = clock.now()
    # Touch last_used_at at most once a minute to keep reads cheap.
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        row.last_used_at = now
    return row.user


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
    user.role = role
    user.active = active
    session.flush()
    return user
