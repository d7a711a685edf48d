"""Over-budget feedback after an expense is saved. (Filled in by the budgets work.)"""

from __future__ import annotations

import datetime as dt
import uuid


def budget_alerts(user_id: uuid.UUID, date: dt.date, category_id: uuid.UUID) -> list[str]:
    """Flash messages for budgets that the user's spending on `date` put at warning or over."""
    return []
