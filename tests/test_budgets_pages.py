import datetime as dt
import re
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import select

from expenses_app.extensions import db
from expenses_app.models import Budget

from .conftest import count_queries, login, post_form
from .factories import category_id, make_budget, make_category, make_expense, make_user

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


def form_data(**overrides) -> dict:
    data = {
        "category_id": "",
        "amount": "200.00",
        "period": "monthly",
        "start_date": "2026-01-01",
        "end_date": "",
    }
    data.update(overrides)
    return data


def budgets_in_db(app, user_id) -> list[Budget]:
    with app.app_context():
        return list(db.session.scalars(select(Budget).where(Budget.user_id == user_id)))


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
    assert len(one) == len(ten) == 3


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
    assert len(few) == len(many) == 3
    assert html.count("<tr data-status=") == 24
    assert f"{previous.replace(day=1).isoformat()} to {previous.isoformat()}" in html
    assert "123.45" in html


def test_create_budget(app, client, logged_in):
    food = category_id(app, logged_in.id, "Food")
    response = post_form(
        client, "/budgets/new", form_data(category_id=str(food), amount="12.5", period="weekly")
    )
    assert response.status_code == 302
    [budget] = budgets_in_db(app, logged_in.id)
    assert response.headers["Location"] == f"/budgets/{budget.id}"
    assert (budget.amount, budget.period, budget.category_id) == (Decimal("12.50"), "weekly", food)
    assert budget.start_date == dt.date(2026, 1, 1) and budget.end_date is None


def test_create_overall_budget_with_end_date(app, client, logged_in):
    response = post_form(client, "/budgets/new", form_data(end_date="2026-06-30"))
    assert response.status_code == 302
    [budget] = budgets_in_db(app, logged_in.id)
    assert budget.category_id is None and budget.end_date == dt.date(2026, 6, 30)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("end_date", "2025-12-31", "cannot be before the start date"),
        ("amount", "0", "greater than zero"),
        ("amount", "12.345", "two decimal places"),
        ("amount", "NaN", "Enter a number"),
        ("amount", "", "Enter an amount"),
        ("period", "daily", "Not a valid choice"),
        ("start_date", "2026-02-30", "Not a valid date"),
        ("start_date", "", "Enter a start date"),
        ("category_id", "not-a-uuid", "Invalid Choice"),
        ("category_id", str(uuid.uuid4()), "Not a valid choice"),
    ],
)
def test_bad_budget_input_is_a_form_error(app, client, logged_in, field, value, message):
    response = post_form(client, "/budgets/new", form_data(**{field: value}))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert budgets_in_db(app, logged_in.id) == []


def test_another_users_category_is_not_a_choice(app, client, logged_in):
    other = make_user(app, "other")
    foreign = make_category(app, other.id, "Theirs")
    response = post_form(client, "/budgets/new", form_data(category_id=str(foreign)))
    assert response.status_code == 422
    assert "Theirs" not in response.get_data(as_text=True)
    assert budgets_in_db(app, logged_in.id) == []


def test_edit_budget(app, client, logged_in):
    budget = make_budget(app, logged_in.id, amount="100.00")
    page = client.get(f"/budgets/{budget}/edit").get_data(as_text=True)
    assert 'name="version" type="hidden" value="1"' in page
    response = post_form(
        client,
        f"/budgets/{budget}/edit",
        form_data(amount="75.00", period="yearly", version="1"),
    )
    assert response.status_code == 302
    [saved] = budgets_in_db(app, logged_in.id)
    assert (saved.amount, saved.period, saved.version) == (Decimal("75.00"), "yearly", 2)


def test_edit_without_version_still_saves(app, client, logged_in):
    budget = make_budget(app, logged_in.id, amount="100.00")
    response = post_form(client, f"/budgets/{budget}/edit", form_data(amount="60.00"))
    assert response.status_code == 302
    assert budgets_in_db(app, logged_in.id)[0].amount == Decimal("60.00")


def test_stale_edit_is_refused_with_a_conflict_message(app, client, logged_in):
    budget = make_budget(app, logged_in.id, amount="100.00")
    assert post_form(client, f"/budgets/{budget}/edit", form_data(amount="60.00", version="1"))
    response = post_form(client, f"/budgets/{budget}/edit", form_data(amount="999.00", version="1"))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "changed elsewhere" in html
    assert 'name="version" type="hidden" value="2"' in html
    [saved] = budgets_in_db(app, logged_in.id)
    assert (saved.amount, saved.version) == (Decimal("60.00"), 2)


def test_end_date_before_start_is_refused_on_edit(app, client, logged_in):
    budget = make_budget(app, logged_in.id, amount="100.00")
    response = post_form(
        client,
        f"/budgets/{budget}/edit",
        form_data(start_date="2026-05-01", end_date="2026-04-30"),
    )
    assert response.status_code == 422
    assert budgets_in_db(app, logged_in.id)[0].end_date is None


def test_database_refuses_end_before_start(app, user):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        make_budget(app, user.id, start_date=dt.date(2026, 5, 1), end_date=dt.date(2026, 4, 1))


def test_delete_budget(app, client, logged_in):
    budget = make_budget(app, logged_in.id)
    response = post_form(client, f"/budgets/{budget}/delete", page="/budgets/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/budgets/"
    assert budgets_in_db(app, logged_in.id) == []


def test_delete_without_csrf_token_changes_nothing(app, client, logged_in):
    budget = make_budget(app, logged_in.id)
    assert client.post(f"/budgets/{budget}/delete").status_code == 400
    assert len(budgets_in_db(app, logged_in.id)) == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/budgets/{id}"),
        ("get", "/budgets/{id}/edit"),
        ("post", "/budgets/{id}/edit"),
        ("post", "/budgets/{id}/delete"),
    ],
)
def test_another_users_or_a_missing_budget_is_404(app, client, user, method, path):
    owner = make_user(app, "owner")
    theirs = make_budget(app, owner.id, amount="100.00")
    login(client, user)
    for budget_id in (theirs, uuid.uuid4()):
        url = path.format(id=budget_id)
        if method == "get":
            response = client.get(url)
        else:
            response = post_form(client, url, form_data(amount="1.00"), page="/budgets/")
        assert response.status_code == 404
    [kept] = budgets_in_db(app, owner.id)
    assert (kept.amount, kept.version) == (Decimal("100.00"), 1)


@pytest.mark.parametrize("path", ["/budgets/", "/budgets/new"])
def test_budget_pages_need_a_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


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
