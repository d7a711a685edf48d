"""Issue 15: registration modes (each on its own app), `flask users`, `/auth/sessions`,
and the email change that needs the password."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from sqlalchemy import func, select

from config import ConfigError
from expenses_app import create_app
from expenses_app.auth import services
from expenses_app.extensions import db
from expenses_app.ledgers.invites import create_invite
from expenses_app.models import Category, LedgerMember, User, UserSession

from .conftest import csrf_token, login, post_form
from .factories import make_user
from .smtp_server import mail_config, smtp_server
from .totp_steps import code, enable_two_factor, install_clock, password_step, verify
from .url_map import snapshot

PASSWORD = "a household passphrase of some length"


@pytest.fixture
def app_in_mode(app):
    """Another app instance on the same migrated database, with REGISTRATION set."""
    built: list[Flask] = []

    def make(mode: str | None, **overrides) -> Flask:
        settings = {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "RATELIMIT_ENABLED": False,
            "REGISTRATION": mode,
            **overrides,
        }
        built.append(create_app(settings))
        return built[-1]

    yield make
    for instance in built:
        with instance.app_context():
            db.engine.dispose()


def register(client, name: str, query: str = ""):
    data = {
        "email": f"{name}@example.com",
        "username": name,
        "password": PASSWORD,
        "confirm": PASSWORD,
    }
    return post_form(client, "/auth/register" + query, data, page="/auth/login")


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def invite_token(app, ledger_id, role="member") -> str:
    with app.app_context():
        _invite, token = create_invite(ledger_id, role, ledger_id)
        db.session.commit()
        return token


def test_registration_defaults_to_open_and_to_invite_in_production(app_in_mode):
    assert app_in_mode(None).config["REGISTRATION"] == "open"
    production = app_in_mode(
        None, APP_ENV="production", SECRET_KEY="x" * 40, SESSION_COOKIE_SECURE=True
    )
    assert production.config["REGISTRATION"] == "invite"


@pytest.mark.parametrize("bad", ["Open", "invites", "", "none"])
def test_a_bad_registration_mode_stops_start_up_with_one_line(app_in_mode, bad):
    with pytest.raises(ConfigError) as refused:
        app_in_mode(bad)
    assert "REGISTRATION" in str(refused.value) and "\n" not in str(refused.value)


def test_closed_registration_says_so_and_refuses_with_403(app_in_mode):
    closed = app_in_mode("closed")
    client = closed.test_client()
    page = client.get("/auth/register").get_data(as_text=True)
    assert "Registration is closed" in page and 'name="username"' not in page
    before = snapshot(closed, skip=("rate_limit_counters",))
    assert register(client, "nobody").status_code == 403
    assert snapshot(closed, skip=("rate_limit_counters",)) == before


def test_invite_mode_lets_the_first_account_in_then_only_invitations(app_in_mode):
    invite = app_in_mode("invite")
    first = invite.test_client()
    assert register(first, "founder").status_code == 302
    assert user_count(invite) == 1

    stranger = invite.test_client()
    assert "invitation only" in stranger.get("/auth/register").get_data(as_text=True)
    assert register(stranger, "stranger").status_code == 403
    assert register(stranger, "stranger", "?invite=made-up").status_code == 403
    assert user_count(invite) == 1


def test_invite_mode_registration_with_an_invitation_joins_that_ledger(app_in_mode):
    invite = app_in_mode("invite")
    founder = make_user(invite, "founder")
    token = invite_token(invite, founder.id, "viewer")
    client = invite.test_client()
    assert "You are invited to join" in client.get(f"/auth/register?invite={token}").get_data(
        as_text=True
    )

    response = register(client, "partner", f"?invite={token}")
    assert response.status_code == 302
    with invite.app_context():
        partner = db.session.scalar(select(User).where(User.username == "partner"))
        roles = dict(
            db.session.execute(
                select(LedgerMember.ledger_id, LedgerMember.role).where(
                    LedgerMember.user_id == partner.id
                )
            ).all()
        )
        assert roles == {partner.id: "owner", founder.id: "viewer"}
    # The invitation was single use.
    assert register(invite.test_client(), "third", f"?invite={token}").status_code == 403


def test_invite_mode_takes_the_invitation_from_next(app_in_mode):
    invite = app_in_mode("invite")
    founder = make_user(invite, "founder")
    token = invite_token(invite, founder.id)
    response = register(invite.test_client(), "partner", f"?next=/invites/{token}")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_users_create_makes_an_account_like_registration(app, runner):
    result = runner.invoke(
        args=["users", "create", "--email", "Op@Example.com", "--username", "operator"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "operator"))
        assert user.email == "op@example.com"
        assert db.session.scalar(select(func.count()).where(Category.ledger_id == user.id)) > 0
    client = app.test_client()
    assert (
        post_form(client, "/auth/login", {"login": "operator", "password": PASSWORD}).status_code
        == 302
    )


@pytest.mark.parametrize(
    ("email", "username", "password", "words"),
    [
        ("op@example.com", "operator", "short", "at least"),
        ("op@example.com", "operator", "password123", "too common"),
        ("not an email", "operator", PASSWORD, "not a valid email"),
        ("op@example.com", "x", PASSWORD, "username"),
    ],
)
def test_users_create_refuses_what_the_form_refuses(app, runner, email, username, password, words):
    result = runner.invoke(
        args=["users", "create", "--email", email, "--username", username], input=password + "\n"
    )
    assert result.exit_code == 1 and words in result.output
    assert user_count(app) == 0


def test_users_create_refuses_a_taken_login(app, runner):
    make_user(app, "operator")
    result = runner.invoke(
        args=["users", "create", "--email", "other@example.com", "--username", "OPERATOR"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 1 and user_count(app) == 1


def test_users_list_shows_logins_2fa_and_last_login(app, client, runner, monkeypatch):
    clock = install_clock(monkeypatch)
    alice = make_user(app, "alice")
    make_user(app, "bob")
    login(client, alice)
    enable_two_factor(client, alice, clock)

    lines = runner.invoke(args=["users", "list"]).output.splitlines()
    alice_line = next(line for line in lines if line.startswith("alice"))
    bob_line = next(line for line in lines if line.startswith("bob"))
    assert " on " in alice_line and "UTC" in alice_line
    assert " off " in bob_line and "never" in bob_line


def test_disable_2fa_by_the_operator(app, client, runner, monkeypatch):
    clock = install_clock(monkeypatch)
    alice = make_user(app, "alice")
    login(client, alice)
    enable_two_factor(client, alice, clock)

    result = runner.invoke(args=["users", "disable-2fa", "ALICE"])
    assert result.exit_code == 0
    with app.app_context():
        assert db.session.get(User, alice.id).totp_secret is None
    assert client.get("/").status_code == 302
    assert password_step(app.test_client(), alice).headers["Location"] == "/"


@pytest.mark.parametrize("command", ["reset-link", "disable-2fa"])
def test_unknown_logins_are_one_line_and_exit_1(runner, command):
    result = runner.invoke(args=["users", command, "ghost"])
    assert result.exit_code == 1 and "ghost" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_mail_test_sends_through_the_configured_server(app, runner, monkeypatch):
    assert runner.invoke(args=["users", "mail-test", "me@example.com"]).exit_code == 1
    with smtp_server() as (mailbox, port):
        for key, value in mail_config(port).items():
            monkeypatch.setitem(app.config, key, value)
        result = runner.invoke(args=["users", "mail-test", "me@example.com"])
        assert result.exit_code == 0, result.output
        assert mailbox.wait_for(1)[0]["To"] == "me@example.com"


def test_sessions_page_lists_logins_with_browser_and_address(app, logged_in):
    firefox = app.test_client()
    firefox.environ_base["HTTP_USER_AGENT"] = (
        "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"
    )
    login(firefox, logged_in)
    html = firefox.get("/auth/sessions").get_data(as_text=True)
    assert "Firefox on Linux" in html and "127.0.0.1" in html
    assert html.count('aria-current="true"') == 1
    assert html.count('class="session') == 2


def test_revoke_one_session_logs_it_out_at_once(app, client, logged_in):
    other = app.test_client()
    login(other, logged_in)
    with app.app_context():
        newest = db.session.scalar(
            select(UserSession.id).order_by(UserSession.created_at.desc()).limit(1)
        )
    response = post_form(client, f"/auth/sessions/{newest}/revoke", page="/auth/sessions")
    assert response.status_code == 302
    assert other.get("/").status_code == 302
    assert client.get("/").status_code == 200


def test_revoke_others_keeps_only_this_browser(app, client, logged_in):
    others = [app.test_client() for _ in range(2)]
    for other in others:
        login(other, logged_in)
    assert (
        post_form(client, "/auth/sessions/revoke-others", page="/auth/sessions").status_code == 302
    )
    assert [other.get("/").status_code for other in others] == [302, 302]
    assert client.get("/").status_code == 200


def test_someone_elses_session_is_404_and_stays(app, client, logged_in):
    stranger = make_user(app, "stranger")
    login(app.test_client(), stranger)
    with app.app_context():
        theirs = db.session.scalar(select(UserSession.id).where(UserSession.user_id == stranger.id))
    response = post_form(client, f"/auth/sessions/{theirs}/revoke", page="/auth/sessions")
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(UserSession, theirs).revoked_at is None


def profile(client, email, current_password=None):
    data = {"form_name": "profile", "full_name": "", "email": email}
    if current_password is not None:
        data["current_password"] = current_password
    return post_form(client, "/auth/account", data)


@pytest.mark.parametrize("password", [None, "", "not my password"])
def test_changing_the_email_needs_the_current_password(app, client, logged_in, password):
    response = profile(client, "new@example.com", password)
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(User, logged_in.id).email == logged_in.email


def test_the_name_alone_changes_without_the_password(app, client, logged_in):
    data = {"form_name": "profile", "full_name": "Just A Name", "email": logged_in.email}
    assert post_form(client, "/auth/account", data).status_code == 302


@pytest.mark.parametrize(
    "email", ["scan_a@example.test',sleep(16)#1", "a@b", "two@@example.com", "x@localhost"]
)
def test_malformed_addresses_are_refused(app, client, logged_in, email):
    assert profile(client, email, logged_in.password).status_code == 422
    with app.app_context():
        assert db.session.get(User, logged_in.id).email == logged_in.email


def test_the_old_address_is_told_of_the_change(app, client, logged_in, monkeypatch):
    with smtp_server() as (mailbox, port):
        for key, value in mail_config(port).items():
            monkeypatch.setitem(app.config, key, value)
        assert profile(client, "moved@example.com", logged_in.password).status_code == 302
        (message,) = mailbox.wait_for(1)
    assert mailbox.recipients[0] == [logged_in.email]
    assert "moved@example.com" in message.get_content()


def test_two_factor_login_records_its_session_too(app, client, logged_in, monkeypatch):
    clock = install_clock(monkeypatch)
    secret, _codes = enable_two_factor(client, logged_in, clock)
    browser = app.test_client()
    password_step(browser, logged_in)
    verify(browser, code(secret, clock))
    assert browser.get("/auth/sessions").status_code == 200


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"APP_ENV": "production", "SECRET_KEY": "x" * 40}, "invite"),
        ({"APP_ENV": "production", "SECRET_KEY": "x" * 40, "REGISTRATION": "Open"}, "open"),
        ({"APP_ENV": "development", "REGISTRATION": "closed"}, "closed"),
        ({"APP_ENV": "development"}, "open"),
    ],
)
def test_registration_is_read_from_the_environment(monkeypatch, tmp_path, variables, expected):
    for name in ("REGISTRATION", "DATABASE_URL", "SECRET_KEY", "APP_ENV", "BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert create_app().config["REGISTRATION"] == expected


@pytest.mark.parametrize(
    ("variable", "value"),
    [("REGISTRATION", "everyone"), ("BASE_URL", "example.org"), ("MAIL_PORT", "smtp")],
)
def test_bad_account_security_settings_stop_start_up(monkeypatch, tmp_path, variable, value):
    for name in ("REGISTRATION", "DATABASE_URL", "APP_ENV", "BASE_URL", "MAIL_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as refused:
        create_app()
    assert variable in str(refused.value) and "\n" not in str(refused.value)


def test_two_visitors_racing_for_the_first_account_get_one(app_in_mode, monkeypatch):
    invite = app_in_mode("invite")
    real = services.register_user

    def slow_register(**values):
        time.sleep(0.3)  # both requests are past the door before either commits
        return real(**values)

    monkeypatch.setattr("expenses_app.auth.services.register_user", slow_register)
    clients = [invite.test_client() for _ in range(2)]
    tokens = [csrf_token(client, "/auth/login") for client in clients]
    barrier = threading.Barrier(2)

    def attempt(n: int) -> int:
        data = {
            "email": f"first{n}@example.com",
            "username": f"first{n}",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "csrf_token": tokens[n],
        }
        barrier.wait()
        return clients[n].post("/auth/register", data=data).status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(attempt, range(2)))
    assert statuses == [302, 403]
    assert user_count(invite) == 1


def test_revoking_this_browsers_own_login_logs_it_out(app, client, logged_in):
    with app.app_context():
        mine = db.session.scalar(select(UserSession.id).where(UserSession.revoked_at.is_(None)))
    response = post_form(client, f"/auth/sessions/{mine}/revoke", page="/auth/sessions")
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    assert client.get("/").status_code == 302
