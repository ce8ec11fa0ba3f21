"""Harvest pages, one module per concern, all on the one `harvest` blueprint (endpoints `harvest.*`):

- `log`: the worker's phone page (with an offline queue in its script), a record, its correction and void;
- `offline`: the manifest and service worker that make the phone page an app that opens with no signal;
- `records`: the manager's list of records and its exports;
- `labels`: printable QR labels per greenhouse;
- `panel`: the dashboard's panel of today's harvest.
"""
from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from farm.web import PARK, TODAY, nav

bp = Blueprint("harvest", __name__)
nav("harvest.log", _l("Log harvest"), TODAY, 3)
nav("harvest.index", _l("Harvests"), PARK, 20)

# The modules add their views to `bp` when imported.
from farm.web.harvest import labels, log, offline, panel, records  # noqa: E402,F401
