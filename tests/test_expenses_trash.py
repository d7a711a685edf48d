"""Trash: delete moves an expense there, restore brings it back, and it counts nowhere."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from expenses_app.extensions import db
from expenses_app.models import Expense

from .conftest import post_form
from .factories import make_expense, make_user


def deleted_at(app, expense_id: uuid.UUID):
    with app.app_context():
        return db.session.scalar(select(Expense.deleted_at).where(Expense.id == expense_id))


def test_delete_moves_to_trash_and_restore_brings_it_back(app, client, logged_in):
    expense_id = make_expense(app, logged_in.id, description="Oops", amount="33.00")
    response = post_form(client, f"/expenses/{expense_id}/delete", page="/expenses/")
    assert response.status_code == 302
    assert deleted_at(app, expense_id) is not None
    listing = client.get("/expenses/").get_data(as_text=True)
    assert "moved to the trash" in listing
    assert "No expenses yet" in listing and "33.00" not in listing
    assert client.get(f"/expenses/{expense_id}").status_code == 404
    assert client.get(f"/expenses/{expense_id}/edit").status_code == 404
    trash = client.get("/expenses/trash").get_data(as_text=True)
    assert "Oops" in trash and f'action="/expenses/{expense_id}/restore"' in trash

    response = post_form(client, f"/expenses/{expense_id}/restore", page="/expenses/trash")
    assert response.status_code == 302
    assert deleted_at(app, expense_id) is None
    assert "The trash is empty" in client.get("/expenses/trash").get_data(as_text=True)
    assert "33.00" in client.get("/expenses/").get_data(as_text=True)


def test_restoring_a_live_expense_is_404(app, client, logged_in):
    expense_id = make_expense(app, logged_in.id)
    response = post_form(client, f"/expenses/{expense_id}/restore", page="/expenses/trash")
    assert response.status_code == 404


def test_trash_is_empty_state_and_only_mine(app, client, logged_in):
    other = make_user(app, "neighbour")
    make_expense(app, other.id, description="Their trash", deleted=True)
    html = client.get("/expenses/trash").get_data(as_text=True)
    assert "The trash is empty" in html and "Their trash" not in html
    assert client.get("/expenses/trash?page=zero").status_code == 400


def test_delete_needs_post_and_csrf(app, client, logged_in):
    expense_id = make_expense(app, logged_in.id)
    assert client.get(f"/expenses/{expense_id}/delete").status_code == 405
    assert client.post(f"/expenses/{expense_id}/delete").status_code == 400
    assert deleted_at(app, expense_id) is None
