"""The expense pages' plain reads: the trash and the loader options of one expense.

The list, its totals and the export read through `expenses_app.reads`.
"""

from __future__ import annotations

import uuid

from flask import abort
from flask_login import current_user
from sqlalchemy import func
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.interfaces import ORMOption

from ..extensions import db
from ..models import Expense, Receipt
from ..reads.privacy import is_masked, shown_to
from ..scoping import Scope, get_owned_or_404, owned, require_role

TRASH_PER_PAGE = 50


def trash_page(scope: Scope, page: int) -> tuple[list[Expense], int]:
    """One page of the ledger's trash, most recently deleted first, and the trash's size,
    each expense as `scope`'s user may see it (`reads.privacy`)."""
    trashed = owned(Expense, ledger_id=scope.ledger_id, deleted=True)
    count = db.session.scalar(trashed.with_only_columns(func.count(Expense.id))) or 0
    stmt = (
        trashed.options(joinedload(Expense.category), joinedload(Expense.author))
        .order_by(Expense.deleted_at.desc(), Expense.id.desc())
        .limit(TRASH_PER_PAGE)
        .offset((page - 1) * TRASH_PER_PAGE)
    )
    if not count:
        return [], count
    return [shown_to(expense, scope.user_id) for expense in db.session.scalars(stmt)], count


def changeable_expense(
    expense_id: uuid.UUID, *options: ORMOption, deleted: bool = False
) -> tuple[Expense, Scope]:
    """An expense the user may change, with their scope in its ledger.

    404 when it is in none of their ledgers or is another member's private
    expense (only its author may change, delete, restore it or fetch its
    receipt); 403 when their role there only reads.
    """
    expense = get_owned_or_404(Expense, expense_id, *options, deleted=deleted)
    if is_masked(expense.private, expense.user_id, current_user.id):
        abort(404)
    return expense, require_role(expense)


# One expense shown or edited with everything it has (receipt bytes stay deferred).
DETAIL_OPTIONS = (
    joinedload(Expense.category),
    selectinload(Expense.tags),
    joinedload(Expense.receipt),
    joinedload(Expense.author),
)
# An expense with its receipt's bytes, for the download.
RECEIPT_OPTIONS = (joinedload(Expense.receipt).undefer(Receipt.data),)
