"""Personal data, once: who sees ID numbers, bank accounts and phone numbers in full, and how they are masked.

Admins and managers (farm.permissions.SEES_PERSONAL_DATA) see them in full. A worker sees the phone number on
their own record in full, so they can check it; their ID number stays masked for them as for everyone else who is
not a manager. Everyone else sees every such value masked: the first and last few characters, stars between.
Pages, the API and the exports (the land ledger) all ask here, for workers and households alike.
"""
from __future__ import annotations

from farm.permissions import SEES_PERSONAL_DATA

# How much of each kind of value stays readable: (characters kept at the start, characters kept at the end).
KEEP = {"id_number": (4, 4), "bank_account": (4, 4), "phone": (3, 4)}
# What a worker sees in full on their own record.
OWN_IN_FULL = frozenset({"phone"})


def sees_personal_data(user) -> bool:
    """Admins and managers see ID numbers, bank accounts and phone numbers in full."""
    return user is not None and user.role in SEES_PERSONAL_DATA


def is_own(user, worker_id: int | None) -> bool:
    """Whether `user` is the login of the worker `worker_id`."""
    return user is not None and worker_id is not None and getattr(user, "worker_id", None) == worker_id


def mask(value: str | None, keep_start: int = 4, keep_end: int = 4) -> str:
    """`1503**********1234`: the first and last few characters, stars between; a short value all stars; empty
    (or None) stays empty."""
    value = value or ""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


def shown(name: str, value: str | None, user, own: bool = False) -> str:
    """One personal value (`name` is a key of KEEP) as `user` may see it; `own`: it is on the user's own record."""
    if sees_personal_data(user) or (own and name in OWN_IN_FULL):
        return value or ""
    return mask(value, *KEEP[name])


def personal(record, user, fields: tuple[str, ...], worker_id: int | None = None) -> dict:
    """The record's personal `fields` as `user` may see them; `worker_id` is the worker the record is about,
    if any (a worker sees their own as OWN_IN_FULL says)."""
    own = is_own(user, worker_id)
    return {name: shown(name, getattr(record, name), user, own) for name in fields}
