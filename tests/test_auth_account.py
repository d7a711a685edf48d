import uuid

import pytest
from sqlalchemy import func, select

from expenses_app.auth.passwords import verify_password
from expenses_app.extensions import db
from expenses_app.models import (
    Budget,
    Category,
    Expense,
    Receipt,
    Tag,
    User,
    UserSession,
    expense_tags,
)

from .conftest import login, post_form
from .factories import make_budget, make_category, make_expense, make_receipt, make_user

NEW = "another good passphrase"


def password_hash(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id).password_hash


def test_account_page_shows_both_forms_with_contract_fields(client, logged_in):
    response = client.get("/auth/account")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for name in ("full_name", "email", "current_password", "new_password", "confirm", "password"):
        assert f'name="{name}"' in html
    assert 'action="/auth/account/delete"' in html
    assert response.headers["Cache-Control"] == "no-store"


def test_profile_update_normalises_the_email(app, client, logged_in):
    response = post_form(
        client,
        "/auth/account",
        {
            "full_name": " New Name ",
            "email": " NEW@Example.com ",
            "current_password": logged_in.password,
        },
    )

    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, logged_in.id)
        assert (user.full_name, user.email) == ("New Name", "new@example.com")


def test_profile_cannot_take_another_users_email(app, client, logged_in):
    make_user(app, "other", email="taken@example.com")

    response = post_form(
        client,
        "/auth/account",
        {"full_name": "", "email": "TAKEN@example.com", "current_password": logged_in.password},
    )

    assert response.status_code == 422
    assert "Another account uses this email." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, logged_in.id).email == logged_in.email


def test_password_change_rehashes_and_the_new_password_logs_in(app, client, logged_in):
    before = password_hash(app, logged_in.id)

    response = post_form(
        client,
        "/auth/account",
        {"current_password": logged_in.password, "new_password": NEW, "confirm": NEW},
    )

    assert response.status_code == 302
    after = password_hash(app, logged_in.id)
    assert after != before and after.startswith("$argon2id$")
    with app.app_context():
        assert verify_password(after, NEW)
    fresh = app.test_client()
    assert (
        post_form(fresh, "/auth/login", {"login": logged_in.email, "password": NEW}).status_code
        == 302
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"current_password": "wrong password here"}, "not your current password"),
        ({"current_password": ""}, "This field is required"),
        ({"new_password": "short", "confirm": "short"}, "at least 8"),
        ({"new_password": "iloveyou123", "confirm": "iloveyou123"}, "too common"),
        ({"confirm": "does not match"}, "The passwords differ."),
    ],
)
def test_bad_password_change_is_refused_and_changes_nothing(
    app, client, logged_in, fields, message
):
    before = password_hash(app, logged_in.id)
    data = {"current_password": logged_in.password, "new_password": NEW, "confirm": NEW}
    data.update(fields)

    response = post_form(client, "/auth/account", data)

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert password_hash(app, logged_in.id) == before


def test_password_equal_to_own_username_is_refused_on_change(app, client):
    user = make_user(app, "longusername")
    login(client, user)

    data = {
        "current_password": user.password,
        "new_password": "LongUserName",
        "confirm": "LongUserName",
    }
    response = post_form(client, "/auth/account", data)

    assert response.status_code == 422
    assert "username or email" in response.get_data(as_text=True)


def test_delete_with_wrong_password_changes_nothing(app, client, logged_in):
    response = post_form(
        client, "/auth/account/delete", {"password": "not my password"}, page="/auth/account"
    )

    assert response.status_code == 422
    assert "not your current password" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, logged_in.id) is not None
    assert client.get("/").status_code == 200


def test_delete_account_is_post_only(client, logged_in):
    assert client.get("/auth/account/delete").status_code == 405


def owned_counts(app, user_id: uuid.UUID) -> dict[str, int]:
    """What the user has: their sessions, and everything in their personal ledger."""
    with app.app_context():
        counts = {
            model.__tablename__: db.session.scalar(
                select(func.count()).select_from(model).where(model.ledger_id == user_id)
            )
            for model in (Category, Expense, Tag, Receipt, Budget)
        }
        counts["user_sessions"] = db.session.scalar(
            select(func.count()).select_from(UserSession).where(UserSession.user_id == user_id)
        )
        counts["expense_tags"] = db.session.scalar(
            select(func.count())
            .select_from(expense_tags)
            .join(Expense, Expense.id == expense_tags.c.expense_id)
            .where(Expense.user_id == user_id)
        )
        counts["users"] = db.session.scalar(
            select(func.count()).select_from(User).where(User.id == user_id)
        )
    return counts


def give_data(app, user):
    category = make_category(app, user.id, "Hobby")
    expense = make_expense(app, user.id, category=category, tags=("a", "b"))
    make_expense(app, user.id, category="Food", deleted=True)
    make_receipt(app, user.id, expense)
    make_budget(app, user.id, category="Hobby")
    make_budget(app, user.id)


def test_account_deletion_removes_everything_owned_and_nothing_else(app):
    alice, bob = make_user(app, "alice"), make_user(app, "bob")
    give_data(app, alice)
    give_data(app, bob)
    alice_client, bob_client = app.test_client(), app.test_client()
    login(alice_client, alice)
    login(bob_client, bob)
    bob_before = owned_counts(app, bob.id)
    assert all(owned_counts(app, alice.id).values())

    response = post_form(
        alice_client, "/auth/account/delete", {"password": alice.password}, page="/auth/account"
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    assert set(owned_counts(app, alice.id).values()) == {0}
    assert owned_counts(app, bob.id) == bob_before
    assert alice_client.get("/").status_code == 302
    assert bob_client.get("/").status_code == 200
    assert (
        post_form(
            app.test_client(), "/auth/login", {"login": "alice", "password": alice.password}
        ).status_code
        == 422
    )
