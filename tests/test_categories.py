"""Categories pages: list with counts, create, edit, delete with move_to, isolation."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from sqlalchemy import func, select

from expenses_app.extensions import db
from expenses_app.models import Budget, Category, Expense

from .conftest import count_queries, login, post_form
from .factories import category_id, make_budget, make_category, make_expense, make_user


def category_row(app, cat_id: uuid.UUID) -> Category | None:
    with app.app_context():
        category = db.session.get(Category, cat_id)
        if category is not None:
            db.session.expunge(category)
        return category


def expense_categories(app, user_id: uuid.UUID) -> set[uuid.UUID]:
    with app.app_context():
        return set(
            db.session.scalars(select(Expense.category_id).where(Expense.user_id == user_id))
        )


def test_list_shows_categories_with_counts_excluding_trash(app, client, logged_in):
    make_expense(app, logged_in.id, category="Food")
    make_expense(app, logged_in.id, category="Food")
    make_expense(app, logged_in.id, category="Food", deleted=True)
    make_expense(app, logged_in.id, category="Health")
    response = client.get("/categories/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    food_row = html.split(f'id="category-{category_id(app, logged_in.id, "Food")}"')[1]
    food_row = food_row.split("</tr>")[0]
    assert ">2</a>" in food_row
    assert "(+1 in trash)" in food_row
    health_row = html.split(f'id="category-{category_id(app, logged_in.id, "Health")}"')[1]
    assert ">1</a>" in health_row.split("</tr>")[0]
    assert 'fill="#ef4444"' in html
    assert "🍔" in html


def test_list_issues_a_fixed_number_of_statements(app, client, logged_in):
    with count_queries(app) as few:
        assert client.get("/categories/").status_code == 200
    for n in range(8):
        cat = make_category(app, logged_in.id, f"Extra {n}")
        make_expense(app, logged_in.id, category=cat)
        make_budget(app, logged_in.id, category=f"Extra {n}")
    with count_queries(app) as many:
        assert client.get("/categories/").status_code == 200
    assert len(many) == len(few)
    assert len([s for s in many if "categories" in s]) == 1


def test_create_category_saves_every_field(app, client, logged_in):
    response = post_form(
        client,
        "/categories/new",
        {"name": "  Pets  ", "color": "#A1B2C3", "icon": "🐶", "description": "Vet, food"},
    )
    assert response.status_code == 302
    with app.app_context():
        category = db.session.scalar(
            select(Category).where(Category.ledger_id == logged_in.id, Category.name == "Pets")
        )
        assert (category.name_key, category.color, category.icon, category.description) == (
            "pets",
            "#a1b2c3",
            "🐶",
            "Vet, food",
        )


@pytest.mark.parametrize("name", ["food", "FOOD", " Food "])
def test_duplicate_name_in_any_case_is_refused(app, client, logged_in, name):
    response = post_form(client, "/categories/new", {"name": name, "color": "#000000"})
    assert response.status_code == 422
    assert "already have a category with this name" in response.get_data(as_text=True)
    with app.app_context():
        count = db.session.scalar(
            select(func.count()).where(
                Category.ledger_id == logged_in.id, Category.name_key == "food"
            )
        )
    assert count == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "Pets", "color": "red"},
        {"name": "Pets", "color": "#12345"},
        {"name": "Pets", "color": "#12345g"},
        {"name": "Pets", "color": ""},
        {"name": "", "color": "#123456"},
        {"name": "x" * 51, "color": "#123456"},
        {"name": "Pe\x00ts", "color": "#123456"},
        {"name": "Pets", "color": "#123456", "icon": "x" * 17},
        {"name": "Pets", "color": "#123456", "icon": "a\tb"},
        {"name": "Pets", "color": "#1234567"},
        {"name": "Pets", "color": "#123456", "description": "a\x00b"},
    ],
)
def test_invalid_category_is_refused_and_nothing_saved(app, client, logged_in, fields):
    response = post_form(client, "/categories/new", fields)
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(Category).where(Category.ledger_id == logged_in.id)
            )
            == 6
        )


def test_same_name_is_allowed_for_another_user(app, client, logged_in):
    other = make_user(app)
    make_category(app, other.id, "Pets")
    response = post_form(client, "/categories/new", {"name": "pets", "color": "#123456"})
    assert response.status_code == 302
    assert category_id(app, logged_in.id, "Pets") is not None


def test_edit_saves_changes_and_bumps_version(app, client, logged_in):
    cat = category_id(app, logged_in.id, "Food")
    response = post_form(
        client,
        f"/categories/{cat}/edit",
        {"name": "Groceries", "color": "#00ff00", "icon": "", "description": "", "version": "1"},
    )
    assert response.status_code == 302
    category = category_row(app, cat)
    assert (category.name, category.name_key, category.color, category.icon) == (
        "Groceries",
        "groceries",
        "#00ff00",
        None,
    )
    assert category.version == 2


def test_edit_keeping_own_name_in_other_case_is_allowed(app, client, logged_in):
    cat = category_id(app, logged_in.id, "Food")
    response = post_form(
        client, f"/categories/{cat}/edit", {"name": "FOOD", "color": "#ef4444", "version": "1"}
    )
    assert response.status_code == 302
    assert category_row(app, cat).name == "FOOD"


def test_edit_to_another_categorys_name_is_refused(app, client, logged_in):
    cat = category_id(app, logged_in.id, "Food")
    response = post_form(
        client, f"/categories/{cat}/edit", {"name": "health", "color": "#ef4444", "version": "1"}
    )
    assert response.status_code == 422
    assert category_row(app, cat).name == "Food"


def test_stale_edit_is_refused_with_a_conflict_message(app, client, logged_in):
    cat = category_id(app, logged_in.id, "Food")
    edit_url = f"/categories/{cat}/edit"
    first = post_form(client, edit_url, {"name": "First", "color": "#111111", "version": "1"})
    assert first.status_code == 302
    stale = post_form(client, edit_url, {"name": "Second", "color": "#222222", "version": "1"})
    html = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "changed this category after you opened it" in html
    assert re.search(r'<input[^>]*name="version"[^>]*value="2"', html)
    assert category_row(app, cat).name == "First"
    again = post_form(client, edit_url, {"name": "Second", "color": "#222222", "version": "2"})
    assert again.status_code == 302
    assert category_row(app, cat).name == "Second"


def test_edit_form_shows_current_values(app, client, logged_in):
    cat = category_id(app, logged_in.id, "Transport")
    html = client.get(f"/categories/{cat}/edit").get_data(as_text=True)
    assert 'value="Transport"' in html
    assert 'value="#3b82f6"' in html
    assert 'name="version"' in html


def test_delete_unused_category_removes_it_and_its_budgets(app, client, logged_in):
    cat = category_id(app, logged_in.id, "Bills")
    budget = make_budget(app, logged_in.id, category="Bills")
    response = post_form(client, f"/categories/{cat}/delete", page="/categories/")
    assert response.status_code == 302
    assert category_row(app, cat) is None
    with app.app_context():
        assert db.session.get(Budget, budget) is None
    flashes = client.get("/categories/").get_data(as_text=True)
    assert "1 budget on it removed with it" in flashes


@pytest.mark.parametrize("trashed", [False, True])
def test_delete_in_use_without_move_to_is_refused(app, client, logged_in, trashed):
    cat = category_id(app, logged_in.id, "Food")
    make_expense(app, logged_in.id, category="Food", deleted=trashed)
    response = post_form(client, f"/categories/{cat}/delete", page="/categories/")
    assert response.status_code == 422
    assert "1 expense uses this category" in response.get_data(as_text=True)
    assert category_row(app, cat) is not None


def test_delete_with_foreign_move_to_is_refused(app, client, logged_in):
    cat = category_id(app, logged_in.id, "Food")
    expense = make_expense(app, logged_in.id, category="Food")
    other = make_user(app)
    foreign = category_id(app, other.id, "Health")
    for move_to in (str(foreign), str(uuid.uuid4()), "not-a-uuid", str(cat)):
        response = post_form(
            client, f"/categories/{cat}/delete", {"move_to": move_to}, page="/categories/"
        )
        assert response.status_code in (404, 422)
        assert category_row(app, cat) is not None
        with app.app_context():
            assert db.session.get(Expense, expense).category_id == cat


def test_delete_with_move_to_moves_every_expense_including_trash(app, client, logged_in):
    cat = category_id(app, logged_in.id, "Food")
    target = category_id(app, logged_in.id, "Health")
    make_expense(app, logged_in.id, category="Food")
    make_expense(app, logged_in.id, category="Food", deleted=True)
    make_expense(app, logged_in.id, category="Health")
    response = post_form(
        client, f"/categories/{cat}/delete", {"move_to": str(target)}, page="/categories/"
    )
    assert response.status_code == 302
    assert category_row(app, cat) is None
    assert expense_categories(app, logged_in.id) == {target}
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Expense.category_id == target)) == 3


def test_failed_move_rolls_back_the_moved_expenses(app, client, logged_in, monkeypatch):
    from expenses_app.categories import services

    cat = category_id(app, logged_in.id, "Food")
    target = category_id(app, logged_in.id, "Health")
    make_expense(app, logged_in.id, category="Food")

    def broken_delete(category):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services.db.session, "delete", broken_delete)
    response = post_form(
        client, f"/categories/{cat}/delete", {"move_to": str(target)}, page="/categories/"
    )
    assert response.status_code == 500
    monkeypatch.undo()
    assert category_row(app, cat) is not None
    assert expense_categories(app, logged_in.id) == {cat}


@pytest.mark.parametrize(
    ("method", "suffix", "data"),
    [
        ("get", "/edit", None),
        ("post", "/edit", {"name": "Mine", "color": "#123456", "version": "1"}),
        ("post", "/delete", {}),
    ],
)
def test_another_users_category_is_404_on_every_route(app, client, method, suffix, data):
    owner = make_user(app)
    intruder = make_user(app)
    theirs = category_id(app, owner.id, "Food")
    login(client, intruder)
    for target in (theirs, uuid.uuid4()):
        url = f"/categories/{target}{suffix}"
        if method == "get":
            response = client.get(url)
        else:
            response = post_form(client, url, data, page="/categories/")
        assert response.status_code == 404
    assert category_row(app, theirs).name == "Food"


def test_pages_require_login(client):
    response = client.get("/categories/")
    assert response.status_code == 302
    assert "/auth/login?next=" in response.headers["Location"]


def test_user_text_is_escaped_in_the_list(app, client, logged_in):
    make_category(app, logged_in.id, "<script>alert(1)</script>", icon='"><b>')
    html = client.get("/categories/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '"><b>' not in html


def test_expense_dates_do_not_matter_for_counts(app, client, logged_in):
    make_expense(app, logged_in.id, category="Food", date=dt.date(2001, 1, 1))
    html = client.get("/categories/").get_data(as_text=True)
    assert "1 expenses in Food" in html


def test_name_taken_by_a_concurrent_request_is_a_form_error(app, client, logged_in, monkeypatch):
    from expenses_app.categories import forms

    monkeypatch.setattr(forms, "is_name_taken", lambda *args, **kwargs: False)
    response = post_form(client, "/categories/new", {"name": "FOOD", "color": "#123456"})
    assert response.status_code == 422
    assert "already have a category with this name" in response.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).where(
                    Category.ledger_id == logged_in.id, Category.name_key == "food"
                )
            )
            == 1
        )


def test_edit_without_version_field_saves(app, client, logged_in):
    cat = category_id(app, logged_in.id, "Food")
    response = post_form(client, f"/categories/{cat}/edit", {"name": "Meals", "color": "#ef4444"})
    assert response.status_code == 302
    assert category_row(app, cat).name == "Meals"


def test_move_reports_how_many_expenses_moved(app, client, logged_in):
    cat = category_id(app, logged_in.id, "Food")
    target = category_id(app, logged_in.id, "Health")
    make_expense(app, logged_in.id, category="Food")
    make_expense(app, logged_in.id, category="Food")
    response = post_form(
        client,
        f"/categories/{cat}/delete",
        {"move_to": str(target)},
        page="/categories/",
        follow_redirects=True,
    )
    assert "Category “Food” deleted. 2 expenses moved." in response.get_data(as_text=True)
