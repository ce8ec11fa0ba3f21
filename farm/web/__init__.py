"""Page blueprints, one module per area; each module's `bp` is registered by create_app()."""
from __future__ import annotations

from dataclasses import dataclass

from flask import request

from farm.errors import DomainError
from farm.inputs import parse


def form_input(model, **extra):
    """The submitted form, plus values the page fixes itself, parsed into an input model."""
    return parse(model, {**request.form.to_dict(), **extra})


def field_errors(error: DomainError) -> dict:
    return {name: str(why) for name, why in error.fields.items()}


@dataclass(frozen=True)
class NavItem:
    """A link in the main menu, shown to roles holding `permission`."""

    endpoint: str
    label: object
    permission: str
    order: int


NAV: list[NavItem] = []


def nav(endpoint: str, label, permission: str, order: int = 50) -> None:
    """Add a menu link; each page module declares its own, so no one edits base.html for it."""
    if all(item.endpoint != endpoint for item in NAV):
        NAV.append(NavItem(endpoint, label, permission, order))


def nav_items() -> list[NavItem]:
    return sorted(NAV, key=lambda item: item.order)
