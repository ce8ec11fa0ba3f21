"""The harvest page as an installable app that opens with no signal: its manifest, icons and service worker as
served, and the page itself with no inline script (the service worker and the page's script are static files)."""
from __future__ import annotations

import re
import struct

from farm.models.park import Greenhouse
from tests.conftest import login
from tests.factories import PASSWORD


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_offline_manifest_names_the_app_in_chinese_and_starts_at_the_harvest_page(client, farm):
    response = client.get("/harvest/manifest.webmanifest")  # browsers fetch it without the session's cookie
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json()
    assert manifest["name"] == "温室园区·采收登记" and manifest["short_name"] == "采收登记"
    assert manifest["lang"] == "zh-CN"
    assert manifest["start_url"] == "/harvest" and manifest["scope"] == "/harvest"
    assert manifest["display"] == "standalone"
    sizes = set()
    for icon in manifest["icons"]:
        assert icon["src"].startswith("/static/") and icon["type"] == "image/png"  # local, no CDN
        image = client.get(icon["src"])
        assert image.status_code == 200
        width, height = png_size(image.data)
        assert icon["sizes"] == f"{width}x{height}"
        sizes.add(width)
    assert {192, 512} <= sizes


def test_offline_service_worker_is_served_from_the_root_and_never_kept_stale(client):
    response = client.get("/harvest-sw.js")
    assert response.status_code == 200
    assert response.mimetype in ("text/javascript", "application/javascript")
    assert "no-cache" in response.headers["Cache-Control"]
    script = response.get_data(as_text=True)
    assert 'importScripts("/static/js/harvest-queue.js")' in script
    assert client.get("/static/js/harvest-queue.js").status_code == 200


def test_offline_harvest_page_links_the_app_and_has_no_inline_script(client, session, farm):
    login(client, "worker", PASSWORD)
    page = client.get("/harvest?gh=GH-001").get_data(as_text=True)
    assert '<link rel="manifest" href="/harvest/manifest.webmanifest">' in page
    assert 'data-sw="/harvest-sw.js"' in page and 'data-scope="/harvest"' in page
    scripts = re.findall(r"<script\b[^>]*>", page)
    assert scripts
    for tag in scripts:  # a strict Content-Security-Policy allows script files only (and data as JSON)
        assert " src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+\s*=", page), "no inline event handlers"
    assert "js/harvest-queue.js" in page and "js/harvest.js" in page


def test_offline_page_copy_says_when_it_was_made_and_for_which_greenhouses(client, session, farm):
    session.add(Greenhouse(park=farm.park, code="GH-009", name="9号棚", zone="A区", area_m2=800, status="idle"))
    session.commit()
    login(client, "worker", PASSWORD)
    page = client.get("/harvest").get_data(as_text=True)
    rendered = re.search(r'data-rendered="([^"]+)" data-day="(\d{4}-\d\d-\d\d)"', page)
    assert rendered, "the kept copy tells its age"
    assert '<option value="GH-001"' in page and '<option value="GH-009"' not in page  # planted ones only
