"""Recurring expenses on the other pages: the dashboard's next 30 days, budgets' committed
spending, the page cache and the statement count, privacy and roles, categories, backup."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import create_engine, func, select

from expenses_app.extensions import db
from expenses_app.models import Category, Expense, RecurringOccurrence, RecurringRule
from expenses_app.recurring.posting import post_due
from expenses_app.recurring.services import skip_occurrence

from .conftest import count_queries, login, other_database_kind, post_form
from .factories import add_member, category_id, make_budget, make_expense, make_rule, make_user
from .server_date import TODAY
from .test_page_cache import fresh_page, stale_pages, without_tokens
from .test_recurring_posting import rule_form


def expense_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Expense))


def statements(app, client, path: str) -> list[str]:
    with count_queries(app) as seen:
        assert client.get(path).status_code == 200
    return seen


def test_the_dashboard_lists_the_next_30_days_with_their_total(app, client, logged_in, today):
    make_rule(app, logged_in.id, description="Rent", start_date=dt.date(2026, 5, 20))
    make_rule(
        app, logged_in.id, description="Streaming", amount="12.99",
        frequency="weekly", start_date=dt.date(2026, 5, 18),
    )  # fmt: skip
    make_rule(app, logged_in.id, description="Insurance", start_date=dt.date(2026, 7, 1))
    html = client.get("/").get_data(as_text=True)
    assert "Next 30 days" in html
    assert html.count('class="upcoming-occurrence"') == 1 + 4  # rent; 18, 25 May, 1, 8 June
    assert "Insurance" not in html
    assert "1,001.96" in html or "1001.96" in html


def test_budgets_show_the_recurring_spending_still_to_come(app, client, logged_in, today):
    make_budget(app, logged_in.id, amount="2000.00", category="Bills")
    make_budget(app, logged_in.id, amount="2000.00", category="Food")
    make_rule(app, logged_in.id, amount="40.00", frequency="weekly", start_date=TODAY)
    html = client.get("/budgets/").get_data(as_text=True)
    # Today's is posted already (spent); 22 and 29 May are still to come.
    assert html.count('class="committed"') == 1
    assert '<span class="committed">80.00' in html or "80.00</span>" in html


def test_a_page_when_nothing_is_due_runs_no_statement_more(app, client, logged_in, today):
    make_expense(app, logged_in.id)
    without = statements(app, client, "/expenses/?per_page=5")
    make_rule(app, logged_in.id, start_date=dt.date(2026, 6, 1))
    with_rule = statements(app, client, "/expenses/?per_page=6")
    assert len(with_rule) == len(without)


def test_a_cached_page_is_not_served_stale_when_occurrences_become_due(
    app, client, logged_in, today
):
    make_rule(app, logged_in.id, description="Rent", start_date=dt.date(2026, 5, 16))
    assert "Rent" not in client.get("/expenses/").get_data(as_text=True)
    client.get("/expenses/")
    assert len(statements(app, client, "/expenses/")) == 1  # from the cache
    today.set(dt.date(2026, 5, 16))
    served = client.get("/expenses/").get_data(as_text=True)
    assert "Rent" in served
    assert without_tokens(served) == without_tokens(fresh_page(app, client, "/expenses/"))
    assert "Rent" in client.get("/expenses/").get_data(as_text=True)  # stored now
    assert len(statements(app, client, "/expenses/")) == 1  # and served from the cache
    assert expense_count(app) == 1


def test_a_get_that_posts_commits_on_both_databases(app, client, logged_in, today):
    make_rule(app, logged_in.id, start_date=dt.date(2026, 3, 1))
    assert client.get("/categories/").status_code == 200
    with app.app_context():
        url = db.engine.url
    other = create_engine(url)
    try:
        with other.connect() as connection:
            rows = connection.execute(select(func.count()).select_from(Expense)).scalar()
    finally:
        other.dispose()
    assert rows == 3
    assert client.get("/categories/").status_code == 200
    assert expense_count(app) == 3


def test_a_viewer_opening_a_page_posts_too_but_sees_no_write_buttons(app, today):
    alice, vera = make_user(app, "alice"), make_user(app, "vera")
    add_member(app, alice.id, vera.id, "viewer")
    rule_id = make_rule(app, alice.id, start_date=dt.date(2026, 4, 1), mode="auto")
    client = app.test_client()
    login(client, vera)
    post_form(client, f"/ledgers/{alice.id}/switch", page="/")
    html = client.get("/recurring/").get_data(as_text=True)
    assert expense_count(app) == 2
    assert "New recurring expense" not in html and "/delete" not in html
    assert client.get(f"/recurring/{rule_id}/edit").status_code == 403
    with app.app_context():
        assert set(db.session.scalars(select(Expense.user_id))) == {alice.id}


def test_another_members_private_rule_is_masked(app, today):
    alice, bob = make_user(app, "alice"), make_user(app, "bob")
    add_member(app, alice.id, bob.id, "member")
    rule_id = make_rule(
        app, alice.id, description="Therapy", start_date=dt.date(2026, 5, 20), private=True
    )
    client = app.test_client()
    login(client, bob)
    post_form(client, f"/ledgers/{alice.id}/switch", page="/")
    for path in ("/recurring/", "/"):
        html = client.get(path).get_data(as_text=True)
        assert "Therapy" not in html and "Private expense" in html, path
    assert client.get(f"/recurring/{rule_id}/edit").status_code == 404
    response = post_form(client, f"/recurring/{rule_id}/delete", page="/recurring/")
    assert response.status_code == 404


def test_a_masked_rule_is_listed_where_its_label_sorts_not_its_hidden_description(app, today):
    """The list's order must not hint at what a private rule is called."""
    alice, bob = make_user(app, "alice"), make_user(app, "bob")
    add_member(app, alice.id, bob.id, "member")
    make_rule(app, alice.id, description="Aardvark club", start_date=dt.date(2026, 6, 1))
    make_rule(app, alice.id, description="Zoo pass", start_date=dt.date(2026, 6, 1))
    for hidden in ("Aa clinic", "Zzz lessons"):
        make_rule(app, alice.id, description=hidden, start_date=dt.date(2026, 6, 1), private=True)
    client = app.test_client()
    login(client, bob)
    post_form(client, f"/ledgers/{alice.id}/switch", page="/")
    html = client.get("/recurring/").get_data(as_text=True)
    positions = [html.index("Aardvark club"), html.index("Private expense"), html.index("Zoo pass")]
    assert positions == sorted(positions)
    assert html.count("Private expense") >= 2 and "Zzz" not in html and "Aa clinic" not in html
    second = html.index("Private expense", positions[1] + 1)
    assert positions[1] < second < positions[2]


def test_deleting_a_category_moves_its_rules(app, client, logged_in, today):
    rule_id = make_rule(app, logged_in.id, category="Bills", start_date=dt.date(2026, 6, 1))
    bills, food = category_id(app, logged_in.id, "Bills"), category_id(app, logged_in.id, "Food")
    refused = post_form(client, f"/categories/{bills}/delete", page="/categories/")
    assert refused.status_code in (409, 422)
    assert "0 expenses and 1 recurring expense use this category" in refused.get_data(as_text=True)
    moved = post_form(
        client, f"/categories/{bills}/delete", {"move_to": str(food)}, page="/categories/"
    )
    assert moved.status_code == 302
    with app.app_context():
        assert db.session.get(RecurringRule, rule_id).category_id == food
        assert db.session.get(Category, bills) is None


def test_backup_and_restore_carry_rules_skips_and_the_links_of_posted_expenses(
    app, runner, scratch_app, tmp_path, logged_in
):
    rule_id = make_rule(app, logged_in.id, start_date=dt.date(2026, 1, 31))
    with app.app_context():
        skip_occurrence(db.session.get(RecurringRule, rule_id), dt.date(2026, 3, 31))
        post_due(logged_in.id, dt.date(2026, 4, 30))
        db.session.commit()
    path = tmp_path / "backup.zip"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    target = scratch_app(other_database_kind(app))
    restored = target.test_cli_runner().invoke(args=["restore", str(path)])
    assert restored.exit_code == 0, restored.output
    with target.app_context():
        rule = db.session.get(RecurringRule, rule_id)
        assert rule.next_date == dt.date(2026, 5, 31)
        decided = dict(
            db.session.execute(
                select(RecurringOccurrence.occurrence_date, RecurringOccurrence.status)
            ).all()
        )
        links = db.session.execute(select(Expense.recurring_rule_id, Expense.occurrence_date))
        assert sorted(date for _, date in links) == [
            dt.date(2026, 1, 31), dt.date(2026, 2, 28), dt.date(2026, 4, 30),
        ]  # fmt: skip
    assert decided[dt.date(2026, 3, 31)] == "skipped" and len(decided) == 4
    assert (
        target.test_cli_runner()
        .invoke(args=["recurring", "run", "--date", "2026-04-30"])
        .output.startswith("Posted 0")
    )


def test_demo_data_adds_a_few_rules(app, runner, user):
    result = runner.invoke(args=["demo-data", "--user", user.username, "--expenses", "50"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        rules = list(db.session.scalars(select(RecurringRule)))
    assert 3 <= len(rules) <= 8
    assert {rule.frequency for rule in rules} >= {"monthly", "yearly"}
    assert all(rule.amount > Decimal("0") for rule in rules)


def test_every_rule_write_shows_on_the_cached_pages(app, client, logged_in, today):

    make_budget(app, logged_in.id, amount="3000.00")
    paths = ["/", "/budgets/", "/expenses/"]

    def warm() -> None:
        client.get("/recurring/")  # shows the write's message, once
        for path in paths:
            client.get(path)
            client.get(path)

    warm()
    form = rule_form(app, logged_in.id, start_date="2026-05-20", tags="")
    assert post_form(client, "/recurring/new", form).status_code == 302
    client.get("/recurring/")
    assert stale_pages(app, client, paths) == {}
    with app.app_context():
        rule_id = db.session.scalar(select(RecurringRule.id))
    assert "upcoming-occurrence" in client.get("/").get_data(as_text=True)
    warm()
    skip = post_form(
        client, f"/recurring/{rule_id}/skip", {"date": "2026-05-20"}, page="/recurring/"
    )
    assert skip.status_code == 302
    client.get("/recurring/")
    assert stale_pages(app, client, paths) == {}
    assert "upcoming-occurrence" not in client.get("/").get_data(as_text=True)
    warm()
    form |= {"amount": "12.00", "start_date": "2026-05-16", "version": "2"}
    assert post_form(client, f"/recurring/{rule_id}/edit", form).status_code == 302
    client.get("/recurring/")
    assert stale_pages(app, client, paths) == {}
    warm()
    assert post_form(client, f"/recurring/{rule_id}/delete", page="/recurring/").status_code == 302
    client.get("/recurring/")
    assert stale_pages(app, client, paths) == {}


def test_a_budget_counts_only_the_dates_inside_its_period(app, client, logged_in, today):
    make_budget(app, logged_in.id, amount="500.00", period="weekly", start_date=TODAY)
    make_rule(app, logged_in.id, amount="10.00", frequency="daily", start_date=TODAY)
    html = client.get("/budgets/").get_data(as_text=True)
    week = [TODAY + dt.timedelta(days=n) for n in range(7)]
    week_end = (
        max(d for d in week if d.weekday() == 6) if any(d.weekday() == 6 for d in week) else None
    )
    assert week_end is not None
    still_to_come = (week_end - TODAY).days  # today's is posted already
    assert f'<span class="committed">{still_to_come * 10}.00' in html


def test_a_first_date_more_than_ten_years_ago_is_refused(app, client, logged_in, today):

    form = rule_form(app, logged_in.id, start_date="2016-05-14")
    response = post_form(client, "/recurring/new", form)
    assert response.status_code == 422
    assert "at most 10 years ago" in response.get_data(as_text=True)
    assert expense_count(app) == 0
