"""Expenses over the API: the list page's filters and reads, the expense form and services."""

from __future__ import annotations

import uuid

from flask import Response, current_app
from werkzeug.exceptions import Conflict

from ..expenses.forms import EditExpenseForm, ExpenseForm
from ..expenses.queries import DETAIL_OPTIONS
from ..expenses.services import create_expense, trash_expense, update_expense
from ..extensions import db
from ..models import Expense
from ..reads.privacy import shown_to
from ..scoping import current_scope, writable_scope
from ..versioning import EditConflict
from .blueprint import COMMON, WRITES, bp, idempotent_post, problems
from .form_input import merged, validated
from .listing import expense_list
from .loading import changeable_expense, in_ledger_or_404
from .queries import FULL_OPTIONS
from .schemas import (
    ExpenseInSchema,
    ExpensePageSchema,
    ExpensePatchSchema,
    ExpenseQuerySchema,
    ExpenseSchema,
)
from .serialize import dumps, expense_json

PATH = "/ledgers/<uuid:ledger_id>/expenses"


def _form_context(ledger_id: uuid.UUID) -> dict:
    return {"ledger_id": ledger_id, "receipt_max_bytes": current_app.config["RECEIPT_MAX_BYTES"]}


@bp.route(PATH, methods=["GET"], endpoint="list_expenses")
@bp.arguments(ExpenseQuerySchema, location="query")
@problems(*COMMON, 422)
@bp.response(200, ExpensePageSchema)
def list_expenses(query: dict, ledger_id: uuid.UUID):
    body = expense_list(current_scope(), query)
    return Response(dumps(body), mimetype="application/json")


@bp.route(PATH, methods=["POST"], endpoint="create_expense")
@idempotent_post
@bp.arguments(ExpenseInSchema)
@problems(*WRITES, 409, 422)
@bp.response(201, ExpenseSchema)
def create_expense_view(values: dict, ledger_id: uuid.UUID):
    scope = writable_scope()
    form = validated(ExpenseForm, values, **_form_context(scope.ledger_id))
    expense = create_expense(scope, form.values())
    db.session.commit()
    return expense_json(in_ledger_or_404(Expense, expense.id, *FULL_OPTIONS))


@bp.route(f"{PATH}/<uuid:expense_id>", methods=["GET"], endpoint="get_expense")
@problems(*COMMON)
@bp.response(200, ExpenseSchema)
def get_expense(ledger_id: uuid.UUID, expense_id: uuid.UUID):
    expense = in_ledger_or_404(Expense, expense_id, *FULL_OPTIONS)
    return expense_json(shown_to(expense, current_scope().user_id))


@bp.route(f"{PATH}/<uuid:expense_id>", methods=["PATCH"], endpoint="update_expense")
@bp.arguments(ExpensePatchSchema(partial=True))
@problems(*WRITES, 409, 422)
@bp.response(200, ExpenseSchema)
def update_expense_view(changes: dict, ledger_id: uuid.UUID, expense_id: uuid.UUID):
    expense, _scope = changeable_expense(expense_id, *DETAIL_OPTIONS)
    current = EditExpenseForm.initial_data(expense)
    current.pop("version")
    form = validated(ExpenseForm, merged(current, changes), **_form_context(ledger_id))
    try:
        update_expense(expense, form.values())
        db.session.commit()
    except EditConflict:
        db.session.rollback()
        raise Conflict("Someone changed this expense at the same moment; try again.") from None
    return expense_json(expense)


@bp.route(f"{PATH}/<uuid:expense_id>", methods=["DELETE"], endpoint="delete_expense")
@problems(*WRITES)
@bp.response(204)
def delete_expense_view(ledger_id: uuid.UUID, expense_id: uuid.UUID):
    expense, _scope = changeable_expense(expense_id)
    trash_expense(expense)
    db.session.commit()
    return Response(status=204)
