"""The harvest page as an installable web app that opens with no signal: its manifest and its service worker.

Both are public: the browser fetches the manifest without the session's cookie, and the worker script holds no
data (what it keeps is what the logged-in page gave it). The worker is served from the site's root so that its
scope can cover /harvest (a worker script under /static/ could only control /static/); it is registered with
that scope only, and it leaves every other page to the network (farm/static/js/harvest-sw.js)."""
from __future__ import annotations

from flask import current_app, jsonify, send_from_directory, url_for
from flask_babel import gettext as _

from farm.i18n import current_language
from farm.permissions import PUBLIC, allow
from farm.web.harvest import bp

THEME = "#1b5e20"  # the top bar's green (app.css)


@bp.get("/harvest-sw.js")
@allow(PUBLIC)
def service_worker():
    response = send_from_directory(current_app.static_folder, "js/harvest-sw.js", mimetype="text/javascript",
                                   max_age=0)
    # A new version of the worker reaches the phones at their next visit with signal.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/harvest/manifest.webmanifest")
@allow(PUBLIC)
def manifest():
    response = jsonify({
        "name": _("Greenhouse park: log harvest"),
        "short_name": _("Log harvest"),
        "lang": "en" if current_language() == "en" else "zh-CN",
        "start_url": url_for("harvest.log"),
        "scope": url_for("harvest.log"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME,
        "icons": [{"src": url_for("static", filename=f"icons/harvest-{size}.png"), "sizes": f"{size}x{size}",
                   "type": "image/png", "purpose": "any"} for size in (192, 512)],
    })
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    return response
