"""The one permission policy: which role may use which view, for pages and API alike.

Every view declares a permission with `@allow(...)`. A view without one is refused to
everybody (fail closed), so a new route cannot be left open by forgetting.
"""
from __future__ import annotations

from typing import Callable

from farm.vocab import Role

PUBLIC = "public"  # no login needed
SIGNED_IN = "signed_in"  # any role

ADMIN, MANAGER, WORKER, VIEWER, OFFICIAL = Role.ADMIN, Role.MANAGER, Role.WORKER, Role.VIEWER, Role.OFFICIAL

# permission -> roles that hold it (the README's table of roles says the same in words)
POLICY: dict[str, frozenset[str]] = {
    SIGNED_IN: frozenset(Role),
    "park.read": frozenset({ADMIN, MANAGER, VIEWER}),
    # The dashboard page: each panel on it still needs its own permission (the official sees land and warnings).
    "dashboard.read": frozenset({ADMIN, MANAGER, VIEWER, OFFICIAL}),
    "park.manage": frozenset({ADMIN, MANAGER}),
    "reports.read": frozenset({ADMIN, MANAGER, VIEWER}),
    "harvest.log": frozenset({ADMIN, MANAGER, WORKER}),
    # Harvest records: a worker reads their own (the service narrows it), a village official none (park operations).
    "harvest.read": frozenset({ADMIN, MANAGER, WORKER, VIEWER}),
    # Correct any field of anyone's harvest record (a worker corrects only some fields of their own: services.harvest).
    "harvest.correct_any": frozenset({ADMIN, MANAGER}),
    "self.read": frozenset({WORKER}),
    "people.read": frozenset({ADMIN, MANAGER}),
    "people.manage": frozenset({ADMIN, MANAGER}),
    # Pay and jobs: managers read everyone's, a worker only their own (the view narrows it).
    "people.own": frozenset({ADMIN, MANAGER, WORKER}),
    # One worker's payslip: a manager anyone's, a worker their own, a village official a household member's (the
    # view narrows it: farm.services.people.readable_payslip).
    "people.payslip": frozenset({ADMIN, MANAGER, WORKER, OFFICIAL}),
    "land.manage": frozenset({ADMIN, MANAGER}),
    # Households, land contracts and rent (the village official files and follows them too).
    "land.read": frozenset({ADMIN, MANAGER, VIEWER, OFFICIAL}),
    # A named household's income, its warnings and follow-ups (the viewer sees totals only: livelihoods.totals).
    "livelihoods.read": frozenset({ADMIN, MANAGER, OFFICIAL}),
    # Record other income, follow up and close warnings.
    "livelihoods.record": frozenset({ADMIN, MANAGER, OFFICIAL}),
    # The income and 联农带农 reports as totals, without a named household.
    "livelihoods.totals": frozenset({ADMIN, MANAGER, VIEWER, OFFICIAL}),
    # The asset ledgers (三本账), their returns and distributions.
    "assets.read": frozenset({ADMIN, MANAGER, VIEWER, OFFICIAL}),
    "assets.manage": frozenset({ADMIN}),
    # Packing, losses, buyers and their prices, shipments and payments (reading them is reports.read).
    "sales.manage": frozenset({ADMIN, MANAGER}),
    "sensors.manage": frozenset({ADMIN, MANAGER}),
    # Record sprays, keep the list of pesticide products, and log a harvest inside a pre-harvest interval with a
    # reason (everyone with park.read reads the spraying records).
    "sprays.manage": frozenset({ADMIN, MANAGER}),
    # A worker's own login (role worker, bound to that worker), made from the worker's page. Logins are users, and
    # managing users is the admin's alone; every other login and any change of role is users.manage.
    "people.logins": frozenset({ADMIN}),
    "users.manage": frozenset({ADMIN}),
    "settings.manage": frozenset({ADMIN}),
}

# Who sees ID numbers, bank accounts and phone numbers in full: farm.services.privacy (RULES).


def allow(permission: str) -> Callable:
    """Mark a view with the permission it needs."""
    if permission != PUBLIC and permission not in POLICY:
        raise ValueError(f"unknown permission {permission!r}")

    def mark(view: Callable) -> Callable:
        view.farm_permission = permission
        return view

    return mark


def permission_of(view: Callable | None) -> str | None:
    return getattr(view, "farm_permission", None)


def role_may(role: str | None, permission: str | None) -> bool:
    """True when `role` holds `permission`; an unmarked view is allowed to no one."""
    if permission is None:
        return False
    if permission == PUBLIC:
        return True
    return role is not None and role in POLICY[permission]


def can(user, permission: str) -> bool:
    """For templates and services: may this user do that?"""
    return user is not None and role_may(user.role, permission)
