"""Response hardening: security headers on every response, safe redirects."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
# Sends the origin to the app itself, which Flask-WTF's HTTPS referrer check needs.
REFERRER_POLICY = "same-origin"
# What every response gets unless its view set its own (a receipt download sets its CSP).
DEFAULT_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", REFERRER_POLICY),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


def register_security(app: Flask) -> None:
    """The proxy fix (when configured) and the security headers on every response."""
    if app.config.get("PROXY_FIX_COUNT"):
        count = app.config["PROXY_FIX_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        """Add the CSP and the other defaults a view did not set itself."""
        headers = response.headers
        defaults = DEFAULT_HEADERS
        if app.config.get("HSTS") and request.is_secure:
            defaults += (HSTS,)
        # One pass over the headers instead of a setdefault each, which costs a
        # scan and a KeyError per header the view did not set.
        present = set(headers.keys(lower=True))
        headers.extend([(name, value) for name, value in defaults if name.lower() not in present])
        if _is_private():
            headers["Cache-Control"] = "no-store"
        return response


def _is_private() -> bool:
    # Pages and files that may show someone's data must not sit in shared caches.
    return not request.path.startswith("/static/")


def safe_next_url(target: str | None) -> str | None:
    """`target` when it is a local path on this site, otherwise None.

    Browsers treat `\\` like `/` and ignore control characters, so both are
    normalised before checking that there is no scheme and no host.
    """
    if not target:
        return None
    cleaned = _CONTROL_CHARS.sub("", target).replace("\\", "/").strip()
    if not cleaned.startswith("/") or cleaned.startswith("//"):
        return None
    parts = urlsplit(cleaned)
    if parts.scheme or parts.netloc:
        return None
    return target if target == cleaned else None
