"""The dashboard: one page where each area shows its panel (today's harvest, rent due, alerts ...)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import Blueprint, g, render_template
from flask_babel import lazy_gettext as _l

from farm.db import request_session
from farm.permissions import allow, can
from farm.services import park
from farm.web import TODAY, nav

bp = Blueprint("dashboard", __name__)
nav("dashboard.index", _l("Dashboard"), TODAY, 1)


@dataclass(frozen=True)
class Panel:
    """A dashboard panel: a template, the function that builds its context from a session, and who sees it."""

    template: str
    context: Callable
    permission: str
    order: int


PANELS: list[Panel] = []


def panel(template: str, context: Callable, permission: str = "park.read", order: int = 50) -> None:
    """Add a panel; area page modules call this at import time."""
    if all(p.template != template for p in PANELS):
        PANELS.append(Panel(template, context, permission, order))


def _park_panel(session) -> dict:
    return {"counts": park.overview_counts(park.list_greenhouses(session))}


panel("dashboard/_park.html", _park_panel, "park.read", 90)


@bp.get("/dashboard")
@allow("dashboard.read")
def index():
    session = request_session()
    shown = [(p.template, p.context(session)) for p in sorted(PANELS, key=lambda p: p.order) if can(g.user, p.permission)]
    return render_template("dashboard/index.html", panels=shown)
