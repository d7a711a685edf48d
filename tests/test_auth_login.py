import logging
import re

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from expenses_app.extensions import db
from expenses_app.models import User

from .conftest import login, post_form
from .factories import make_user

WRONG = "Wrong email/username or password."


def try_login(client, login_value, password, **extra):
    return post_form(client, "/auth/login", {"login": login_value, "password": password, **extra})


@pytest.mark.parametrize(
    "login_value", ["user@example.com", "  USER@Example.com ", "TheUser", " theuser "]
)
def test_login_by_email_or_username_in_any_case(app, client, login_value):
    user = make_user(app, "TheUser", email="user@example.com")

    response = try_login(client, login_value, user.password)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    with app.app_context():
        assert db.session.get(User, user.id).last_login_at is not None


def test_wrong_password_and_unknown_user_get_the_same_answer(app, client):
    user = make_user(app, "alice")

    wrong = try_login(client, "alice", "not the password")
    unknown = try_login(client, "nobody-here", "not the password")

    assert wrong.status_code == unknown.status_code == 422
    assert WRONG in wrong.get_data(as_text=True)
    assert comparable(wrong, "alice") == comparable(unknown, "nobody-here")
    assert client.get("/").status_code == 302
    with app.app_context():
        assert db.session.get(User, user.id).last_login_at is None


def comparable(response, login_value: str) -> str:
    """The page without what legitimately differs: the typed login and the token."""
    html = response.get_data(as_text=True).replace(login_value, "")
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]*"', "", html)


@pytest.mark.parametrize(
    "password_variant",
    [
        lambda p: p.upper(),
        lambda p: p + " ",
        lambda p: p[:-1],
    ],
    ids=["upper", "trailing-space", "truncated"],
)
def test_only_the_exact_password_logs_in(app, client, password_variant):
    password = "a long passphrase that ends in a space "
    make_user(app, "alice", password=password)

    assert try_login(client, "alice", password_variant(password)).status_code == 422
    assert try_login(client, "alice", password).status_code == 302


def test_inactive_user_cannot_log_in(app, client):
    user = make_user(app, "alice")
    with app.app_context():
        db.session.get(User, user.id).is_active = False
        db.session.commit()

    assert try_login(client, "alice", user.password).status_code == 422


def test_weak_hash_is_upgraded_on_successful_login(app, client):
    user = make_user(app, "alice")
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(user.password)
    with app.app_context():
        db.session.get(User, user.id).password_hash = weak
        db.session.commit()
    app.config["PASSWORD_HASH_TIME_COST"] = 2
    try:
        assert try_login(client, "alice", user.password).status_code == 302
    finally:
        app.config["PASSWORD_HASH_TIME_COST"] = 1
    with app.app_context():
        new_hash = db.session.get(User, user.id).password_hash
    assert new_hash != weak
    assert "t=2" in new_hash


def test_production_hash_parameters_are_argon2id_defaults(app):
    from expenses_app.auth.passwords import hash_password

    settings = {"PASSWORD_HASH_TIME_COST": 3, "PASSWORD_HASH_MEMORY_COST": 65536}
    settings["PASSWORD_HASH_PARALLELISM"] = 4
    with app.app_context():
        saved = {key: app.config[key] for key in settings}
        app.config.update(settings)
        try:
            first = hash_password("same password")
            second = hash_password("same password")
        finally:
            app.config.update(saved)
    assert first.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert first != second


def test_logout_ends_the_session_and_is_post_only(app, client, logged_in):
    assert client.get("/auth/logout").status_code == 405
    assert client.get("/").status_code == 200

    response = post_form(client, "/auth/logout", page="/")

    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    assert client.get("/").status_code == 302


def test_logged_in_user_visiting_login_is_sent_on(client, logged_in):
    response = client.get("/auth/login?next=/expenses/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/expenses/"


OPEN_REDIRECTS = [
    "http://example.com",
    "https://example.com",
    "//example.com",
    "///example.com",
    "\\\\example.com",
    "/\\example.com",
    "http:/\\/example.com",
    "javascript:alert(1)",
    "\njavascript:alert(x)",
    "\x08//example.com",
    "http://testserver\\@example.com",
    "http:999999999",
    "/\t/example.com",
    " //example.com",
    "",
]


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
def test_login_refuses_to_redirect_off_site(app, client, target):
    user = make_user(app, "alice")

    response = post_form(
        client,
        "/auth/login",
        {"login": "alice", "password": user.password},
        page="/auth/login",
        query_string={"next": target},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/expenses?month=2026-01", "/budgets/", "/reports?x=1#a"])
def test_login_honours_a_local_next(app, client, target):
    user = make_user(app, "alice")

    response = post_form(
        client,
        "/auth/login",
        {"login": "alice", "password": user.password},
        query_string={"next": target},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == target


def test_security_events_are_logged_without_passwords_or_forged_lines(app, client, caplog):
    user = make_user(app, "alice")
    caplog.set_level(logging.INFO, logger="expenses_app.security")

    try_login(client, "bob\r\nINFO forged entry", "secret-password-one")
    login(client, user)
    post_form(client, "/auth/logout", page="/")

    text = caplog.text
    assert "event=login_failed" in text
    assert "event=login " in text
    assert "event=logout" in text
    assert "secret-password-one" not in text
    assert user.password not in text
    assert not any(line.startswith("INFO forged") for line in text.splitlines())
    assert "bob\\x0d\\x0aINFO forged entry" in text


def test_login_form_shows_remember_and_password_fields(client):
    html = client.get("/auth/login").get_data(as_text=True)
    assert 'name="login"' in html
    assert re.search(
        r'<input[^>]*name="password"[^>]*type="password"|type="password"[^>]*name="password"', html
    )
    assert 'name="remember"' in html


def test_rehash_check_survives_a_malformed_stored_hash(app, client):
    user = make_user(app, "alice")
    with app.app_context():
        db.session.scalar(select(User).where(User.id == user.id)).password_hash = "garbage"
        db.session.commit()

    assert try_login(client, "alice", user.password).status_code == 422
