"""Every API operation through the contract: categories, expenses, budgets, reports (issue 16)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select

from expenses_app.extensions import db
from expenses_app.models import Budget, Category, Expense

from .api_client import api_client, expense_body
from .conftest import login
from .factories import category_id, make_expense, make_user


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_ledgers_lists_each_ledger_with_the_role(app):
    api = api_client(app, make_user(app))

    body = api.get("/api/v1/ledgers").get_json()

    assert body == {"data": [{"id": str(api.user.id), "name": "Personal", "role": "owner"}]}


def test_categories_crud(app):
    api = api_client(app, make_user(app))
    path = f"{api.ledger}/categories"

    created = api.post(path, json={"name": "Pets", "color": "#112233", "icon": "🐈"})
    assert created.status_code == 201
    category = created.get_json()
    assert category["name"] == "Pets" and category["color"] == "#112233"
    listed = api.get(path).get_json()["data"]
    assert "Pets" in {row["name"] for row in listed}
    assert api.get(f"{path}/{category['id']}").get_json() == category
    changed = api.patch(f"{path}/{category['id']}", json={"description": "Cat food"})
    assert changed.status_code == 200
    assert changed.get_json()["description"] == "Cat food" and changed.get_json()["name"] == "Pets"
    assert api.delete(f"{path}/{category['id']}").status_code == 204
    assert api.get(f"{path}/{category['id']}").status_code == 404


def test_a_taken_category_name_answers_422_naming_the_field(app):
    api = api_client(app, make_user(app))
    before = count(app, Category)

    response = api.post(f"{api.ledger}/categories", json={"name": "  food "})

    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert set(response.get_json()["errors"]) == {"name"}
    assert count(app, Category) == before


def test_deleting_a_category_in_use_answers_409_and_keeps_it(app):
    api = api_client(app, make_user(app))
    food = category_id(app, api.user.id, "Food")
    make_expense(app, api.user.id, category="Food")

    response = api.delete(f"{api.ledger}/categories/{food}")

    assert response.status_code == 409
    assert response.get_json()["status"] == 409
    assert api.get(f"{api.ledger}/categories/{food}").status_code == 200


def test_expenses_crud_with_money_as_strings(app):
    api = api_client(app, make_user(app))
    food = category_id(app, api.user.id, "Food")
    path = f"{api.ledger}/expenses"

    created = api.post(path, json=expense_body(food, amount="12.5"))
    assert created.status_code == 201
    expense = created.get_json()
    assert expense["amount"] == "12.50" and expense["tags"] == ["food", "work"]
    assert expense["created_by"] == str(api.user.id) and expense["has_receipt"] is False
    assert dt.datetime.fromisoformat(expense["created_at"]).utcoffset() == dt.timedelta(0)
    assert api.get(f"{path}/{expense['id']}").get_json() == expense
    changed = api.patch(f"{path}/{expense['id']}", json={"amount": "3", "tags": []}).get_json()
    assert (
        changed["amount"] == "3.00"
        and changed["tags"] == []
        and changed["notes"] == ("with a client")
    )
    assert api.delete(f"{path}/{expense['id']}").status_code == 204
    assert api.get(f"{path}/{expense['id']}").status_code == 404
    with app.app_context():
        assert db.session.get(Expense, uuid.UUID(expense["id"])).deleted_at


def test_bad_expense_input_answers_422_per_field_and_creates_nothing(app):
    api = api_client(app, make_user(app))
    other = make_user(app)
    foreign = category_id(app, other.id, "Food")
    food = category_id(app, api.user.id, "Food")
    cases = [
        (expense_body(food, amount="0"), "amount"),
        (expense_body(food, amount="12.345"), "amount"),
        (expense_body(food, amount=12.5), "amount"),
        (expense_body(foreign), "category_id"),
        (expense_body(food, date="2026-13-01"), "date"),
        (expense_body(food, payment_method="gold"), "payment_method"),
        (expense_body(food, tags=["x"] * 21), "tags"),
        (expense_body(food, description="   "), "description"),
        (expense_body(food, surprise=1), "surprise"),
    ]
    for body, field in cases:
        response = api.post(f"{api.ledger}/expenses", json=body)
        assert response.status_code == 422, (field, response.get_json())
        assert field in response.get_json()["errors"], (field, response.get_json())
    assert api.post(f"{api.ledger}/expenses", data="not json").status_code == 422
    assert count(app, Expense) == 0


def test_budgets_crud_with_their_standing(app):
    api = api_client(app, make_user(app))
    food = category_id(app, api.user.id, "Food")
    make_expense(app, api.user.id, category="Food", amount="85.00", date=dt.date.today())
    path = f"{api.ledger}/budgets"
    body = {"category_id": str(food), "amount": "100", "period": "monthly"}

    created = api.post(path, json={**body, "start_date": "2020-01-01"})
    assert created.status_code == 201
    budget = created.get_json()
    assert budget["spent"] == "85.00" and budget["remaining"] == "15.00"
    assert budget["percent"] == 85 and budget["status"] == "warning"
    assert api.get(path).get_json()["data"] == [budget]
    changed = api.patch(f"{path}/{budget['id']}", json={"amount": "50"}).get_json()
    assert changed["status"] == "over" and changed["remaining"] == "-35.00"
    bad = api.patch(f"{path}/{budget['id']}", json={"end_date": "2019-01-01"})
    assert bad.status_code == 422 and "end_date" in bad.get_json()["errors"]
    assert api.delete(f"{path}/{budget['id']}").status_code == 204
    assert count(app, Budget) == 0


def test_reports_group_totals_like_the_reports_page(app):
    api = api_client(app, make_user(app))
    make_expense(app, api.user.id, category="Food", amount="10.00", date=dt.date(2026, 1, 5))
    make_expense(app, api.user.id, category="Food", amount="2.50", date=dt.date(2026, 2, 5))
    make_expense(app, api.user.id, category="Bills", amount="7.00", date=dt.date(2026, 2, 6))
    path = f"{api.ledger}/reports?start=2026-01-01&end=2026-12-31"

    by_category = api.get(path).get_json()
    by_month = api.get(f"{path}&group=month").get_json()

    assert by_category == {
        "groups": [
            {"group": "Food", "total": "12.50", "count": 2},
            {"group": "Bills", "total": "7.00", "count": 1},
        ]
    }
    assert [row["group"] for row in by_month["groups"]] == ["2026-01", "2026-02"]
    bad = api.get(f"{api.ledger}/reports?start=2026-02-01&end=2026-01-01")
    assert bad.status_code == 422 and "end" in bad.get_json()["errors"]


def test_unknown_paths_and_methods_answer_problems(app):
    api = api_client(app, make_user(app))

    missing = api.get("/api/v1/nothing-here")
    wrong_method = api.call("PUT", f"{api.ledger}/expenses")
    malformed_id = api.get(f"{api.ledger}/expenses/not-a-uuid")

    assert missing.status_code == 404 and missing.content_type == "application/problem+json"
    assert wrong_method.status_code == 405
    assert wrong_method.content_type == "application/problem+json"
    assert "GET" in wrong_method.headers["Allow"]
    assert malformed_id.status_code == 404
    assert set(missing.get_json()) >= {"status", "title", "detail"}


def test_a_write_through_the_api_shows_on_a_page_the_page_cache_kept(app):
    user = make_user(app)
    api = api_client(app, user)
    web = app.test_client()
    login(web, user)
    assert "Made by a script" not in web.get("/expenses/").get_data(as_text=True)
    food = category_id(app, user.id, "Food")

    created = api.post(
        f"{api.ledger}/expenses",
        json=expense_body(food, description="Made by a script", date=str(dt.date.today())),
    )

    assert created.status_code == 201
    assert "Made by a script" in web.get("/expenses/").get_data(as_text=True)
    assert "Made by a script" in web.get("/").get_data(as_text=True)
