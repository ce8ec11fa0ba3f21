"""Inputs of logins, users and settings."""
from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from farm.inputs import Input, OptionalDate, Text
from farm.vocab import Role


class LoginIn(Input):
    username: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class UserIn(Input):
    """A new login made by an administrator."""

    username: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    role: Role
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    display_name: Text = ""
    worker: int | None = None


class WorkerLoginIn(Input):
    """A login for a worker, made from the worker's page (its role is worker, its worker that one)."""

    username: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class UserChange(Input):
    """An administrator's change to a login: role, active, and optionally a new password."""

    role: Role
    active: bool = False
    password: Annotated[str, StringConstraints(max_length=200)] | None = None


class SettingIn(Input):
    """A new value for a setting, in force from a date (empty: always)."""

    # Empty clears a setting that may be cleared (farm.services.settings decides which).
    value: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    valid_from: OptionalDate = None
