"""Creating, editing, viewing, trashing and restoring expenses through the pages."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from expenses_app.extensions import db
from expenses_app.models import Expense
from expenses_app.versioning import flush_edit

from .conftest import count_queries, csrf_token, login, post_form
from .factories import category_id, make_category, make_expense, make_user


def expense_form(app, user_id, **changes) -> dict[str, str]:
    data = {
        "amount": "12.50",
        "date": "2026-03-04",
        "category_id": str(category_id(app, user_id, "Food")),
        "description": "Lunch",
        "payment_method": "credit_card",
        "tags": "work, Lunch ,work",
        "notes": "With the team",
    }
    data.update(changes)
    return data


def load(app, expense_id: uuid.UUID) -> Expense | None:
    with app.app_context():
        stmt = select(Expense).where(Expense.id == expense_id).options(selectinload(Expense.tags))
        return db.session.scalar(stmt)


def expense_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Expense.id)))


def only_expense(app) -> Expense:
    with app.app_context():
        (expense,) = db.session.scalars(select(Expense).options(selectinload(Expense.tags)))
        return expense


def test_new_expense_form_has_the_contract_fields_and_defaults(app, client, logged_in):
    html = client.get("/expenses/new").get_data(as_text=True)
    for name in ("amount", "date", "category_id", "description", "payment_method", "tags"):
        assert f'name="{name}"' in html
    assert 'name="notes"' in html and 'name="receipt"' in html
    assert 'enctype="multipart/form-data"' in html
    assert f'value="{dt.date.today().isoformat()}"' in html
    for method in ("cash", "credit_card", "debit_card", "bank_transfer", "mobile_payment", "other"):
        assert f'value="{method}"' in html
    assert "Credit card" in html and "Mobile payment" in html


def test_new_expense_defaults_to_the_category_of_the_latest_expense(app, client, logged_in):
    bills = category_id(app, logged_in.id, "Bills")
    make_expense(app, logged_in.id, category="Health", date=dt.date(2025, 1, 1))
    make_expense(app, logged_in.id, category=bills, date=dt.date(2026, 1, 1))
    html = client.get("/expenses/new").get_data(as_text=True)
    assert re.search(rf'<option selected value="{bills}">|<option value="{bills}" selected', html)


def test_create_expense_saves_every_field(app, client, logged_in):
    response = post_form(client, "/expenses/new", expense_form(app, logged_in.id))
    assert response.status_code == 302
    expense = only_expense(app)
    assert response.headers["Location"] == f"/expenses/{expense.id}"
    assert expense.amount == Decimal("12.50")
    assert expense.date == dt.date(2026, 3, 4)
    assert expense.category_id == category_id(app, logged_in.id, "Food")
    assert expense.description == "Lunch"
    assert expense.payment_method == "credit_card"
    assert sorted(tag.name for tag in expense.tags) == ["Lunch", "work"]
    assert expense.notes == "With the team"
    assert expense.user_id == logged_in.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Expense saved." in page


def test_saving_flashes_budget_alerts_as_warnings(app, client, logged_in, monkeypatch):
    seen = []

    def fake_alerts(scope, date, category):
        seen.append((scope.user_id, date, category))
        return ["Food is at 90% of its monthly budget."]

    monkeypatch.setattr("expenses_app.expenses.routes.budget_alerts", fake_alerts)
    response = post_form(
        client, "/expenses/new", expense_form(app, logged_in.id), follow_redirects=True
    )
    html = response.get_data(as_text=True)
    assert "flash-warning" in html and "Food is at 90% of its monthly budget." in html
    assert seen == [(logged_in.id, dt.date(2026, 3, 4), category_id(app, logged_in.id, "Food"))]


@pytest.mark.parametrize(
    ("raw", "stored"), [("12", "12.00"), ("12.5", "12.50"), ("12.50", "12.50")]
)
def test_amounts_accepted(app, client, logged_in, raw, stored):
    response = post_form(client, "/expenses/new", expense_form(app, logged_in.id, amount=raw))
    assert response.status_code == 302
    assert only_expense(app).amount == Decimal(stored)


@pytest.mark.parametrize(
    "raw",
    [
        "-3",
        "0",
        "1e3",
        "12.345",
        "NaN",
        "Infinity",
        "sNaN",
        "",
        "  ",
        "99999999999.99",
        "1,000",
        "\u0661\u0662",  # Arabic-Indic 12: int() and Decimal accept it, the contract does not
        "\uff11\uff12.50",  # fullwidth 12.50
    ],
)
def test_amounts_refused_with_a_message_and_nothing_saved(app, client, logged_in, raw):
    response = post_form(client, "/expenses/new", expense_form(app, logged_in.id, amount=raw))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="amount-error"' in html and 'aria-invalid="true"' in html
    assert expense_count(app) == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date", ""),
        ("date", "2026-02-30"),
        ("date", "03/04/2026"),
        ("date", "99999-01-01"),
        ("description", ""),
        ("description", "   "),
        ("description", "x" * 201),
        ("description", "nul\x00byte"),
        ("notes", "bell\x07"),
        ("payment_method", "bitcoin"),
        ("category_id", ""),
        ("category_id", "not-a-uuid"),
        ("category_id", str(uuid.uuid4())),
        ("tags", "x" * 41),
        ("tags", ",".join(f"t{n}" for n in range(21))),
    ],
)
def test_bad_fields_are_form_errors_and_save_nothing(app, client, logged_in, field, value):
    response = post_form(client, "/expenses/new", expense_form(app, logged_in.id, **{field: value}))
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert expense_count(app) == 0


def test_forged_foreign_category_is_a_form_error(app, client, logged_in):
    other = make_user(app, "victim")
    foreign = category_id(app, other.id, "Food")
    response = post_form(
        client, "/expenses/new", expense_form(app, logged_in.id, category_id=str(foreign))
    )
    assert response.status_code == 422
    assert 'id="category_id-error"' in response.get_data(as_text=True)
    assert expense_count(app) == 0


def test_extra_fields_cannot_assign_owner_or_id(app, client, logged_in):
    other = make_user(app, "target")
    forged_id = uuid.uuid4()
    data = expense_form(app, logged_in.id)
    data.update(user_id=str(other.id), id=str(forged_id))
    assert post_form(client, "/expenses/new", data).status_code == 302
    expense = only_expense(app)
    assert expense.user_id == logged_in.id and expense.id != forged_id


def test_user_text_is_escaped_on_every_page(app, client, logged_in):
    payload = '"><img src=x onerror=alert(1)>{{7*7}}'
    expense_id = make_expense(
        app, logged_in.id, description=payload, notes=payload, tags=("<script>",)
    )
    for url in ("/expenses/", f"/expenses/{expense_id}", f"/expenses/{expense_id}/edit"):
        html = client.get(url).get_data(as_text=True)
        assert "<img src=x" not in html and "<script>" not in html
        assert "&lt;img src=x" in html or "&#34;&gt;&lt;img" in html


def test_detail_shows_the_expense(app, client, logged_in):
    expense_id = make_expense(
        app,
        logged_in.id,
        description="Dentist",
        amount="1234.5",
        category="Health",
        payment_method="bank_transfer",
        tags=("family",),
        notes="Check-up",
    )
    html = client.get(f"/expenses/{expense_id}").get_data(as_text=True)
    for text in ("Dentist", "1,234.50", "Health", "Bank transfer", "Check-up"):
        assert text in html
    assert 'href="/expenses/?tag=family"' in html
    assert f'action="/expenses/{expense_id}/delete"' in html


def test_edit_form_is_filled_with_the_expense(app, client, logged_in):
    expense_id = make_expense(
        app, logged_in.id, amount="7.5", description="Bus", tags=("a", "b"), notes="n"
    )
    html = client.get(f"/expenses/{expense_id}/edit").get_data(as_text=True)
    assert 'value="7.50"' in html and 'value="Bus"' in html and 'value="a, b"' in html
    assert 'name="version" type="hidden" value="1"' in html


def test_edit_saves_every_field(app, client, logged_in):
    expense_id = make_expense(app, logged_in.id, tags=("old",))
    data = expense_form(
        app,
        logged_in.id,
        amount="99.99",
        category_id=str(category_id(app, logged_in.id, "Bills")),
        description="Electricity",
        payment_method="bank_transfer",
        tags="utilities",
        notes="",
        version="1",
    )
    response = post_form(client, f"/expenses/{expense_id}/edit", data)
    assert response.status_code == 302
    expense = load(app, expense_id)
    assert expense.amount == Decimal("99.99") and expense.description == "Electricity"
    assert expense.category_id == category_id(app, logged_in.id, "Bills")
    assert expense.payment_method == "bank_transfer" and expense.notes is None
    assert [tag.name for tag in expense.tags] == ["utilities"]
    assert expense.version == 2


def test_edit_adds_new_tags_before_it_updates_the_row(app, client, logged_in):
    # Lock order: a save takes the new tag's row, then the month total through
    # the UPDATE's trigger, like a new expense does; the other order deadlocked
    # on PostgreSQL against a concurrent save adding the same tag.
    expense_id = make_expense(app, logged_in.id, amount="5.00")
    data = expense_form(app, logged_in.id, amount="6.00", tags="brand new", version="1")
    page = f"/expenses/{expense_id}/edit"
    token = csrf_token(client, page)
    with count_queries(app) as statements:
        response = client.post(page, data=data | {"csrf_token": token})
    assert response.status_code == 302
    verbs = [" ".join(s.split()[:3]) for s in statements]
    assert verbs.index("INSERT INTO tags") < verbs.index("UPDATE expenses SET")


def test_edit_with_bad_input_saves_nothing(app, client, logged_in):
    expense_id = make_expense(app, logged_in.id, amount="5.00")
    data = expense_form(app, logged_in.id, amount="sNaN", version="1")
    response = post_form(client, f"/expenses/{expense_id}/edit", data)
    assert response.status_code == 422
    assert load(app, expense_id).amount == Decimal("5.00")


def test_stale_edit_is_a_conflict_and_saves_nothing(app, client, logged_in):
    expense_id = make_expense(app, logged_in.id, description="Original")
    first = expense_form(app, logged_in.id, description="First save", version="1")
    assert post_form(client, f"/expenses/{expense_id}/edit", first).status_code == 302
    stale = expense_form(app, logged_in.id, description="Stale save", version="1")
    response = post_form(client, f"/expenses/{expense_id}/edit", stale)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "changed elsewhere" in html and "First save" in html
    assert 'name="version" type="hidden" value="2"' in html
    assert load(app, expense_id).description == "First save"


def test_tags_only_change_bumps_the_version(app, client, logged_in):
    expense_id = make_expense(app, logged_in.id, description="Lunch", amount="12.50")
    data = expense_form(app, logged_in.id, version="1", tags="new")
    data.update(date=load(app, expense_id).date.isoformat(), notes="", payment_method="cash")
    assert post_form(client, f"/expenses/{expense_id}/edit", data).status_code == 302
    assert load(app, expense_id).version == 2


def test_concurrent_save_caught_at_flush_is_a_conflict(app, client, logged_in, monkeypatch):
    expense_id = make_expense(app, logged_in.id, description="Original")

    def racing_update(expense, values, expected_version):
        # The row's version moves on between our load and our flush, as when
        # another request commits in between (on PostgreSQL; SQLite's write
        # lock already serialises the two).
        table = Expense.__table__
        db.session.execute(
            table.update().where(table.c.id == expense.id).values(version=table.c.version + 1)
        )
        expense.description = values.description
        flush_edit()

    monkeypatch.setattr("expenses_app.expenses.routes.update_expense", racing_update)
    data = expense_form(app, logged_in.id, description="Mine", version="1")
    response = post_form(client, f"/expenses/{expense_id}/edit", data)
    assert response.status_code == 409
    assert "changed elsewhere" in response.get_data(as_text=True)
    assert load(app, expense_id).description == "Original"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/expenses/{id}"),
        ("get", "/expenses/{id}/edit"),
        ("post", "/expenses/{id}/edit"),
        ("post", "/expenses/{id}/delete"),
        ("post", "/expenses/{id}/restore"),
        ("get", "/expenses/{id}/receipt"),
    ],
)
def test_another_users_expense_is_404(app, client, logged_in, method, path):
    other = make_user(app, "owner")
    theirs = make_expense(app, other.id, description="Private", deleted="restore" in path)
    url = path.format(id=theirs)
    if method == "get":
        response = client.get(url)
    else:
        token = csrf_token(client, "/expenses/new")
        data = expense_form(app, logged_in.id, version="1", csrf_token=token)
        response = client.post(url, data=data)
    assert response.status_code == 404
    assert "Private" not in response.get_data(as_text=True)
    expense = load(app, theirs)
    assert expense.description == "Private" and expense.version == 1


def test_pages_need_login(app, client):
    user = make_user(app, "someone")
    expense_id = make_expense(app, user.id)
    for url in ("/expenses/new", f"/expenses/{expense_id}", "/expenses/trash"):
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login?next=" in response.headers["Location"]
    login(client, user)
    assert client.get(f"/expenses/{expense_id}").status_code == 200


def test_form_warns_when_there_are_no_categories(app, client):
    user = make_user(app, "empty", with_defaults=False)
    login(client, user)
    html = client.get("/expenses/new").get_data(as_text=True)
    assert "You have no categories yet" in html


def test_category_choices_are_only_mine(app, client, logged_in):
    other = make_user(app, "stranger")
    make_category(app, other.id, "Secret stash")
    html = client.get("/expenses/new").get_data(as_text=True)
    assert "Secret stash" not in html and "Transport" in html
