"""What every response says about itself to the browser: the security headers, cookies marked secure behind
TLS, and the client's real address and scheme behind a reverse proxy.

- Content-Security-Policy: scripts only from our own static files (no inline script, no event attributes: pages
  wire their handlers in farm/static/js/); styles from our files, plus inline `style` attributes, which pages
  use for data-driven widths and crop colours and which cannot run code; no plugins, no framing by anyone
  (frame-ancestors 'none', and X-Frame-Options for older browsers); forms post only to us.
- X-Content-Type-Options nosniff, Referrer-Policy same-origin.
- Cache-Control no-store on every page and API answer made for a signed-in user (they carry personal data:
  names, pay, phones), so neither a shared computer's cache nor a proxy keeps them.
- FARM_HTTPS=1: session and language cookies only over TLS, and Strict-Transport-Security.
- FARM_PROXIES=N: trust the last N proxies' X-Forwarded-For/-Proto/-Host (werkzeug's ProxyFix), so the login
  throttle counts the client's address, not the proxy's. Zero (default) trusts no forwarded header.
"""
from __future__ import annotations

from flask import Flask, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HSTS = "max-age=31536000"


def init_app(app: Flask, https: bool, proxies: int) -> None:
    """Mark cookies secure behind TLS, trust `proxies` reverse proxies, and add the headers to every answer."""
    app.config.update(SESSION_COOKIE_SECURE=https, PREFERRED_URL_SCHEME="https" if https else "http")
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        if https:
            headers.setdefault("Strict-Transport-Security", HSTS)
        if g.get("user") is not None and request.endpoint != "static":
            headers["Cache-Control"] = "no-store"
        return response
