"""The expense list over the API: the page's filters and reads, paginated in SQL.

The query string is read by `ExpenseFilters.from_args`, exactly as the list
page reads it (after the schema checked each value's format), so the same
filters give the same expenses in the same order. `per_page` defaults to 50
here (contract). With `updated_since` the answer is the sync read instead.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

from flask import request, url_for
from werkzeug.exceptions import BadRequest

from ..categories.services import category_choices
from ..money import format_plain
from ..reads import ExpenseFilters, expense_page
from ..reads.privacy import shown_to
from ..scoping import Scope
from .problems import InvalidInput
from .queries import changed_since, page_details
from .schemas import API_PER_PAGE
from .serialize import expense_json, listed_json

# `ExpenseFilters` names the parameter it refuses in curly quotes: “start”.
_NAMED = re.compile(r"“(\w+)”")


def api_filters() -> ExpenseFilters:
    """The list's filters from the query string; 422 naming the field when one is refused."""
    args = {name: value for name, value in request.args.items() if name != "updated_since"}
    args.setdefault("per_page", str(API_PER_PAGE))
    try:
        return ExpenseFilters.from_args(args)
    except BadRequest as exc:
        message = exc.description or "Invalid filter."
        found = _NAMED.search(message)
        raise InvalidInput({found.group(1) if found else "query": [message]}) from None


def _links(filters: ExpenseFilters, total_pages: int) -> dict[str, str | None]:
    """Absolute URLs of the next and previous pages, with the same query (None at the ends)."""

    def link(page: int) -> str:
        args = request.args.to_dict()
        args["page"] = str(page)
        return url_for(request.endpoint, **request.view_args, **args, _external=True)

    return {
        "next": link(filters.page + 1) if filters.page < total_pages else None,
        "prev": link(filters.page - 1) if filters.page > 1 else None,
    }


def _answer(data: list[dict], filters: ExpenseFilters, total: int, amount: Decimal) -> dict:
    """The list envelope: `data`, `meta` (page, per_page, total, total_pages, total_amount)
    and `links` (contract)."""
    total_pages = max(1, math.ceil(total / filters.per_page))
    return {
        "data": data,
        "meta": {
            "page": filters.page,
            "per_page": filters.per_page,
            "total": total,
            "total_pages": total_pages,
            "total_amount": format_plain(amount),
        },
        "links": _links(filters, total_pages),
    }


def _check_category(scope: Scope, filters: ExpenseFilters) -> None:
    """A `category` outside the ledger is invalid input here (contract: 422), where the
    page just lists nothing: a client asking for it has the wrong id."""
    if filters.category is None:
        return
    if filters.category not in {key for key, _ in category_choices(scope.ledger_id)}:
        raise InvalidInput({"category": ["Not a category of this ledger."]})


def expense_list(scope: Scope, query: dict[str, Any]) -> dict:
    """The answer of GET …/expenses for the checked `query`."""
    filters = api_filters()
    _check_category(scope, filters)
    since = query.get("updated_since")
    if since is not None:
        if filters.q:
            raise InvalidInput({"q": ["Text search cannot be combined with updated_since."]})
        rows, total, amount = changed_since(scope, filters, since)
        data = [expense_json(shown_to(row, scope.user_id)) for row in rows]
        return _answer(data, filters, total, amount)
    # The page's rows come masked from the read package (`reads.privacy.shown_to`).
    page = expense_page(scope, filters)
    details = page_details(scope, [row.id for row in page.expenses])
    data = [listed_json(row, details[row.id]) for row in page.expenses if row.id in details]
    return _answer(data, filters, page.count, page.total)
