"""The budgets as plain rows for their progress, and the budgets an expense counts towards.

What they have spent comes from `expenses_app.reads`."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import bindparam, case, or_
from sqlalchemy.orm import contains_eager, joinedload

from ..extensions import db
from ..models import PERIODS, Budget, Category
from ..scoping import owned

# A budget shown on its page, with its category.
DETAIL_OPTIONS = (joinedload(Budget.category),)


@dataclass(frozen=True, slots=True)
class BudgetLine:
    """What a budget's progress needs: read as a plain row, no ORM object to build."""

    id: uuid.UUID
    ledger_id: uuid.UUID
    category_id: uuid.UUID | None
    period: str
    amount: Decimal
    start_date: dt.date
    end_date: dt.date | None
    category_name: str | None
    category_color: str | None

    @classmethod
    def of(cls, budget: Budget) -> BudgetLine:
        """The line of a loaded budget (its `category` loaded too)."""
        category = budget.category
        return cls(
            budget.id,
            budget.ledger_id,
            budget.category_id,
            budget.period,
            budget.amount,
            budget.start_date,
            budget.end_date,
            None if category is None else category.name,
            None if category is None else category.color,
        )


# Built once: the dashboard and the budgets page run it on every request.
_LEDGER_BUDGETS = (
    owned(Budget, ledger_id=bindparam("ledger_id"))
    .with_only_columns(
        Budget.id,
        Budget.ledger_id,
        Budget.category_id,
        Budget.period,
        Budget.amount,
        Budget.start_date,
        Budget.end_date,
        Category.name,
        Category.color,
    )
    .outerjoin_from(Budget, Category, Category.id == Budget.category_id)
    .order_by(
        Budget.category_id.is_not(None),
        Category.name_key,
        case({name: index for index, name in enumerate(PERIODS)}, value=Budget.period),
        Budget.start_date,
        Budget.id,
    )
)


def ledger_budgets(ledger_id: uuid.UUID) -> list[BudgetLine]:
    """The ledger's budgets with their categories: overall ones first, then by category name."""
    rows = db.session.execute(_LEDGER_BUDGETS, {"ledger_id": ledger_id})
    return [BudgetLine(*row) for row in rows]


def budgets_covering(ledger_id: uuid.UUID, day: dt.date, category_id: uuid.UUID) -> list[Budget]:
    """The ledger's budgets that an expense on `day` in `category_id` counts towards."""
    stmt = (
        owned(Budget, ledger_id=ledger_id)
        .outerjoin(Budget.category)
        .options(contains_eager(Budget.category))
        .where(
            or_(Budget.category_id.is_(None), Budget.category_id == category_id),
            Budget.start_date <= day,
            or_(Budget.end_date.is_(None), Budget.end_date >= day),
        )
        .order_by(Budget.category_id.is_not(None), Budget.period, Budget.id)
    )
    return list(db.session.scalars(stmt))
