"""A real browser: create a budget, cross 80 % and 100 %, look at the dashboard."""

import datetime as dt
import os
from pathlib import Path

import pytest

from .factories import make_budget, make_expense

pytestmark = pytest.mark.browser

TODAY = dt.date.today()


def log_in(page, base_url, user):
    page.goto(f"{base_url}/auth/login")
    page.fill("#login", user.username)
    page.fill("#password", user.password)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base_url}/")


OVERFLOWING = """
[...document.querySelectorAll('main *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth)
  .map(e => e.tagName + '.' + e.className + '#' + e.id)
"""


def overflowing(page) -> list[str]:
    return page.evaluate(OVERFLOWING)


def card_state(page, base_url):
    page.goto(f"{base_url}/budgets/")
    card = page.locator("li.budget-card")
    return {
        "status": card.get_attribute("data-status"),
        "badge": card.locator(".badge").inner_text(),
        "progress": card.locator("progress").get_attribute("value"),
        "border": card.evaluate("el => getComputedStyle(el).borderLeftColor"),
    }


def test_budget_crosses_warning_and_over_in_the_browser(app, live_server, browser, user, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    console_errors = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    log_in(page, live_server, user)

    page.goto(f"{live_server}/budgets/new")
    page.select_option("#category_id", label="🍔 Food")
    page.fill("#amount", "100")
    page.select_option("#period", "monthly")
    page.fill("#start_date", "2026-01-01")
    page.click("main button[type=submit]")
    page.wait_for_selector("h1:has-text('Food monthly budget')")

    assert card_state(page, live_server) == {
        "status": "ok",
        "badge": "On track",
        "progress": "0.00",
        "border": "rgb(21, 128, 61)",
    }
    make_expense(app, user.id, amount="85.00", category="Food", date=TODAY)
    assert card_state(page, live_server) == {
        "status": "warning",
        "badge": "Warning",
        "progress": "85.00",
        "border": "rgb(217, 119, 6)",
    }
    make_expense(app, user.id, amount="20.00", category="Food", date=TODAY)
    state = card_state(page, live_server)
    assert state == {
        "status": "over",
        "badge": "Over budget",
        "progress": "100.00",
        "border": "rgb(185, 28, 28)",
    }
    assert page.locator(".over-by").inner_text() == "Over by 5.00."
    assert console_errors == []


def test_dashboard_screenshots_at_phone_and_desktop_width(
    app, live_server, browser, user, tmp_path
):
    uid = user.id
    overall = make_budget(
        app, uid, amount="300.00", start_date=TODAY.replace(day=1) - dt.timedelta(days=200)
    )
    make_budget(app, uid, amount="120.00", category="Food")
    make_budget(app, uid, amount="40.00", category="Transport", period="weekly")
    for months_ago, amount, category in [
        (0, "96.40", "Food"),
        (0, "38.00", "Transport"),
        (0, "61.99", "Bills"),
        (1, "180.25", "Food"),
        (2, "75.10", "Shopping"),
        (5, "240.00", "Bills"),
        (11, "12.00", "Health"),
    ]:
        day = (TODAY.replace(day=1) - dt.timedelta(days=months_ago * 30)).replace(day=1)
        make_expense(
            app, uid, amount=amount, category=category, date=day, description=f"{category} purchase"
        )
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    for name, width in (("phone", 375), ("desktop", 1280)):
        page = browser.new_page(viewport={"width": width, "height": 800})
        log_in(page, live_server, user)
        for page_name, path in (
            ("dashboard", "/"),
            ("budgets", "/budgets/"),
            ("reports", "/reports?group=month"),
            ("budget", f"/budgets/{overall}"),
            ("budget-form", "/budgets/new"),
        ):
            page.goto(f"{live_server}{path}")
            page.screenshot(path=str(shots / f"{page_name}-{name}.png"), full_page=True)
            # Nothing may push the page sideways, not even on a phone.
            assert overflowing(page) == [], page_name
        page.goto(f"{live_server}/")
        assert page.locator("svg[role=img]").count() == 2
        page.close()
    assert (shots / "dashboard-phone.png").stat().st_size > 0
