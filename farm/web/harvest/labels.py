"""Printable QR labels, one per greenhouse, each opening the harvest page with that greenhouse chosen."""
from __future__ import annotations

import re

from flask import render_template, request, url_for
from flask_babel import gettext as _

from farm.db import request_session
from farm.permissions import allow
from farm.services import park
from farm.web.harvest import bp

# The address phones open: http(s), a host or IP, an optional port and path; nothing a label could run.
BASE = re.compile(r"https?://[\w.\-]+(:\d{1,5})?(/[\w.\-/]*)?")


@bp.get("/harvest/labels")
@allow("park.manage")
def labels():
    """A printable sheet: one QR label per greenhouse that opens the harvest page with it chosen."""
    import segno  # only this sheet draws QR codes

    db = request_session()
    only = (request.args.get("gh") or "").upper()
    # Phones reach the server at the park's own address, which may differ from the one this page was opened at.
    base = (request.args.get("base") or "").strip().rstrip("/")
    error = None
    if base and not BASE.fullmatch(base):
        base, error = "", _("Enter an address such as http://192.168.1.10:8000")
    sheet = []
    for gh in park.list_greenhouses(db):
        if only and gh.code != only:
            continue
        planting = park.current_planting(gh)
        path = url_for("harvest.log", gh=gh.code)
        link = base + path if base else url_for("harvest.log", gh=gh.code, _external=True)
        svg = segno.make(link, error="m").svg_inline(scale=4, border=2, dark="#000")
        sheet.append({"greenhouse": gh, "planting": planting, "link": link, "svg": svg})
    return render_template("harvest/labels.html", sheet=sheet, base=base or request.host_url.rstrip("/"), error=error)
