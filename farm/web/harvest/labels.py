"""Printable QR labels, one per greenhouse, each opening the harvest page with that greenhouse chosen."""
from __future__ import annotations

from flask import render_template, request

from farm.db import request_session
from farm.permissions import allow
from farm.services import park
from farm.web import public_url
from farm.web.harvest import bp


@bp.get("/harvest/labels")
@allow("park.manage")
def labels():
    """A printable sheet: one QR label per greenhouse that opens the harvest page with it chosen."""
    import segno  # only this sheet draws QR codes

    db = request_session()
    only = (request.args.get("gh") or "").upper()
    sheet = []
    for gh in park.list_greenhouses(db):
        if only and gh.code != only:
            continue
        planting = park.current_planting(gh)
        # Phones reach the server at the park's public address (FARM_PUBLIC_URL), whatever this page was opened at.
        link = public_url("harvest.log", gh=gh.code)
        svg = segno.make(link, error="m").svg_inline(scale=4, border=2, dark="#000")
        sheet.append({"greenhouse": gh, "planting": planting, "link": link, "svg": svg})
    return render_template("harvest/labels.html", sheet=sheet, base=public_url("harvest.log").rsplit("/", 1)[0])
