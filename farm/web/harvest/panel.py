"""The dashboard's panel of today's harvest against the daily target."""
from __future__ import annotations

from farm.services import harvest as harvests
from farm.web.dashboard import panel


def _dashboard(session) -> dict:
    return {"summary": harvests.day_summary(session)}


panel("harvest/_dashboard.html", _dashboard, "park.read", 10)
