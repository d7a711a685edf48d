"""Two-factor steps as a user takes them, for the issue 15 tests: read the secret from the
page, compute real codes with pyotp, move the clock so each code is a new time step."""

from __future__ import annotations

import datetime as dt
import re

import pyotp
import pytest
from flask.testing import FlaskClient

from .conftest import post_form
from .factories import UserInfo

SECRET_RE = re.compile(r'id="totp-secret"[^>]*>([A-Z2-7]+)<')
RECOVERY_RE = re.compile(r'class="recovery-code"[^>]*>([a-z0-9-]+)<')


class MovingClock:
    """`expenses_app.clock.now`, frozen at a step boundary; `step()` moves it 30 seconds."""

    def __init__(self) -> None:
        start = int(dt.datetime.now(dt.UTC).timestamp()) // 30 * 30 + 1
        self.now = dt.datetime.fromtimestamp(start, dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def step(self, steps: int = 1) -> None:
        self.now += dt.timedelta(seconds=30 * steps)


def install_clock(monkeypatch: pytest.MonkeyPatch) -> MovingClock:
    """Replace the app's clock with a MovingClock for the test."""
    moving = MovingClock()
    monkeypatch.setattr("expenses_app.clock.now", moving)
    return moving


def code(secret: str, clock: MovingClock, offset_steps: int = 0) -> str:
    """The code an authenticator app shows at the clock's time (plus `offset_steps`)."""
    return pyotp.TOTP(secret).at(clock.now + dt.timedelta(seconds=30 * offset_steps))


def setup_secret(client: FlaskClient) -> str:
    html = client.get("/auth/2fa").get_data(as_text=True)
    match = SECRET_RE.search(html)
    assert match, html[:2000]
    return match.group(1)


def enable_two_factor(
    client: FlaskClient, user: UserInfo, clock: MovingClock
) -> tuple[str, list[str]]:
    """Switch 2FA on through the pages; the secret and the recovery codes shown."""
    secret = setup_secret(client)
    response = post_form(
        client,
        "/auth/2fa/enable",
        {"code": code(secret, clock), "password": user.password},
        page="/auth/2fa",
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    codes = RECOVERY_RE.findall(response.get_data(as_text=True))
    assert len(codes) == 10
    clock.step()
    return secret, codes


def password_step(client: FlaskClient, user: UserInfo, next_path: str | None = None):
    url = "/auth/login" + (f"?next={next_path}" if next_path else "")
    return post_form(
        client, url, {"login": user.username, "password": user.password}, page="/auth/login"
    )


def verify(client: FlaskClient, value: str, next_path: str | None = None):
    url = "/auth/2fa/verify" + (f"?next={next_path}" if next_path else "")
    return post_form(client, url, {"code": value}, page=url)
