"""A real browser: a monthly rule dated in the past, and its occurrences in the lists."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta

from .test_budgets_browser import log_in, overflowing

pytestmark = pytest.mark.browser

TODAY = dt.date.today()


def test_a_monthly_rule_dated_in_the_past_shows_its_occurrences(
    app, live_server, browser, user, tmp_path
):
    start = TODAY - relativedelta(months=3)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    console_errors = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    log_in(page, live_server, user)

    page.goto(f"{live_server}/recurring/")
    page.click("text=Add a recurring expense")
    page.fill("#amount", "950")
    page.select_option("#category_id", label="Bills")
    page.fill("#description", "Flat rent")
    page.select_option("#payment_method", "bank_transfer")
    page.select_option("#frequency", "monthly")
    page.fill("#interval", "1")
    page.fill("#start_date", start.isoformat())
    page.click("main button[type=submit]")
    page.wait_for_selector("text=Recurring expense saved.")

    row = page.locator("tr.rule", has_text="Flat rent")
    assert f"Every month on day {start.day}" in row.locator(".schedule").inner_text()
    next_date = start + relativedelta(months=4)
    assert next_date.strftime("%Y") in row.locator(".next-date").inner_text()

    page.goto(f"{live_server}/expenses/?q=Flat+rent")
    rows = page.locator("tbody tr", has_text="Flat rent")
    assert rows.count() == 4
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "recurring-expenses.png"), full_page=True)
    page.goto(f"{live_server}/recurring/")
    page.screenshot(path=str(shots / "recurring-list.png"), full_page=True)
    phone = browser.new_page(viewport={"width": 375, "height": 800})
    log_in(phone, live_server, user)
    phone.goto(f"{live_server}/recurring/")
    phone.screenshot(path=str(shots / "recurring-list-phone.png"), full_page=True)
    # The page never scrolls sideways (the clipped, visually hidden headers aside).
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert [e for e in overflowing(phone) if not e.startswith("TH.")] == []
    assert console_errors == []
