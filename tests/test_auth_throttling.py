import http.cookiejar
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from flask_limiter.util import get_qualified_name
from limits.storage import storage_from_string
from sqlalchemy import select

from expenses_app.auth import throttling
from expenses_app.auth.limiter_storage import SCHEME, DatabaseStorage, register_storage_scheme
from expenses_app.extensions import db, limiter
from expenses_app.models import RateLimitCounter

from .conftest import CSRF_RE, post_form
from .factories import make_user


@pytest.fixture
def throttled(app, monkeypatch):
    """Throttling on, with a clock the test can move."""
    clock = {"now": time.time()}
    monkeypatch.setattr("expenses_app.auth.limiter_storage.now", lambda: clock["now"])
    app.config.update(
        RATELIMIT_ENABLED=True,
        RATELIMIT_LOGIN_PER_ACCOUNT="5 per 15 minutes",
        RATELIMIT_LOGIN_PER_ADDRESS="8 per 15 minutes",
    )
    yield clock
    app.config.update(
        RATELIMIT_ENABLED=False,
        RATELIMIT_LOGIN_PER_ACCOUNT="5 per 15 minutes",
        RATELIMIT_LOGIN_PER_ADDRESS="30 per 15 minutes",
    )


def attempt(client, login, password):
    return post_form(client, "/auth/login", {"login": login, "password": password})


def test_sixth_try_is_refused_even_with_the_right_password_until_the_window_passes(
    app, client, throttled, monkeypatch
):
    alice = make_user(app, "alice")
    for _ in range(5):
        assert attempt(client, "alice", "wrong password!").status_code == 422
    hashed = []
    monkeypatch.setattr(
        "expenses_app.auth.services.verify_password", lambda *args: hashed.append(args)
    )

    refused = attempt(client, "ALICE", alice.password)

    assert refused.status_code == 429
    assert "Too many attempts" in refused.get_data(as_text=True)
    assert refused.headers["Content-Security-Policy"]
    assert hashed == []
    assert client.get("/").status_code == 302
    monkeypatch.undo()
    monkeypatch.setattr("expenses_app.auth.limiter_storage.now", lambda: throttled["now"])

    throttled["now"] += 15 * 60 + 1
    assert attempt(client, "alice", alice.password).status_code == 302
    assert client.get("/").status_code == 200


def test_the_account_limit_counts_across_email_and_username_spellings(app, client, throttled):
    make_user(app, "alice", email="alice@example.com")
    for login in ("alice", " Alice", "ALICE ", "alice", "aLiCe"):
        attempt(client, login, "wrong password!")

    assert attempt(client, "alice", "wrong password!").status_code == 429


def test_one_accounts_lockout_does_not_lock_out_another(app, client, throttled):
    make_user(app, "alice")
    bob = make_user(app, "bob")
    for _ in range(5):
        attempt(client, "alice", "wrong password!")

    assert attempt(client, "bob", bob.password).status_code == 302


def test_the_address_limit_stops_guessing_many_usernames(app, client, throttled):
    for number in range(8):
        assert attempt(client, f"someone{number}", "wrong password!").status_code == 422

    assert attempt(client, "someone-new", "wrong password!").status_code == 429


def test_successful_logins_do_not_count(app, throttled):
    alice = make_user(app, "alice")
    for _ in range(7):
        browser = app.test_client()
        assert attempt(browser, "alice", alice.password).status_code == 302


def test_failures_are_counted_in_the_shared_database(app, client, throttled):
    attempt(client, "alice", "wrong password!")
    attempt(client, "alice", "wrong password!")

    with app.app_context():
        hits = sorted(db.session.scalars(select(RateLimitCounter.hits)))
        keys = list(db.session.scalars(select(RateLimitCounter.key)))
    assert hits == [2, 2]
    assert not any("alice" in key for key in keys)


def test_get_of_the_login_page_is_never_throttled(app, client, throttled):
    for _ in range(12):
        assert client.get("/auth/login").status_code == 200


def test_the_login_view_is_the_only_one_with_limits(app):
    # Every other request skips the limiter (throttling._not_throttled): a limit
    # put on another view would never be checked.
    assert throttling._throttled_views == {app.view_functions["auth.login"]}
    assert limiter._marked_for_limiting == {get_qualified_name(app.view_functions["auth.login"])}


def test_storage_counts_windows_and_expires_them(app, throttled):
    storage = DatabaseStorage()
    with app.app_context():
        assert storage.check()
        assert storage.get("k") == 0
        assert storage.incr("k", 60) == 1
        assert storage.incr("k", 60, amount=2) == 3
        assert storage.get("k") == 3
        assert storage.get_expiry("k") == pytest.approx(throttled["now"] + 60)
        throttled["now"] += 61
        assert storage.get("k") == 0
        assert storage.incr("k", 60) == 1
        assert storage.get_expiry("k") == pytest.approx(throttled["now"] + 60)
        storage.clear("k")
        assert storage.get("k") == 0
        storage.incr("a", 60)
        storage.incr("b", 60)
        assert storage.reset() == 2


def test_limiter_uses_the_database_storage(app):
    assert isinstance(limiter.storage, DatabaseStorage)


def test_the_storage_scheme_is_registered_by_a_call_once(app):
    assert register_storage_scheme() is register_storage_scheme()
    assert type(storage_from_string(f"{SCHEME}://")) is register_storage_scheme()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Browser:
    """A tiny cookie-keeping HTTP client for a real server on 127.0.0.1."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=20) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def post_form(self, path: str, data: dict) -> int:
        _status, html = self.request(path)
        match = CSRF_RE.search(html)
        return self.request(path, {**data, "csrf_token": match.group(1) or match.group(2)})[0]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def server_is_up(browser: Browser) -> bool:
    try:
        return browser.request("/health")[0] == 200
    except urllib.error.URLError:
        return False


@pytest.mark.slow
def test_throttling_is_shared_by_several_gunicorn_workers(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'workers.db'}",
        "SECRET_KEY": "a-shared-secret-key-for-the-worker-test-0000",
    }
    root = Path(__file__).resolve().parent.parent
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=root, env=env, check=True, capture_output=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        browser = Browser(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 30
        while not server_is_up(browser):
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        password = "a passphrase for the worker test"
        account = {"email": "w@example.com", "username": "worker"}
        account |= {"password": password, "confirm": password}
        assert browser.post_form("/auth/register", account) == 302
        wrong = {"login": "worker", "password": "wrong!!!!"}
        statuses = [Browser(browser.base).post_form("/auth/login", wrong) for _ in range(5)]
        right = {"login": "worker", "password": password}
        last = Browser(browser.base).post_form("/auth/login", right)
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert statuses == [422] * 5
    assert last == 429


def test_a_forged_forwarded_for_header_does_not_dodge_the_address_limit(app, client, throttled):
    for number in range(8):
        client.environ_base["HTTP_X_FORWARDED_FOR"] = f"203.0.113.{number}"
        attempt(client, f"someone{number}", "wrong password!")

    client.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.1"
    assert attempt(client, "someone-new", "wrong password!").status_code == 429
