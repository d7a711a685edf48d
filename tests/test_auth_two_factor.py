"""Issue 15: TOTP two-factor login through the contract (`/auth/2fa...`), with real codes."""

from __future__ import annotations

import logging
import re
import zipfile

import pyotp
import pytest
import segno
from sqlalchemy import select

from expenses_app.extensions import db
from expenses_app.models import RecoveryCode, User, UserSession

from .conftest import csrf_token, login, other_database_kind, post_form
from .totp_steps import (
    RECOVERY_RE,
    SECRET_RE,
    code,
    enable_two_factor,
    install_clock,
    password_step,
    setup_secret,
    verify,
)
from .url_map import snapshot


@pytest.fixture
def clock(monkeypatch):
    return install_clock(monkeypatch)


@pytest.fixture
def enrolled(app, client, logged_in, clock):
    """`logged_in` with two-factor login switched on: (user, secret, recovery codes)."""
    secret, codes = enable_two_factor(client, logged_in, clock)
    return logged_in, secret, codes


def logged_out_client(app, client):
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/auth/account")})
    return client


def test_setup_page_shows_the_secret_and_an_inline_qr_code(client, logged_in):
    response = client.get("/auth/2fa")
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert SECRET_RE.search(html)
    assert "<svg" in html and "http" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert 'data-totp="off"' in html
    # Showing the page again keeps the same secret until it is confirmed.
    assert setup_secret(client) == SECRET_RE.search(html).group(1)


def test_enable_needs_the_right_code_and_password(app, client, logged_in, clock):
    secret = setup_secret(client)
    for data in (
        {"code": "000000", "password": logged_in.password},
        {"code": code(secret, clock), "password": "not my password"},
        {"code": "", "password": logged_in.password},
    ):
        response = post_form(client, "/auth/2fa/enable", data, page="/auth/2fa")
        assert response.status_code == 422
    with app.app_context():
        assert db.session.get(User, logged_in.id).totp_enabled_at is None


def test_enable_shows_ten_recovery_codes_once_and_stores_the_secret_encrypted(
    app, client, enrolled
):
    user, secret, codes = enrolled
    assert len(set(codes)) == 10
    html = client.get("/auth/2fa").get_data(as_text=True)
    assert 'data-totp="on"' in html
    assert secret not in html and not RECOVERY_RE.search(html)
    assert "10 unused recovery codes left" in html
    with app.app_context():
        row = db.session.get(User, user.id)
        assert row.totp_secret and secret not in row.totp_secret
        hashes = list(db.session.scalars(select(RecoveryCode.code_hash)))
        assert len(hashes) == 10 and not any(c.replace("-", "") in hashes for c in codes)


def test_enabling_rotates_the_session(app, client, logged_in, clock):
    other = app.test_client()
    login(other, logged_in)
    enable_two_factor(client, logged_in, clock)

    assert other.get("/").status_code == 302
    assert client.get("/").status_code == 200


def test_login_with_2fa_waits_for_the_code_and_honours_next(app, client, enrolled, clock):
    user, secret, _codes = enrolled
    logged_out_client(app, client)

    response = password_step(client, user, next_path="/budgets/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/2fa/verify")
    # Until the second step, pages that need a login still redirect.
    page = client.get("/expenses/")
    assert page.status_code == 302 and page.headers["Location"].startswith("/auth/login")

    done = verify(client, code(secret, clock), next_path="/budgets/")
    assert done.status_code == 302 and done.headers["Location"] == "/budgets/"
    assert client.get("/expenses/").status_code == 200


def test_a_code_is_refused_the_second_time_within_its_step(app, client, enrolled, clock):
    user, secret, _codes = enrolled
    logged_out_client(app, client)
    password_step(client, user)
    current = code(secret, clock)
    assert verify(client, current).status_code == 302

    logged_out_client(app, client)
    password_step(client, user)
    replay = verify(client, current)
    assert replay.status_code == 422
    assert client.get("/expenses/").status_code == 302


def test_a_code_used_to_enable_cannot_log_in(app, client, logged_in, clock):
    secret = setup_secret(client)
    used = code(secret, clock)
    post_form(
        client, "/auth/2fa/enable", {"code": used, "password": logged_in.password}, page="/auth/2fa"
    )
    logged_out_client(app, client)
    password_step(client, logged_in)
    assert verify(client, used).status_code == 422


def test_one_step_of_drift_either_way_is_accepted_but_not_two(app, client, enrolled, clock):
    user, secret, _codes = enrolled
    clock.step(2)
    logged_out_client(app, client)
    password_step(client, user)
    assert verify(client, code(secret, clock, offset_steps=2)).status_code == 422
    assert verify(client, code(secret, clock, offset_steps=-2)).status_code == 422
    assert verify(client, code(secret, clock, offset_steps=-1)).status_code == 302
    logged_out_client(app, client)
    password_step(client, user)
    assert verify(client, code(secret, clock, offset_steps=1)).status_code == 302


def test_a_recovery_code_logs_in_once(app, client, enrolled, clock):
    user, _secret, codes = enrolled
    logged_out_client(app, client)
    password_step(client, user)
    assert verify(client, codes[0].upper()).status_code == 302

    logged_out_client(app, client)
    password_step(client, user)
    assert verify(client, codes[0]).status_code == 422
    html = client.get("/auth/2fa/verify").get_data(as_text=True)
    assert codes[1] not in html


def test_few_recovery_codes_left_are_warned_about(app, client, enrolled, clock):
    user, _secret, codes = enrolled
    for recovery in codes[:7]:
        logged_out_client(app, client)
        password_step(client, user)
        response = verify(client, recovery)
        assert response.status_code == 302
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "Only 3 recovery codes left" in page
    assert "Few recovery codes are left" in client.get("/auth/2fa").get_data(as_text=True)


def test_the_pending_step_expires_after_a_few_minutes(app, client, enrolled, clock):
    user, secret, _codes = enrolled
    logged_out_client(app, client)
    password_step(client, user)
    clock.step(11)  # 5.5 minutes

    response = verify(client, code(secret, clock))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
    assert client.get("/expenses/").status_code == 302


def test_five_failures_then_429_with_retry_after_even_for_the_right_code(
    app, client, enrolled, clock
):
    user, secret, _codes = enrolled
    logged_out_client(app, client)
    password_step(client, user)
    for _ in range(5):
        assert verify(client, "123456").status_code == 422

    refused = verify(client, code(secret, clock))
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert client.get("/expenses/").status_code == 302


def test_the_failure_limit_is_per_account_across_browsers(app, client, enrolled, clock):
    user, secret, _codes = enrolled
    logged_out_client(app, client)
    browsers = [app.test_client() for _ in range(3)]
    for browser in browsers:
        password_step(browser, user)
    attempts = [verify(browsers[i % 3], "654321").status_code for i in range(6)]
    assert attempts == [422] * 5 + [429]


@pytest.mark.parametrize("path", ["/auth/2fa/disable", "/auth/2fa/recovery-codes"])
def test_disable_and_new_codes_need_password_and_a_current_code(app, client, enrolled, path):
    user, secret, _codes = enrolled
    before = snapshot(app, skip=("rate_limit_counters",))
    for data in ({"password": user.password, "code": "000000"}, {"password": "wrong", "code": ""}):
        assert post_form(client, path, data, page="/auth/2fa").status_code == 422
    assert snapshot(app, skip=("rate_limit_counters",)) == before


def test_disable_switches_two_factor_off_and_rotates_the_session(app, client, enrolled, clock):
    user, secret, _codes = enrolled
    other = app.test_client()
    password_step(other, user)
    verify(other, code(secret, clock))
    clock.step()
    assert other.get("/").status_code == 200

    response = post_form(
        client,
        "/auth/2fa/disable",
        {"password": user.password, "code": code(secret, clock)},
        page="/auth/2fa",
    )
    assert response.status_code == 302
    assert other.get("/").status_code == 302
    assert 'data-totp="off"' in client.get("/auth/2fa").get_data(as_text=True)
    with app.app_context():
        row = db.session.get(User, user.id)
        assert (row.totp_secret, row.totp_enabled_at) == (None, None)
        assert db.session.scalars(select(RecoveryCode)).all() == []
    logged_out_client(app, client)
    assert password_step(client, user).headers["Location"] == "/"


def test_new_recovery_codes_replace_the_old_ones(app, client, enrolled, clock):
    user, secret, old = enrolled
    response = post_form(
        client,
        "/auth/2fa/recovery-codes",
        {"password": user.password, "code": code(secret, clock)},
        page="/auth/2fa",
    )
    new = RECOVERY_RE.findall(response.get_data(as_text=True))
    assert response.status_code == 200 and len(new) == 10 and not set(new) & set(old)
    assert "download=" in response.get_data(as_text=True)
    logged_out_client(app, client)
    password_step(client, user)
    assert verify(client, old[0]).status_code == 422
    assert verify(client, new[0]).status_code == 302


def test_verify_without_a_pending_login_sends_to_the_login_page(client):
    response = client.get("/auth/2fa/verify")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_a_password_reset_kills_a_pending_second_step(app, client, enrolled, clock, runner):
    user, secret, _codes = enrolled
    logged_out_client(app, client)
    password_step(client, user)
    with app.app_context():
        row = db.session.get(User, user.id)
        row.password_hash = "changed elsewhere"
        db.session.commit()
    response = verify(client, code(secret, clock))
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")


def test_no_secret_or_code_in_the_logs(app, client, logged_in, clock, caplog):
    caplog.set_level(logging.DEBUG)
    secret, codes = enable_two_factor(client, logged_in, clock)
    logged_out_client(app, client)
    password_step(client, logged_in)
    verify(client, "111111")
    verify(client, codes[0])
    text = caplog.text
    assert secret not in text
    assert not any(recovery in text for recovery in codes)
    with app.app_context():
        assert db.session.scalar(select(UserSession.id).limit(1)) is not None


def test_the_totp_secret_stays_encrypted_in_a_backup_and_works_after_restore(
    app, client, enrolled, runner, scratch_app, tmp_path, clock
):
    user, secret, codes = enrolled
    path = tmp_path / "backup.zip"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    with zipfile.ZipFile(path) as archive:
        contents = b"".join(archive.read(name) for name in archive.namelist())
    assert secret.encode() not in contents
    assert not any(recovery.encode() in contents for recovery in codes)

    target = scratch_app(other_database_kind(app))
    assert target.test_cli_runner().invoke(args=["restore", str(path)]).exit_code == 0
    browser = target.test_client()
    password_step(browser, user)
    assert verify(browser, code(secret, clock)).status_code == 302


def test_rotating_secret_key_leaves_only_the_recovery_codes(
    app, client, enrolled, clock, caplog, monkeypatch
):
    user, secret, codes = enrolled
    monkeypatch.setitem(app.config, "SECRET_KEY", "a rotated secret key of sufficient length 0001")
    browser = app.test_client()
    password_step(browser, user)
    assert verify(browser, code(secret, clock)).status_code == 422
    assert "2fa_secret_unreadable" in caplog.text
    assert verify(browser, codes[0]).status_code == 302


def test_a_separate_totp_key_survives_rotating_secret_key(app, logged_in, clock, monkeypatch):
    monkeypatch.setitem(app.config, "TOTP_ENCRYPTION_KEY", "a separate key for the secrets")
    client = app.test_client()
    login(client, logged_in)
    secret, _codes = enable_two_factor(client, logged_in, clock)
    monkeypatch.setitem(app.config, "SECRET_KEY", "a rotated secret key of sufficient length 0002")
    browser = app.test_client()
    password_step(browser, logged_in)
    assert verify(browser, code(secret, clock)).status_code == 302


def test_the_qr_code_encodes_the_otpauth_uri_of_the_secret(client, logged_in):
    html = client.get("/auth/2fa").get_data(as_text=True)
    secret = SECRET_RE.search(html).group(1)
    uri = pyotp.TOTP(secret).provisioning_uri(name=logged_in.username, issuer_name="Expenses")
    expected = re.search(r' d="([^"]+)"', segno.make(uri, error="m").svg_inline(scale=4))
    assert expected.group(1) in html
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri


def test_verify_honours_only_a_local_next(app, client, enrolled, clock):
    user, secret, _codes = enrolled
    logged_out_client(app, client)
    password_step(client, user, next_path="https://evil.example/steal")
    response = verify(client, code(secret, clock), next_path="https://evil.example/steal")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_verify_honours_its_own_next_when_the_password_step_had_none(app, client, enrolled, clock):
    user, secret, _codes = enrolled
    logged_out_client(app, client)
    assert password_step(client, user).headers["Location"].startswith("/auth/2fa/verify")

    response = verify(client, code(secret, clock), next_path="/budgets/")

    assert response.status_code == 302 and response.headers["Location"] == "/budgets/"


def test_remember_me_survives_the_second_step(app, client, enrolled, clock):
    user, secret, _codes = enrolled
    logged_out_client(app, client)
    post_form(
        client,
        "/auth/login",
        {"login": user.username, "password": user.password, "remember": "y"},
    )
    assert verify(client, code(secret, clock)).status_code == 302
    with app.app_context():
        assert db.session.scalar(
            select(UserSession.remember).where(UserSession.revoked_at.is_(None))
        )
    assert client.get_cookie("remember_token") is not None
