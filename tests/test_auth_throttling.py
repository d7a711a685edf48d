import time

import pytest
from sqlalchemy import select

from expenses_app.auth.limiter_storage import DatabaseStorage
from expenses_app.extensions import db, limiter
from expenses_app.models import RateLimitCounter

from .conftest import post_form
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
