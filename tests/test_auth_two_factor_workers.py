"""Issue 15: the 2FA failure limit holds across `gunicorn -w 2` (the counters live in the
database), and the secret never reaches the server's log."""

from __future__ import annotations

import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pyotp
import pytest

from expenses_app import create_app
from expenses_app.auth import totp
from expenses_app.extensions import db
from expenses_app.models import User, utcnow

from .factories import DEFAULT_PASSWORD, make_user
from .live_server import SECRET_KEY, Browser, LiveServer
from .test_reliability_concurrency import assert_clean_log, database_url

pytestmark = pytest.mark.slow


def enrol_directly(app, user_id) -> str:
    """Switch 2FA on for `user_id` with the live server's key; the secret."""
    secret = totp.new_secret()
    server_app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url(app), "SECRET_KEY": SECRET_KEY}
    )
    with server_app.app_context():
        totp.enable(db.session.get(User, user_id), secret, utcnow())
        db.session.commit()
        db.engine.dispose()
    return secret


def at_second_step(server: LiveServer, username: str) -> Browser:
    browser = Browser(server.base)
    status, _ = browser.post("/auth/login", {"login": username, "password": DEFAULT_PASSWORD})
    assert status == 302
    browser.token = None
    browser.csrf("/auth/2fa/verify")
    return browser


def test_five_wrong_codes_then_429_across_two_workers(app, tmp_path):
    alice = make_user(app, "alice")
    secret = enrol_directly(app, alice.id)
    with LiveServer(database_url(app), tmp_path / "gunicorn.log", workers=2) as server:
        browsers = [at_second_step(server, "alice") for _ in range(4)]
        wrong = [b for b in browsers for _ in range(3)]
        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = list(
                pool.map(lambda b: b.post("/auth/2fa/verify", {"code": "000001"})[0], wrong)
            )
        right = browsers[0].post("/auth/2fa/verify", {"code": pyotp.TOTP(secret).now()})[0]
        pids = set(re.findall(r"Booting worker with pid: (\d+)", server.log()))
    assert Counter(statuses) == {422: 5, 429: 7}
    assert right == 429
    assert len(pids) == 2
    assert secret not in server.log()
    assert_clean_log(server)
