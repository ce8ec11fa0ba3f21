"""Page blueprints, one module per area; each module's `bp` is registered by create_app()."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Callable

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from farm import clock
from farm.db import request_session
from farm.errors import DomainError
from farm.inputs import parse
from farm.permissions import permission_of, role_may


def public_url(endpoint: str, **values) -> str:
    """The address of a page as people and printed QR codes (harvest labels, certificates) open it: always
    FARM_PUBLIC_URL, never the host this request came in at nor anything in the query, so a label printed from a
    link someone sent cannot point phones elsewhere."""
    return current_app.config["FARM"].public_url + url_for(endpoint, **values)


def report_args(default: tuple[date, date], by: str = "day") -> tuple[date, date, str, dict]:
    """A report's `from`, `to` and `by` from the query string (the range `default` when left out), with the values
    to show back in its form; Invalid naming every bad day."""
    values = {"from": request.args.get("from") or default[0].isoformat(),
              "to": request.args.get("to") or default[1].isoformat(), "by": request.args.get("by") or by}
    since, until = clock.parse_range(values["from"], values["to"], required=True)
    return since, until, values["by"], values


def form_input(model, **extra):
    """The submitted form, plus values the page fixes itself, parsed into an input model."""
    return parse(model, {**request.form.to_dict(), **extra})


def field_errors(error: DomainError) -> dict:
    """A refusal's messages by field, as text for a form."""
    return {name: str(why) for name, why in error.fields.items()}


@dataclass
class FormState:
    """What a form page shows: the values in its fields, an error per field, the message above it, its status."""

    values: dict
    errors: dict = field(default_factory=dict)
    message: str | None = None
    status: int = 200

    def render(self, template: str, **context):
        """The page with this state (values, errors, message) and its HTTP status."""
        return render_template(template, values=self.values, errors=self.errors, message=self.message,
                               **context), self.status


def form_action(values: dict, save: Callable[[], tuple[str, str | None]],
                category: str = "success") -> FormState | Response:
    """A form page's POST, once: `save()` parses the form and calls the service, returning where to go next and
    what to tell the user. Then the request's session commits, the message is flashed and the browser is sent on.

    A refusal (DomainError) rolls back and comes back as the state to show again: the typed values, the field
    errors, the message and the status (404, 409, 422 ...). On GET nothing runs and the state shows `values`.
    Use: `state = form_action(values, save)`; return it when it is a Response, else `state.render(template, ...)`.
    A message of None flashes nothing; `category` is the flash's (some areas say "ok").
    """
    if request.method != "POST":
        return FormState(values)
    db = request_session()
    try:
        target, done = save()
        db.commit()
    except DomainError as exc:
        db.rollback()
        return FormState(request.form.to_dict(), field_errors(exc), str(exc.message), exc.status)
    if done is not None:
        flash(str(done), category)
    return redirect(target)


def act_and_redirect(do: Callable[[], str], back_url: str, category: str = "success") -> Response:
    """A POST that goes back to a page either way: `do()` acts and returns the message; a refusal is flashed."""
    db = request_session()
    try:
        done = do()
        db.commit()
    except DomainError as exc:
        db.rollback()
        # These forms sit inside another page, which cannot show errors per field: they go after the message.
        flash(" ".join([str(exc.message), *field_errors(exc).values()]), "error")
        return redirect(back_url)
    flash(str(done), category)
    return redirect(back_url)


# The menu's areas, in the order the bar shows them; each page's link belongs to one.
TODAY, PARK, PEOPLE, LAND, REPORTS, ADMIN = "today", "park", "people", "land", "reports", "admin"
AREAS: dict[str, object] = {TODAY: _l("Today"), PARK: _l("Park"), PEOPLE: _l("People"), LAND: _l("Land"),
                            REPORTS: _l("Reports"), ADMIN: _l("Admin")}


@dataclass(frozen=True)
class NavItem:
    """A link in the main menu, in one area. Who sees it is the linked view's own permission (its `@allow`, read
    through farm.permissions): a link is shown exactly to the roles the page lets in, never decided twice."""

    endpoint: str
    label: object
    area: str
    order: int


@dataclass
class NavGroup:
    """One area of the menu as a role sees it: its label and the links it may follow there."""

    area: str
    label: object
    items: list[NavItem]


NAV: list[NavItem] = []


def nav(endpoint: str, label, area: str, order: int = 50) -> None:
    """Add a menu link to an area; each page module declares its own, so no one edits base.html for it."""
    if area not in AREAS:
        raise ValueError(f"unknown menu area {area!r}")
    if all(item.endpoint != endpoint for item in NAV):
        NAV.append(NavItem(endpoint, label, area, order))


def nav_items() -> list[NavItem]:
    return sorted(NAV, key=lambda item: item.order)


def nav_groups(role: str | None) -> list[NavGroup]:
    """The menu for a role: the areas holding a link it may follow, each with those links in order."""
    views = current_app.view_functions
    groups = []
    for area, area_label in AREAS.items():
        items = [item for item in nav_items() if item.area == area
                 and role_may(role, permission_of(views.get(item.endpoint)))]
        if items:
            groups.append(NavGroup(area, area_label, items))
    return groups
