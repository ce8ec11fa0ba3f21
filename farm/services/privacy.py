"""Personal data, once: who sees ID numbers, bank accounts and phone numbers, and how they are hidden.

The rules, per kind of value (`RULES`; the README's table of roles says the same in words):

- ID numbers (身份证号) and bank accounts: in full for an admin only; masked for every other role (the first and
  last four characters, stars between), so a manager or a village official can still tell two records apart;
- phone numbers: in full for an admin, a manager and a village official (who call households); masked for
  everyone else, except that a worker sees the phone number on their own record in full, so they can check it;
- a viewer (reports only) never sees any of them: every character is a star.

A worker's ID number stays masked for them as for everyone who is not an admin. Pages, the API and the exports
(the land ledger) all ask here, for workers and households alike.
"""
from __future__ import annotations

from typing import Mapping

from farm.vocab import Role

FULL, MASKED, HIDDEN = "full", "masked", "hidden"
KINDS = ("id_number", "bank_account", "phone")

# kind -> role -> how that role sees it; a role not named sees it MASKED, no login sees it HIDDEN.
RULES: dict[str, dict[str, str]] = {
    "id_number": {Role.ADMIN: FULL, Role.VIEWER: HIDDEN},
    "bank_account": {Role.ADMIN: FULL, Role.VIEWER: HIDDEN},
    "phone": {Role.ADMIN: FULL, Role.MANAGER: FULL, Role.OFFICIAL: FULL, Role.VIEWER: HIDDEN},
}
# How much of each kind stays readable when MASKED: (characters kept at the start, characters kept at the end).
KEEP = {"id_number": (4, 4), "bank_account": (4, 4), "phone": (3, 4)}
# What a worker sees in full on their own record.
OWN_IN_FULL = frozenset({"phone"})


def rule(name: str, user) -> str:
    """How `user` sees values of kind `name`: FULL, MASKED or HIDDEN."""
    if user is None:
        return HIDDEN
    return RULES[name].get(user.role, MASKED)


def sees_in_full(name: str, user) -> bool:
    """Whether `user` sees values of kind `name` (a key of RULES) in full on any record."""
    return rule(name, user) == FULL


def is_own(user, worker_id: int | None) -> bool:
    """Whether `user` is the login of the worker `worker_id`."""
    return user is not None and worker_id is not None and getattr(user, "worker_id", None) == worker_id


def mask(value: str | None, keep_start: int = 4, keep_end: int = 4) -> str:
    """`1503**********1234`: the first and last few characters, stars between; a short value all stars; empty
    (or None) stays empty."""
    value = value or ""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[len(value) - keep_end:]


def shown(name: str, value: str | None, user, own: bool = False) -> str:
    """One personal value (`name` is a key of RULES) as `user` may see it; `own`: it is on the user's own record."""
    how = FULL if own and name in OWN_IN_FULL else rule(name, user)
    if how == FULL:
        return value or ""
    if how == HIDDEN:
        return mask(value, 0, 0)
    return mask(value, *KEEP[name])


def personal(record, user, fields: tuple[str, ...], worker_id: int | None = None) -> dict:
    """The record's personal `fields` as `user` may see them; `worker_id` is the worker the record is about,
    if any (a worker sees their own as OWN_IN_FULL says)."""
    own = is_own(user, worker_id)
    return {name: shown(name, getattr(record, name), user, own) for name in fields}


# --- edit forms ----------------------------------------------------------------------------------------------

def unseen(user, kinds: tuple[str, ...]) -> tuple[str, ...]:
    """The kinds among `kinds` that `user` does not see in full."""
    return tuple(name for name in kinds if not sees_in_full(name, user))


def form_values(values: dict, user, kinds: tuple[str, ...]) -> dict:
    """An edit form's values with the personal ones `user` may not read left empty: the page shows them masked
    beside the field (`personal`), and an empty field keeps the value on record (`kept`)."""
    return {**values, **{name: "" for name in unseen(user, kinds)}}


def kept(submitted: Mapping, record, user, kinds: tuple[str, ...]) -> dict:
    """For an edit form sent back: the values on record of the personal fields `user` may not read and left
    empty (so saving a form never overwrites what its user could not see); a typed value replaces it."""
    if record is None:
        return {}
    return {name: getattr(record, name) for name in unseen(user, kinds)
            if not str(submitted.get(name) or "").strip()}
