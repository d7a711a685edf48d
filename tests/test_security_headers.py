import logging
import re

import pytest
from flask import Flask

from expenses_app import create_app
from expenses_app.extensions import db

from .conftest import csrf_token
from .factories import make_user

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HTTPS = "https://localhost"


def assert_hardened(response):
    csp = response.headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp
    for name, value in EXPECTED.items():
        assert response.headers.getlist(name) == [value]
    assert response.headers.getlist("Referrer-Policy") in (
        ["same-origin"],
        ["strict-origin-when-cross-origin"],
    )
    assert len(response.headers.getlist("Content-Security-Policy")) == 1


@pytest.fixture
def boom(app, monkeypatch):
    """Make /health raise, as any bug in a view would."""

    def explode():
        raise RuntimeError("secret internals /srv/app.py")

    monkeypatch.setitem(app.view_functions, "health.health", explode)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/auth/login", 200),
        ("GET", "/", 302),
        ("GET", "/no/such/page", 404),
        ("GET", "/auth/logout", 405),
        ("POST", "/auth/login", 400),
        ("GET", "/static/css/app.css", 200),
        ("GET", "/health", 200),
        ("GET", "/health/db", 200),
    ],
)
def test_security_headers_on_pages_redirects_errors_static_and_health(client, method, path, status):
    with client.open(path, method=method) as response:
        assert response.status_code == status
        assert_hardened(response)
        assert "Strict-Transport-Security" not in response.headers


def test_security_headers_on_a_500_page_that_leaks_nothing(app, client, boom, caplog):
    caplog.set_level(logging.ERROR)

    response = client.get("/health")

    assert response.status_code == 500
    assert_hardened(response)
    body = response.get_data(as_text=True)
    assert "secret internals" not in body and "Traceback" not in body


def test_html_500_page_is_in_the_layout_with_a_logged_request_id(app, client, monkeypatch, caplog):
    caplog.set_level(logging.ERROR)

    def explode():
        raise RuntimeError("secret internals")

    monkeypatch.setitem(app.view_functions, "auth.login", explode)

    response = client.get("/auth/login")

    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internals" not in body and "Traceback" not in body
    assert '<main id="main"' in body
    request_id = re.search(r"Reference: <code>([0-9a-f]+)</code>", body).group(1)
    assert request_id in caplog.text
    assert "secret internals" in caplog.text


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/no/such/page", 404, "Page not found"),
        ("/auth/logout", 405, "Method not allowed"),
        ("/console", 404, "Page not found"),
    ],
)
def test_error_pages_render_in_the_layout(client, path, status, words):
    response = client.get(path)

    assert response.status_code == status
    body = response.get_data(as_text=True)
    assert words in body and '<main id="main"' in body and "Traceback" not in body


def test_too_large_request_is_413_in_the_layout(app, client):
    big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)

    response = client.post(
        "/auth/login", data={"login": big}, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 413
    assert_hardened(response)
    assert "Too large" in response.get_data(as_text=True)


def test_csrf_failure_is_a_400_page(client):
    response = client.post("/auth/login", data={"login": "a", "password": "b"})

    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert '<main id="main"' in response.get_data(as_text=True)


def test_authenticated_pages_are_not_cached_but_static_files_may_be(client, logged_in):
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert client.get("/auth/account").headers["Cache-Control"] == "no-store"
    with client.get("/static/css/app.css") as static:
        assert "no-store" not in static.headers.get("Cache-Control", "")


def test_trace_is_not_allowed(client):
    assert client.open("/auth/login", method="TRACE").status_code == 405


def test_debug_is_off_outside_development(app):
    assert not app.debug
    assert app.config["APP_ENV"] == "testing"


@pytest.fixture
def production_app(app: Flask):
    """The production config over the test database, reached as https://localhost."""
    prod = create_app(
        {
            "APP_ENV": "production",
            "SECRET_KEY": "production-test-secret-" + "x" * 32,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "TRUSTED_HOSTS": ["localhost"],
            "RATELIMIT_ENABLED": False,
        }
    )
    yield prod
    with prod.app_context():
        db.engine.dispose()


def https_client(prod):
    client = prod.test_client()
    client.environ_base.update({"wsgi.url_scheme": "https", "HTTP_REFERER": HTTPS + "/auth/login"})
    return client


def test_production_cookies_are_secure_host_only_and_short_lived(app, production_app):
    user = make_user(app, "alice")
    client = https_client(production_app)
    token = csrf_token(client)

    response = client.post(
        "/auth/login",
        base_url=HTTPS,
        data={"login": "alice", "password": user.password, "remember": "y", "csrf_token": token},
    )

    assert response.status_code == 302
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert set(cookies) == {"__Host-session", "__Host-remember"}
    for header in cookies.values():
        for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
            assert flag in header
        assert "Domain" not in header
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert_hardened(response)


def test_production_https_post_needs_a_same_origin_referer(app, production_app):
    client = https_client(production_app)
    token = csrf_token(client)
    client.environ_base.pop("HTTP_REFERER")
    for referer in (None, "http://localhost/", "https://other/", "https://localhost:8080/"):
        headers = {"Referer": referer} if referer else {}
        response = client.post(
            "/auth/login",
            base_url=HTTPS,
            data={"login": "x", "password": "y", "csrf_token": token},
            headers=headers,
        )
        assert response.status_code == 400, referer
    ok = client.post(
        "/auth/login",
        base_url=HTTPS,
        data={"login": "x", "password": "y", "csrf_token": token},
        headers={"Referer": HTTPS + "/auth/login"},
    )
    assert ok.status_code == 422


def test_production_refuses_an_untrusted_host(production_app):
    response = https_client(production_app).get("/auth/login", base_url="https://evil.example")
    assert response.status_code == 400


def test_production_has_no_debugger_console(production_app):
    assert not production_app.debug
    assert https_client(production_app).get("/console", base_url=HTTPS).status_code == 404


def test_no_hsts_over_plain_http_even_in_production(production_app):
    response = production_app.test_client().get("/auth/login", base_url="http://localhost")
    assert "Strict-Transport-Security" not in response.headers


def test_logged_in_pages_carry_the_headers(client, logged_in):
    for path in ("/", "/auth/account", "/expenses/", "/categories/", "/budgets/", "/reports"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_hardened(response)
