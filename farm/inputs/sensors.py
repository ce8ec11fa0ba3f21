"""Inputs of the sensors area: a manager names, moves, enables or disables a device."""
from __future__ import annotations

from farm.inputs import Code, Input, Text


class DeviceChange(Input):
    """Change a device; only the fields given change."""

    name: Text | None = None
    greenhouse: Code | None = None
    enabled: bool | None = None
