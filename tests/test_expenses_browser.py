"""The expenses pages in a real browser (Debian's Chromium), with JavaScript off.

Screenshots at phone (375 px) and desktop width land in test-artifacts/.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
# expect() retries until its timeout: right after a click the next page may not be loaded yet.

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def add_expense(page, base: str, amount: str, description: str, category: str, tags: str):
    page.goto(f"{base}/expenses/new")
    page.get_by_label("Amount").fill(amount)
    page.get_by_label("Category").select_option(label=category)
    page.get_by_label("Description").fill(description)
    page.get_by_label("Tags").fill(tags)
    page.get_by_role("button", name="Save expense").click()
    expect(page.get_by_text("Expense saved.")).to_be_visible()


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_expense_pages_end_to_end_without_javascript(app, live_server, browser):
    context = browser.new_context(java_script_enabled=False, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{live_server}/auth/register")
    page.locator("#email").fill("walker@example.com")
    page.locator("#username").fill("walker")
    page.locator("#password").fill("a long walk in the park")
    page.locator("#confirm").fill("a long walk in the park")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(f"{live_server}/")

    page.goto(f"{live_server}/categories/new")
    page.get_by_label("Name").fill("Books")
    page.get_by_role("button", name="Create category").click()
    expect(page.get_by_text("Books").first).to_be_visible()

    page.goto(f"{live_server}/expenses/")
    expect(page.get_by_role("heading", name="No expenses yet")).to_be_visible()

    add_expense(page, live_server, "12.50", "Coffee beans", "Food", "groceries")
    add_expense(page, live_server, "45", "Train to Lyon", "Transport", "work, travel")
    add_expense(page, live_server, "8.99", "Pharmacy", "Health", "")
    add_expense(page, live_server, "19.90", "Paperback", "Books", "")

    page.goto(f"{live_server}/expenses/new")
    page.get_by_label("Amount").fill("1e3")
    page.get_by_role("button", name="Save expense").click()
    expect(page.locator("#amount-error")).to_be_visible()
    shoot(page, "expense-form-errors-desktop")

    page.goto(f"{live_server}/expenses/")
    expect(page.get_by_text("86.39")).to_be_visible()
    page.get_by_text("Filter and search").click()
    page.get_by_label("Search").fill("train")
    page.get_by_role("button", name="Apply filters").click()
    rows = page.locator("tbody tr")
    assert rows.count() == 1 and "Train to Lyon" in rows.first.inner_text()
    shoot(page, "expenses-filtered-desktop")

    page.get_by_role("link", name="Train to Lyon").click()
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Amount").fill("47.20")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("47.20").first).to_be_visible()

    page.get_by_role("link", name="Expenses tagged travel").click()
    assert page.locator("tbody tr").count() == 1
    page.goto(f"{live_server}/expenses/")
    page.get_by_role("link", name="Pharmacy").click()
    page.get_by_role("button", name="Move to trash").click()
    assert page.locator("tbody tr").count() == 3
    page.get_by_role("link", name="Trash").click()
    page.get_by_role("button", name="Restore Pharmacy").click()
    expect(page.get_by_text("The trash is empty")).to_be_visible()

    page.goto(f"{live_server}/expenses/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    exported = Path(download_info.value.path()).read_text(encoding="utf-8")
    lines = list(csv.reader(io.StringIO(exported, newline="")))
    assert lines[0] == [
        "date",
        "amount",
        "category",
        "description",
        "payment_method",
        "tags",
        "notes",
    ]
    assert sorted(line[1] for line in lines[1:]) == ["12.50", "19.90", "47.20", "8.99"]
    assert ["Books", "Paperback"] in [line[2:4] for line in lines[1:]]

    shoot(page, "expenses-list-desktop")
    page.set_viewport_size({"width": 375, "height": 800})
    shoot(page, "expenses-list-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    page.goto(f"{live_server}/expenses/?q=co&min=1")
    shoot(page, "expenses-filtered-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.goto(f"{live_server}/expenses/new")
    shoot(page, "expense-form-phone")
    page.goto(f"{live_server}/expenses/")
    page.get_by_role("link", name="Coffee beans").click()
    shoot(page, "expense-detail-phone")
    context.close()
