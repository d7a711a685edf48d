"""Issue 15 in a real browser (Debian's Chromium, JavaScript off): enable two-factor login by
reading the secret from the page, log out, log in with a code, then with a recovery code,
and switch it off. Screenshots of the set-up page and the recovery codes land in
test-artifacts/."""

from __future__ import annotations

from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import expect

from .factories import make_user
from .totp_steps import install_clock

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for label, width in {"phone": 375, "desktop": 1280}.items():
        page.set_viewport_size({"width": width, "height": 800})
        page.screenshot(path=str(ARTIFACTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


def log_in(page, base: str, user) -> None:
    page.goto(f"{base}/auth/login")
    page.locator("#login").fill(user.username)
    page.locator("#password").fill(user.password)
    page.get_by_role("button", name="Log in").click()


def test_enable_log_in_with_a_code_and_a_recovery_code_then_disable(
    app, live_server, browser, monkeypatch
):
    clock = install_clock(monkeypatch)
    user = make_user(app, "phoneless")
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 800}, accept_downloads=True
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, live_server, user)

    page.goto(f"{live_server}/auth/2fa")
    secret = page.locator("#totp-secret").inner_text().strip()
    assert page.locator("svg").count() >= 1
    shoot(page, "2fa-setup")
    totp = pyotp.TOTP(secret)
    page.locator("#code").fill(totp.at(clock.now))
    page.locator("#password").fill(user.password)
    page.get_by_role("button", name="Switch two-factor login on").click()
    codes = [c.strip() for c in page.locator(".recovery-code").all_inner_texts()]
    assert len(codes) == 10
    shoot(page, "2fa-recovery-codes")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as text").click()
    saved = Path(download.value.path()).read_text()
    assert all(recovery in saved for recovery in codes)

    page.goto(f"{live_server}/auth/account")
    page.get_by_role("button", name="Log out").click()
    clock.step()
    log_in(page, live_server, user)
    assert "/auth/2fa/verify" in page.url
    page.goto(f"{live_server}/expenses/")
    assert "/auth/login" in page.url
    log_in(page, live_server, user)
    page.locator("#code").fill(totp.at(clock.now))
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name=user.username)).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    log_in(page, live_server, user)
    page.locator("#code").fill(codes[0])
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name=user.username)).to_be_visible()

    clock.step()
    page.goto(f"{live_server}/auth/2fa")
    expect(page.locator("[data-totp=on]")).to_be_visible()
    disable = page.locator("form[action='/auth/2fa/disable']")
    disable.locator("input[name=password]").fill(user.password)
    disable.locator("input[name=code]").fill(totp.at(clock.now))
    disable.get_by_role("button", name="Switch two-factor login off").click()
    expect(page.locator("[data-totp=off]")).to_be_visible()
    shoot(page, "2fa-off")
    context.close()
