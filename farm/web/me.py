"""A worker's own home page on the phone."""
from __future__ import annotations

from flask import Blueprint, g, render_template
from flask_babel import lazy_gettext as _l

from farm import clock
from farm.permissions import allow
from farm.web import nav

bp = Blueprint("me", __name__)
nav("me.home", _l("Me"), "self.read", 5)


@bp.get("/me")
@allow("self.read")
def home():
    return render_template("me/home.html", worker=g.user.worker, today=clock.today().isoformat())
