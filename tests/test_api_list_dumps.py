"""The expense list's hand-written JSON (`api.serialize.dumps`) against the plain path."""

from __future__ import annotations

import datetime as dt
import json

from expenses_app.api import expense_routes
from expenses_app.api.schemas import ExpensePageSchema

from .api_client import api_client
from .factories import add_member, make_expense, make_user


def test_the_list_dumps_what_the_page_schema_would(app, monkeypatch):
    owner, member = make_user(app, "owner"), make_user(app, "member")
    add_member(app, owner.id, member.id, "member")
    for day, private, tags in [(1, False, ("lunch", "work")), (2, True, ("gift",)), (3, False, ())]:
        make_expense(
            app, owner.id, date=dt.date(2026, 3, day), private=private, tags=tags, notes="n"
        )
    api = api_client(app, member)
    url = f"/api/v1/ledgers/{owner.id}/expenses"
    queries = ["", "per_page=2&page=2", "updated_since=2000-01-01T00:00:00Z"]

    fast = [api.get(f"{url}?{query}").get_json() for query in queries]
    monkeypatch.setattr(
        expense_routes, "dumps", lambda body: json.dumps(ExpensePageSchema().dump(body))
    )
    plain = [api.get(f"{url}?{query}").get_json() for query in queries]

    assert fast == plain
    assert len(fast[0]["data"]) == 3 and any(row["private"] for row in fast[0]["data"])
