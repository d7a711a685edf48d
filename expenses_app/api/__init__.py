"""The API at /api/v1 (issue 16): bearer tokens, JSON, the same rules as the pages."""

from . import (
    budget_routes,
    category_routes,
    expense_routes,
    import_routes,
    ledger_routes,
    recurring_routes,
)
from .setup import register_api

# The modules whose views are on the `api` blueprint (importing them adds the views).
ROUTE_MODULES = (
    ledger_routes,
    category_routes,
    expense_routes,
    budget_routes,
    recurring_routes,
    import_routes,
)

__all__ = ["ROUTE_MODULES", "register_api"]
