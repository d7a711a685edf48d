"""Over-budget feedback where the user acts: after an expense is saved."""

from __future__ import annotations

import datetime as dt
import uuid

from ..scoping import Scope
from .periods import budget_period
from .queries import BudgetLine, budgets_covering
from .services import progress_for


def budget_alerts(scope: Scope, date: dt.date, category_id: uuid.UUID) -> list[str]:
    """Flash messages for the budgets of `scope`'s ledger that spending on `date` put at
    warning or over.

    Looks at every budget the expense counts towards (its category's and the
    overall ones) in the period containing `date`, e.g. `Food monthly budget:
    85% used, 15.00 left` or `Overall monthly budget: over by 12.40`. Two
    SELECTs whatever the number of budgets. Call it after the expense is
    flushed, so its amount is included.
    """
    budgets = budgets_covering(scope.ledger_id, date, category_id)
    pairs = [
        (BudgetLine.of(budget), period)
        for budget in budgets
        if (period := budget_period(budget.period, date, budget.start_date, budget.end_date))
    ]
    progress = progress_for(scope, [b for b, _ in pairs], [p for _, p in pairs], date)
    return [item.alert_message() for item in progress if item.status != "ok"]
