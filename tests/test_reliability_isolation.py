"""No page, search, total, chart or export ever shows another user's data (RELIABILITY C4).

Alice's every text field carries a sentinel; bob walks every page in
`app.url_map` that needs no id, with searches for the sentinel, and every
report grouping and export. The sentinel must appear nowhere, and bob's
totals must be his own exact sums. SQLAlchemy's cartesian-product warning
is an error in this suite (`filterwarnings = error`), so a query that lost
its join to the user fails here too.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from .conftest import login
from .factories import make_budget, make_category, make_expense, make_receipt, make_user
from .url_map import PUBLIC_ENDPOINTS, routes

SENTINEL = "zqxsentinel"
TODAY = dt.date.today()
ALICE_TEXTS = [f"{kind} {SENTINEL}" for kind in ("Cat", "Desc", "Notes", "Trashed")]


def seed_alice(app) -> None:
    alice = make_user(app, f"alice{SENTINEL}")
    category = make_category(app, alice.id, f"Cat {SENTINEL}", icon="Z")
    expense = make_expense(
        app,
        alice.id,
        amount="777.77",
        date=TODAY,
        category=category,
        description=f"Desc {SENTINEL}",
        notes=f"Notes {SENTINEL}",
        tags=(f"tag{SENTINEL}",),
    )
    make_expense(app, alice.id, description=f"Trashed {SENTINEL}", category=category, deleted=True)
    make_receipt(app, alice.id, expense)
    make_budget(app, alice.id, amount="55.55", category=f"Cat {SENTINEL}")
    make_budget(app, alice.id, amount="66.66")


def bobs_urls(app) -> list[str]:
    """Every page without an id argument, plus the queries that could reach alice's rows."""
    pages = [
        route.rule
        for route in routes(app)
        if "GET" in route.methods and not route.arguments and route.endpoint not in PUBLIC_ENDPOINTS
    ]
    year = f"start={TODAY.year}-01-01&end={TODAY.year}-12-31"
    searches = [f"q={SENTINEL}", f"tag=tag{SENTINEL}", "q=Desc", "q=sentinel", "per_page=100"]
    for page in ("/expenses/", "/expenses/export.csv"):
        pages += [f"{page}?{query}" for query in searches]
    for group in ("category", "month", "tag", "payment_method"):
        pages += [f"/reports?{year}&group={group}", f"/reports/export.csv?{year}&group={group}"]
    return pages


def test_no_page_search_total_or_export_shows_another_users_data(app, client):
    seed_alice(app)
    bob = make_user(app, "bob")
    amounts = [Decimal("0.10"), Decimal("0.20"), Decimal("1234.56")]
    for amount in amounts:
        make_expense(app, bob.id, amount=amount, date=TODAY, description="Bob's")
    make_budget(app, bob.id, amount="10.00")
    login(client, bob)

    urls = bobs_urls(app)
    assert "/expenses/" in urls and "/" in urls
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        # A search for the sentinel echoes it back: there, look for alice's full texts.
        assert SENTINEL in url or SENTINEL not in body, url
        assert [text for text in ALICE_TEXTS if text in body] == [], url
        assert "777.77" not in body and "55.55" not in body, url

    report = client.get(f"/reports/export.csv?start={TODAY.year}-01-01&end={TODAY.year}-12-31")
    rows = list(csv.DictReader(io.StringIO(report.get_data(as_text=True))))
    assert sum(Decimal(row["total"]) for row in rows) == sum(amounts)
    assert sum(int(row["count"]) for row in rows) == len(amounts)
    export = client.get("/expenses/export.csv").get_data(as_text=True)
    exported = [Decimal(row["amount"]) for row in csv.DictReader(io.StringIO(export))]
    assert sorted(exported) == sorted(amounts)
