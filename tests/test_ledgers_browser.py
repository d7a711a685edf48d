"""A shared ledger in a real browser (Debian's Chromium), JavaScript off: issue 12's scenario.

A registers and creates "Household", invites B as a member and C as a viewer; B and C
join through their links (C logged out first, so through the login page); B adds a
private expense; A sees it masked and counted; C sees no write buttons and a forged
POST is refused. Screenshots at phone (375 px) and desktop width land in test-artifacts/:
the ledger's page, A's list with the masked row (and the open switcher), C's list.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from expenses_app.extensions import db
from expenses_app.models import Category, Expense, Ledger

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
WIDTHS = {"phone": 375, "desktop": 1280}
SECRET = "Therapy session"
SECRET_NOTE = "second appointment this month"

OVERFLOWING = """
[...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
  .map(e => e.tagName + '.' + e.className + '#' + e.id)
"""


def shoot(page, name: str) -> None:
    """Screenshots of the page at each width; nothing may push it sideways."""
    ARTIFACTS.mkdir(exist_ok=True)
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 800})
        page.screenshot(path=str(ARTIFACTS / f"{name}-{label}.png"), full_page=True)
        assert page.evaluate(OVERFLOWING) == [], (name, label)
    page.set_viewport_size({"width": WIDTHS["desktop"], "height": 800})


def new_page(browser):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": WIDTHS["desktop"], "height": 800}
    )
    context.set_default_timeout(10_000)
    return context, context.new_page()


def register(page, base: str, username: str) -> None:
    page.goto(f"{base}/auth/register")
    page.locator("#email").fill(f"{username}@example.com")
    page.locator("#username").fill(username)
    page.locator("#password").fill(f"{username} keeps the household books")
    page.locator("#confirm").fill(f"{username} keeps the household books")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(f"{base}/")


def invite(page, role: str) -> str:
    """On the ledger's page, create an invitation; the answer shows its link."""
    page.locator(".invite-form select[name=role]").select_option(role)
    page.get_by_role("button", name="Create invitation link").click()
    link = page.locator("#invite-link").input_value()
    assert "/invites/" in link
    return link


def join(page, link: str) -> None:
    page.goto(link)
    expect(page.get_by_role("heading", name="Join “Household”?")).to_be_visible()
    page.get_by_role("button", name="Join Household").click()
    expect(page.locator(".ledger-switcher-name")).to_have_text("Household")


def add_expense(page, base: str, amount: str, category: str, description: str, **extra) -> None:
    page.goto(f"{base}/expenses/new")
    page.get_by_label("Amount").fill(amount)
    page.get_by_label("Category").select_option(label=category)
    page.get_by_label("Description").fill(description)
    if extra.get("notes"):
        page.get_by_label("Notes").fill(extra["notes"])
    if extra.get("private"):
        page.get_by_label("Private").check()
    page.get_by_role("button", name="Save expense").click()
    expect(page.get_by_text("Expense saved.")).to_be_visible()


def household_counts(app) -> tuple[int, int, str]:
    """(expenses, categories) in Household, trash included, and the id of its Food."""
    with app.app_context():
        ledger_id = db.session.scalar(select(Ledger.id).where(Ledger.name == "Household"))
        expenses, categories = (
            db.session.scalar(select(func.count()).where(model.ledger_id == ledger_id))
            for model in (Expense, Category)
        )
        food = db.session.scalar(
            select(Category.id).where(Category.ledger_id == ledger_id, Category.name == "Food")
        )
        db.session.remove()
        return expenses, categories, str(food)


def test_a_household_shares_a_ledger_with_a_private_expense(app, live_server, browser):
    base = live_server
    a_context, a = new_page(browser)
    register(a, base, "anna")
    a.goto(f"{base}/ledgers/new")
    a.get_by_label("Name").fill("Household")
    a.get_by_role("button", name="Create ledger").click()
    expect(a.locator(".ledger-switcher-name")).to_have_text("Household")
    a.goto(f"{base}/ledgers/")
    a.locator("tr[aria-current=true]").get_by_role("link", name="Household").click()
    ledger_url = a.url
    member_link = invite(a, "member")
    a.goto(ledger_url)
    viewer_link = invite(a, "viewer")

    b_context, b = new_page(browser)
    register(b, base, "ben")
    join(b, member_link)

    c_context, c = new_page(browser)
    register(c, base, "cleo")
    c.get_by_role("button", name="Log out").click()
    c.goto(viewer_link)
    login_url = urlsplit(c.url)
    assert login_url.path == "/auth/login"
    assert parse_qs(login_url.query)["next"] == [urlsplit(viewer_link).path]
    c.locator("#login").fill("cleo")
    c.locator("#password").fill("cleo keeps the household books")
    c.get_by_role("button", name="Log in").click()
    join(c, viewer_link)

    add_expense(a, base, "20.00", "Food", "Groceries")
    add_expense(b, base, "35.50", "Health", SECRET, notes=SECRET_NOTE, private=True)
    b.goto(f"{base}/expenses/")
    expect(b.locator("tr[data-private=mine]")).to_contain_text(SECRET)

    # The owner's ledger page: three members, an open invitation and its fresh link.
    a.goto(ledger_url)
    for name, role in (("anna", "Owner"), ("ben", "Member"), ("cleo", "Viewer")):
        expect(a.locator(".members-table tr", has_text=name)).to_contain_text(role)
    invite(a, "member")
    expect(a.locator(".invite-list li")).to_have_count(1)
    shoot(a, "ledger-detail")

    # A: B's expense is masked but counted, in the list and on the dashboard.
    a.goto(f"{base}/expenses/")
    masked = a.locator("tr.masked")
    expect(masked).to_have_count(1)
    expect(masked.locator("td[data-label=Description]")).to_have_text("Private expense")
    expect(masked.locator("td[data-label=Category]")).to_contain_text("Health")
    expect(masked.locator("td[data-label=Amount]")).to_have_text("35.50")
    expect(masked.locator("td[data-label='Added by']")).to_have_text("ben")
    expect(a.locator("p.summary")).to_contain_text("2 expenses")
    expect(a.locator("p.summary")).to_contain_text("55.50")
    assert SECRET not in a.content() and SECRET_NOTE not in a.content()
    shoot(a, "ledger-expenses-owner")
    a.locator(".ledger-switcher summary").click()
    expect(a.locator(".ledger-switcher-menu li")).to_have_count(2)
    shoot(a, "ledger-switcher-open")
    a.goto(f"{base}/")
    expect(a.locator("#this-month-total")).to_have_text("55.50")
    expect(a.locator(".recent-expenses")).to_contain_text("Private expense")
    assert SECRET not in a.content()
    a.get_by_role("link", name="Private expense").click()
    expect(a.get_by_role("link", name="Edit")).to_have_count(0)
    assert SECRET not in a.content() and SECRET_NOTE not in a.content()

    # C, a viewer: the same masked list, and no way to change anything.
    c.goto(f"{base}/expenses/")
    expect(c.locator("tbody tr")).to_have_count(2)
    expect(c.locator("tr.masked")).to_contain_text("Private expense")
    assert SECRET not in c.content()
    write_links = c.get_by_role("link", name="Add expense").or_(
        c.get_by_role("link", name="Import", exact=True)
    )
    expect(write_links).to_have_count(0)
    shoot(c, "ledger-expenses-viewer")
    c.get_by_role("link", name="Groceries").click()
    expect(c.get_by_role("heading", name="Groceries")).to_be_visible()
    expect(c.get_by_role("link", name="Edit")).to_have_count(0)
    expect(c.get_by_role("button", name="Move to trash")).to_have_count(0)
    expect(c.locator("main form[method=post]")).to_have_count(0)
    c.goto(f"{base}/categories/")
    expect(c.locator("main").get_by_role("link", name="Edit")).to_have_count(0)
    expect(c.locator("main").get_by_role("link", name="New category")).to_have_count(0)
    expect(c.locator("main form[method=post]")).to_have_count(0)
    c.goto(f"{base}/")
    expect(c.get_by_role("link", name="Add expense")).to_have_count(0)

    # A forged POST with C's session cookie and a valid CSRF token: 403, nothing changes.
    before = household_counts(app)
    token = c.locator("input[name=csrf_token]").first.get_attribute("value")
    food = before[2]
    for url, form in (
        ("/expenses/new", {"amount": "9.99", "date": "2026-01-05", "category_id": food}),
        ("/categories/new", {"name": "Forged", "color": "#123456"}),
    ):
        response = c_context.request.post(
            f"{base}{url}", form={**form, "csrf_token": token}, max_redirects=0
        )
        assert response.status == 403, (url, response.status)
    assert household_counts(app) == before
    # The same request from B, a member, goes through: C was refused for the role alone.
    b.goto(f"{base}/categories/")
    b_token = b.locator("input[name=csrf_token]").first.get_attribute("value")
    response = b_context.request.post(
        f"{base}/categories/new",
        form={"name": "Forged", "color": "#123456", "csrf_token": b_token},
        max_redirects=0,
    )
    assert response.status == 302
    assert household_counts(app)[1] == before[1] + 1
    for context in (a_context, b_context, c_context):
        context.close()
