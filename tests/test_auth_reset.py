"""Issue 15: password reset links (`flask users reset-link`, `/auth/reset/<token>`),
`/auth/forgot` with and without mail (a real SMTP server), and their limits."""

from __future__ import annotations

import datetime as dt
import logging
import re
import time

import pyotp
import pytest
from sqlalchemy import select

from expenses_app.extensions import db
from expenses_app.models import PasswordResetToken, User, UserSession

from .conftest import login, post_form
from .factories import make_user
from .smtp_server import mail_config, smtp_server
from .totp_steps import enable_two_factor, install_clock, password_step
from .url_map import snapshot

NEW_PASSWORD = "a brand new passphrase for this account"
LINK_RE = re.compile(r"http://[^\s]+/auth/reset/[A-Za-z0-9_-]+")


@pytest.fixture
def mailbox(app, monkeypatch):
    with smtp_server() as (box, port):
        for key, value in mail_config(port).items():
            monkeypatch.setitem(app.config, key, value)
        yield box


def reset_link(runner, login_name: str) -> str:
    result = runner.invoke(args=["users", "reset-link", login_name])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def reset(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    data = {"new_password": password, "confirm": confirm or password}
    return post_form(client, path, data, page=path)


def test_reset_link_is_absolute_on_base_url_and_sets_the_password(app, client, runner, user):
    link = reset_link(runner, user.username)
    assert link.startswith("http://127.0.0.1:5000/auth/reset/")

    response = reset(client, path_of(link))
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    assert (
        post_form(
            client, "/auth/login", {"login": user.username, "password": NEW_PASSWORD}
        ).status_code
        == 302
    )


def test_base_url_sets_the_host_of_the_link(app, runner, user, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://money.example.org/")
    assert reset_link(runner, user.email).startswith("https://money.example.org/auth/reset/")


def test_a_link_works_once(app, client, runner, user):
    path = path_of(reset_link(runner, user.username))
    assert reset(client, path).status_code == 302
    assert client.get(path).status_code == 404
    assert reset(client, path, "yet another long passphrase").status_code == 404


def test_unknown_and_expired_links_are_404(app, client, runner, user, monkeypatch):
    assert client.get("/auth/reset/not-a-token").status_code == 404
    assert client.get("/auth/reset/" + "x" * 500).status_code == 404
    path = path_of(reset_link(runner, user.username))
    clock = install_clock(monkeypatch)
    clock.now += dt.timedelta(minutes=61)
    assert client.get(path).status_code == 404


def test_a_link_dies_once_the_password_changes(app, client, runner, user):
    path = path_of(reset_link(runner, user.username))
    login(client, user)
    response = post_form(
        client,
        "/auth/account",
        {
            "form_name": "password",
            "current_password": user.password,
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert app.test_client().get(path).status_code == 404


def test_a_reset_ends_every_session_and_keeps_2fa(app, client, runner, user, monkeypatch):
    clock = install_clock(monkeypatch)
    login(client, user)
    enable_two_factor(client, user, clock)
    path = path_of(reset_link(runner, user.username))

    assert reset(app.test_client(), path).status_code == 302
    assert client.get("/").status_code == 302
    with app.app_context():
        live = db.session.scalars(select(UserSession).where(UserSession.revoked_at.is_(None))).all()
        assert live == []
        assert db.session.get(User, user.id).totp_enabled_at is not None
    fresh = app.test_client()
    response = password_step(
        fresh, user.__class__(user.id, user.username, user.email, NEW_PASSWORD)
    )
    assert response.headers["Location"].startswith("/auth/2fa/verify")


def test_a_weak_new_password_is_a_form_error_and_the_link_still_works(app, client, runner, user):
    path = path_of(reset_link(runner, user.username))
    before = snapshot(app, skip=("rate_limit_counters",))
    for password, confirm in (
        ("short", None),
        (user.username, None),
        (NEW_PASSWORD, "different one here"),
    ):
        assert reset(client, path, password, confirm).status_code == 422
    assert snapshot(app, skip=("rate_limit_counters",)) == before
    assert reset(client, path).status_code == 302


def test_reset_link_for_an_unknown_login_is_one_line_and_exit_1(runner):
    result = runner.invoke(args=["users", "reset-link", "nobody"])
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0 and "nobody" in result.output


def _answer(client, email: str) -> str:
    response = post_form(client, "/auth/forgot", {"email": email}, page="/auth/login")
    assert response.status_code == 200
    return re.sub(r'name="csrf_token"[^>]*>', "", response.get_data(as_text=True))


def test_forgot_without_mail_tells_to_ask_the_operator_alike_for_everyone(app, client, user):
    assert "Ask the server's operator" in client.get("/auth/forgot").get_data(as_text=True)
    known = _answer(client, user.email)
    unknown = _answer(app.test_client(), "nobody@example.com")
    assert known == unknown and "Ask the server's operator" in known
    with app.app_context():
        assert db.session.scalars(select(PasswordResetToken)).all() == []


def test_forgot_mails_a_working_link_to_a_known_address_only(app, client, user, mailbox):
    known = _answer(client, user.email.upper())
    unknown = _answer(app.test_client(), "nobody@example.com")
    assert known == unknown

    (message,) = mailbox.wait_for(1)
    time.sleep(0.3)
    assert len(mailbox.messages) == 1
    assert mailbox.recipients[0] == [user.email]
    link = LINK_RE.search(message.get_content()).group()
    assert reset(client, path_of(link)).status_code == 302


def test_forgot_is_limited_per_account_with_retry_after(app, client, user):
    for _ in range(3):
        _answer(app.test_client(), user.email)
    refused = post_form(client, "/auth/forgot", {"email": user.email}, page="/auth/login")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    # Unknown addresses are counted the same way: the limit tells nothing either.
    for _ in range(3):
        _answer(app.test_client(), "nobody@example.com")
    assert (
        post_form(
            client, "/auth/forgot", {"email": "nobody@example.com"}, page="/auth/login"
        ).status_code
        == 429
    )


def test_forgot_is_limited_per_client_address(app, client):
    for n in range(10):
        _answer(client, f"someone{n}@example.com")
    assert (
        post_form(
            client, "/auth/forgot", {"email": "x@example.com"}, page="/auth/login"
        ).status_code
        == 429
    )


def test_a_dead_mail_server_is_logged_not_a_500(app, client, user, monkeypatch, caplog):
    from .live_server import free_port

    for key, value in mail_config(free_port()).items():
        monkeypatch.setitem(app.config, key, value)
    started = time.monotonic()
    answer = _answer(client, user.email)
    assert time.monotonic() - started < 2
    assert "on its way" in answer
    deadline = time.monotonic() + 10
    while "mail not sent" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "mail not sent" in caplog.text
    assert "/auth/reset/" not in caplog.text


def test_login_throttle_429_carries_retry_after(app, client, monkeypatch):
    make_user(app, "alice")
    monkeypatch.setitem(app.config, "RATELIMIT_ENABLED", True)
    for _ in range(5):
        post_form(client, "/auth/login", {"login": "alice", "password": "wrong password!"})
    refused = post_form(client, "/auth/login", {"login": "alice", "password": "wrong password!"})
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60 + 1


def test_no_reset_token_in_the_logs(app, client, runner, user, caplog):
    caplog.set_level(logging.DEBUG)
    link = reset_link(runner, user.username)
    reset(client, path_of(link))
    assert link.rsplit("/", 1)[1] not in caplog.text


def test_the_account_address_is_told_of_a_reset_and_of_2fa_switched_off(
    app, client, runner, user, mailbox, monkeypatch
):
    clock = install_clock(monkeypatch)
    assert reset(client, path_of(reset_link(runner, user.username))).status_code == 302
    (reset_notice,) = mailbox.wait_for(1)
    assert "the password was reset" in reset_notice.get_content()

    fresh = user.__class__(user.id, user.username, user.email, NEW_PASSWORD)
    login(client, fresh)
    secret, _codes = enable_two_factor(client, fresh, clock)
    response = post_form(
        client,
        "/auth/2fa/disable",
        {"password": NEW_PASSWORD, "code": pyotp.TOTP(secret).at(clock.now)},
        page="/auth/2fa",
    )
    assert response.status_code == 302
    notice = mailbox.wait_for(2)[1]
    assert mailbox.recipients[1] == [user.email]
    assert "two-factor login was switched off" in notice.get_content()
