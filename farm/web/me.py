"""A worker's own home page on the phone."""
from __future__ import annotations

from flask import Blueprint, g, render_template

from farm import clock
from farm.permissions import allow

bp = Blueprint("me", __name__)


@bp.get("/me")
@allow("self.read")
def home():
    return render_template("me/home.html", worker=g.user.worker, today=clock.today().isoformat())
