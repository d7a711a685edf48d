"""Budgets over the API: the budget form's fields plus the current period's standing."""

from __future__ import annotations

import uuid

from flask import Response
from werkzeug.exceptions import Conflict

from .. import clock
from ..budgets.forms import BudgetForm
from ..budgets.queries import DETAIL_OPTIONS, BudgetLine
from ..budgets.services import create_budget, current_periods, delete_budget, progress_for
from ..budgets.services import update_budget as save_budget
from ..extensions import db
from ..models import Budget
from ..scoping import Scope, current_scope, writable_scope
from ..versioning import EditConflict
from .blueprint import COMMON, WRITES, bp, idempotent_post, problems
from .form_input import merged, validated
from .loading import in_ledger_or_404
from .queries import ledger_budgets_whole
from .schemas import BudgetInSchema, BudgetListSchema, BudgetPatchSchema, BudgetSchema
from .serialize import budget_json

PATH = "/ledgers/<uuid:ledger_id>/budgets"


def with_progress(scope: Scope, budgets: list[Budget]) -> list[dict]:
    """Each budget (its category loaded) with spent, remaining, percent and status now:
    one spending query for all, as on the budgets page."""
    today = clock.today()
    lines = [BudgetLine.of(budget) for budget in budgets]
    progress = progress_for(scope, lines, current_periods(lines, today), today)
    return [
        budget_json(line, budget, standing)
        for line, budget, standing in zip(lines, budgets, progress, strict=True)
    ]


def _form_values(budget: Budget) -> dict:
    return {
        "category_id": budget.category_id,
        "amount": budget.amount,
        "period": budget.period,
        "start_date": budget.start_date,
        "end_date": budget.end_date,
    }


def _loaded(budget_id: uuid.UUID) -> Budget:
    return in_ledger_or_404(Budget, budget_id, *DETAIL_OPTIONS)


@bp.route(PATH, methods=["GET"], endpoint="list_budgets")
@problems(*COMMON)
@bp.response(200, BudgetListSchema)
def list_budgets(ledger_id: uuid.UUID):
    scope = current_scope()
    return {"data": with_progress(scope, ledger_budgets_whole(scope))}


@bp.route(PATH, methods=["POST"], endpoint="create_budget")
@idempotent_post
@bp.arguments(BudgetInSchema)
@problems(*WRITES, 409, 422)
@bp.response(201, BudgetSchema)
def create_budget_view(values: dict, ledger_id: uuid.UUID):
    scope = writable_scope()
    form = validated(BudgetForm, values, ledger_id=scope.ledger_id)
    budget = create_budget(scope.ledger_id, form.values())
    db.session.commit()
    return with_progress(scope, [_loaded(budget.id)])[0]


@bp.route(f"{PATH}/<uuid:budget_id>", methods=["GET"], endpoint="get_budget")
@problems(*COMMON)
@bp.response(200, BudgetSchema)
def get_budget(ledger_id: uuid.UUID, budget_id: uuid.UUID):
    return with_progress(current_scope(), [_loaded(budget_id)])[0]


@bp.route(f"{PATH}/<uuid:budget_id>", methods=["PATCH"], endpoint="update_budget")
@bp.arguments(BudgetPatchSchema(partial=True))
@problems(*WRITES, 409, 422)
@bp.response(200, BudgetSchema)
def update_budget_view(changes: dict, ledger_id: uuid.UUID, budget_id: uuid.UUID):
    budget = _loaded(budget_id)
    scope = writable_scope()
    form = validated(BudgetForm, merged(_form_values(budget), changes), ledger_id=ledger_id)
    try:
        save_budget(budget, form.values(), None)
        db.session.commit()
    except EditConflict:
        db.session.rollback()
        raise Conflict("Someone changed this budget at the same moment; try again.") from None
    db.session.expire_all()
    return with_progress(scope, [_loaded(budget_id)])[0]


@bp.route(f"{PATH}/<uuid:budget_id>", methods=["DELETE"], endpoint="delete_budget")
@problems(*WRITES)
@bp.response(204)
def delete_budget_view(ledger_id: uuid.UUID, budget_id: uuid.UUID):
    budget = _loaded(budget_id)
    writable_scope()
    delete_budget(budget)
    db.session.commit()
    return Response(status=204)
