"""The budget list and a budget's page: progress, statuses, history, statement counts."""

import datetime as dt
import re
import uuid

import pytest

from .conftest import count_queries, data_statements
from .factories import make_budget, make_category, make_expense, make_user

TODAY = dt.date.today()
FIRST_OF_MONTH = TODAY.replace(day=1)


def budget_card(html: str, budget_id: uuid.UUID) -> str:
    """The list element that shows one budget (it links to the budget by id)."""
    match = re.search(
        rf'<li class="card budget-card" data-status="(\w+)" id="budget-{budget_id}">(.*?)</li>',
        html,
        re.S,
    )
    assert match, f"no card for budget {budget_id}"
    return match.group(0)


def status_of(html: str, budget_id: uuid.UUID) -> str:
    return re.search(r'data-status="(\w+)"', budget_card(html, budget_id)).group(1)


def test_budget_list_shows_spent_remaining_percent_and_status(app, client, logged_in):
    uid = logged_in.id
    budget = make_budget(app, uid, amount="200.00", category="Food")
    make_expense(app, uid, amount="150.10", date=TODAY)
    make_expense(app, uid, amount="10.00", date=TODAY)
    html = client.get("/budgets/").get_data(as_text=True)
    card = budget_card(html, budget)
    assert f'href="/budgets/{budget}"' in card
    assert 'data-status="warning"' in card
    assert '<dd class="spent">160.10</dd>' in card
    assert '<dd class="remaining">39.90</dd>' in card
    assert '<dd class="percent">80%</dd>' in card
    assert '<progress max="200.00" value="160.10"' in card


@pytest.mark.parametrize(
    ("spent", "status"),
    [("79.99", "ok"), ("80.00", "warning"), ("100.00", "warning"), ("100.01", "over")],
)
def test_page_status_at_the_thresholds(app, client, logged_in, spent, status):
    budget = make_budget(app, logged_in.id, amount="100.00")
    make_expense(app, logged_in.id, amount=spent, date=TODAY)
    html = client.get("/budgets/").get_data(as_text=True)
    assert status_of(html, budget) == status


def test_overall_budget_counts_every_category_and_category_budget_only_its_own(
    app, client, logged_in
):
    uid = logged_in.id
    overall = make_budget(app, uid, amount="100.00")
    food = make_budget(app, uid, amount="100.00", category="Food")
    make_expense(app, uid, amount="30.00", category="Food", date=TODAY)
    make_expense(app, uid, amount="55.00", category="Transport", date=TODAY)
    html = client.get("/budgets/").get_data(as_text=True)
    assert '<dd class="spent">85.00</dd>' in budget_card(html, overall)
    assert '<dd class="spent">30.00</dd>' in budget_card(html, food)


def test_trashed_and_other_users_expenses_never_count(app, client, logged_in):
    uid = logged_in.id
    other = make_user(app, "other")
    budget = make_budget(app, uid, amount="100.00")
    make_budget(app, other.id, amount="100.00")
    make_expense(app, uid, amount="20.00", date=TODAY)
    make_expense(app, uid, amount="500.00", date=TODAY, deleted=True)
    make_expense(app, other.id, amount="700.00", date=TODAY)
    html = client.get("/budgets/").get_data(as_text=True)
    assert '<dd class="spent">20.00</dd>' in budget_card(html, budget)
    assert html.count("budget-card") == 1


def test_expense_on_last_day_of_previous_period_does_not_count(app, client, logged_in):
    uid = logged_in.id
    budget = make_budget(app, uid, amount="100.00")
    make_expense(app, uid, amount="40.00", date=FIRST_OF_MONTH - dt.timedelta(days=1))
    make_expense(app, uid, amount="7.00", date=FIRST_OF_MONTH)
    html = client.get("/budgets/").get_data(as_text=True)
    assert '<dd class="spent">7.00</dd>' in budget_card(html, budget)


def test_budget_starting_mid_month_counts_only_from_its_start(app, client, logged_in):
    uid = logged_in.id
    if TODAY.day == 1:
        pytest.skip("needs a day before today in this month")
    budget = make_budget(app, uid, amount="100.00", start_date=TODAY)
    make_expense(app, uid, amount="40.00", date=TODAY - dt.timedelta(days=1))
    make_expense(app, uid, amount="9.00", date=TODAY)
    html = client.get("/budgets/").get_data(as_text=True)
    card = budget_card(html, budget)
    assert '<dd class="spent">9.00</dd>' in card
    assert f"{TODAY.isoformat()}</span> to" in card


def test_list_runs_a_fixed_number_of_statements(app, client, logged_in):
    uid = logged_in.id
    make_budget(app, uid, amount="100.00")
    make_expense(app, uid, amount="5.00", date=TODAY)
    with count_queries(app) as one:
        assert client.get("/budgets/").status_code == 200
    for name in ("Food", "Transport", "Bills"):
        make_budget(app, uid, amount="50.00", category=name)
        make_budget(app, uid, amount="500.00", category=name, period="yearly")
        make_budget(app, uid, amount="20.00", category=name, period="weekly")
    for day in range(20):
        make_expense(app, uid, amount="1.00", date=TODAY - dt.timedelta(days=day))
    with count_queries(app) as ten:
        html = client.get("/budgets/").get_data(as_text=True)
    assert html.count("budget-card") == 10
    assert len(one) == len(ten)
    assert len(data_statements(ten)) == 3  # issue 14: + the recurring spending still to come


def test_detail_shows_history_in_a_fixed_number_of_statements(app, client, logged_in):
    uid = logged_in.id
    short = make_budget(app, uid, amount="100.00", start_date=FIRST_OF_MONTH)
    long = make_budget(app, uid, amount="100.00", start_date=dt.date(2001, 1, 1))
    previous = FIRST_OF_MONTH - dt.timedelta(days=1)
    make_expense(app, uid, amount="123.45", date=previous)
    with count_queries(app) as few:
        assert client.get(f"/budgets/{short}").status_code == 200
    with count_queries(app) as many:
        html = client.get(f"/budgets/{long}").get_data(as_text=True)
    assert len(few) == len(many)
    assert len(data_statements(many)) == 2
    assert html.count("<tr data-status=") == 24
    assert f"{previous.replace(day=1).isoformat()} to {previous.isoformat()}" in html
    assert "123.45" in html


def test_empty_budget_list_offers_to_create_one(client, logged_in):
    html = client.get("/budgets/").get_data(as_text=True)
    assert "No budgets yet" in html
    assert 'href="/budgets/new"' in html


def test_ten_and_twenty_cents_against_thirty_is_not_over(app, client, logged_in):
    budget = make_budget(app, logged_in.id, amount="0.30")
    make_expense(app, logged_in.id, amount="0.10", date=TODAY)
    make_expense(app, logged_in.id, amount="0.20", date=TODAY)
    card = budget_card(client.get("/budgets/").get_data(as_text=True), budget)
    assert 'data-status="warning"' in card
    assert '<dd class="remaining">0.00</dd>' in card
    assert '<dd class="percent">100%</dd>' in card


PAYLOAD = '"><img src=x onerror=alert(1)>'


@pytest.mark.parametrize(
    "path", ["/", "/budgets/", "/budgets/{id}", "/budgets/{id}/edit", "/reports"]
)
def test_user_text_is_escaped_on_every_page(app, client, logged_in, path):
    category = make_category(app, logged_in.id, PAYLOAD[:50])
    budget = make_budget(app, logged_in.id, amount="10.00", category=PAYLOAD[:50])
    make_expense(
        app,
        logged_in.id,
        amount="5.00",
        date=TODAY,
        category=category,
        description=PAYLOAD,
        tags=("<b>x</b>",),
    )
    html = client.get(path.format(id=budget)).get_data(as_text=True)
    assert "<img src=x" not in html and "<b>x</b>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
