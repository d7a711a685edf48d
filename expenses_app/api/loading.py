"""Rows named in an API path: through the scoping door, and only in the path's ledger."""

from __future__ import annotations

import uuid
from typing import TypeVar

from flask import abort
from sqlalchemy.orm.interfaces import ORMOption

from ..models import Expense, OwnedByLedger
from ..reads.privacy import is_masked
from ..scoping import Scope, current_scope, get_owned_or_404, writable_scope

M = TypeVar("M", bound=OwnedByLedger)


def in_ledger_or_404(model: type[M], obj_id: uuid.UUID, *options: ORMOption) -> M:
    """The row, when it is in the ledger the path names (the request's scope); else 404.

    `get_owned_or_404` admits any ledger of the user; a path names one, and
    an id from another of the user's ledgers is not found in this one.
    """
    row = get_owned_or_404(model, obj_id, *options)
    if row.ledger_id != current_scope().ledger_id:
        abort(404)
    return row


def changeable_expense(expense_id: uuid.UUID, *options: ORMOption) -> tuple[Expense, Scope]:
    """An expense of the path's ledger the caller may change, as on the pages
    (`expenses.queries.changeable_expense`): another member's private expense is a 404,
    a viewer's change a 403."""
    expense = in_ledger_or_404(Expense, expense_id, *options)
    if is_masked(expense.private, expense.user_id, current_scope().user_id):
        abort(404)
    return expense, writable_scope()
