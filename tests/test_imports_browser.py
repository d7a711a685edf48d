"""The statement import in a real browser (Debian's Chromium, JavaScript off), at phone
and desktop widths. Screenshots go to /tmp/imports-<width>-<step>.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .factories import make_user
from .imports_client import STATEMENTS

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [375, 1280])
def test_upload_map_review_commit_and_undo(app, live_server, browser, width):
    user = make_user(app, f"walker{width}")
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": width, "height": 900}
    )
    page = context.new_page()

    def shoot(step: str) -> None:
        page.screenshot(path=f"/tmp/imports-{width}-{step}.png", full_page=True)

    page.goto(f"{live_server}/auth/login")
    page.locator("#login").fill(user.username)
    page.locator("#password").fill(user.password)
    page.get_by_role("button", name="Log in").click()

    page.goto(f"{live_server}/expenses/")
    page.get_by_role("link", name="Import", exact=True).click()
    expect(page.get_by_role("link", name="Import this app's CSV")).to_be_visible()
    page.get_by_role("link", name="Import a bank statement").first.click()
    page.get_by_label("Statement file").set_input_files(str(STATEMENTS / "de_girokonto_cp1252.csv"))
    page.get_by_role("button", name="Upload").click()

    expect(
        page.get_by_role("heading", name="How is de_girokonto_cp1252.csv written?")
    ).to_be_visible()
    expect(page.locator(".file-lines")).to_contain_text("Auftraggeber/Empfänger")
    expect(page.get_by_label("Encoding")).to_have_value("cp1252")
    expect(page.get_by_label("Date format")).to_have_value("DD.MM.YYYY")
    shoot("1-mapping")
    page.get_by_role("button", name="Continue to review").click()

    rows = page.locator("tr[data-line]")
    expect(rows).to_have_count(4)
    expect(page.locator('tr[data-status="income"]')).to_contain_text("Arbeitgeber AG")
    expect(page.locator('tr[data-status="new"] input[type=checkbox]:checked')).to_have_count(3)
    page.get_by_label("Default category").select_option(label="Bills")
    page.get_by_label("Payment method").select_option(label="Bank transfer")
    shoot("2-review")
    page.get_by_role("button", name="Add the checked lines").click()

    expect(page.get_by_text("3 expenses added from de_girokonto_cp1252.csv.")).to_be_visible()
    expect(page.locator("tr[data-added]")).to_have_count(3)
    shoot("3-summary")
    page.get_by_role("link", name="Stadtwerke München").click()
    expect(page.get_by_text("1,234.56").first).to_be_visible()
    expect(page.locator(".imported-from")).to_contain_text("de_girokonto_cp1252.csv")
    page.locator(".imported-from a").click()
    page.get_by_role("button", name="Undo this import").click()
    expect(page.get_by_text("Import undone: 3 expenses moved to the trash.")).to_be_visible()
    shoot("4-undone")
    context.close()
