"""Recurring rules and statement imports over the API, read-only (issue 16: "cover recurring
rules and imports read-only if they exist by then"): lists, details, masking, 404s."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from sqlalchemy import select

from expenses_app.extensions import db
from expenses_app.imports.commit import undo_import
from expenses_app.models import Expense, ImportBatch

from .api_client import api_client
from .conftest import login, post_form
from .factories import (
    add_member,
    category_id,
    make_committed_import,
    make_import,
    make_rule,
    make_user,
)

START = dt.date(2031, 1, 31)
MONTHLY_ON_31 = "Every month on day 31 (the last day of shorter months)"


def is_aware_timestamp(text: str) -> bool:
    return dt.datetime.fromisoformat(text).utcoffset() is not None


def test_recurring_rules_list_and_detail(app):
    api = api_client(app, make_user(app))
    rule_id = make_rule(
        app,
        api.user.id,
        amount="950.5",
        start_date=START,
        end_date=dt.date(2031, 12, 31),
        mode="confirm",
        tags=("home", "rent"),
        payment_method="bank_transfer",
        notes="landlord",
    )
    make_rule(app, api.user.id, description="Gym", category="Health", frequency="weekly")

    listed = api.get(f"{api.ledger}/recurring")
    single = api.get(f"{api.ledger}/recurring/{rule_id}")

    assert listed.status_code == 200 and single.status_code == 200
    rule = single.get_json()
    assert [row["description"] for row in listed.get_json()["data"]] == ["Gym", "Rent"]
    assert listed.get_json()["data"][1] == rule
    assert is_aware_timestamp(rule.pop("created_at")) and is_aware_timestamp(rule["updated_at"])
    rule.pop("updated_at")
    assert rule == {
        "id": str(rule_id),
        "description": "Rent",
        "amount": "950.50",
        "category_id": str(category_id(app, api.user.id, "Bills")),
        "payment_method": "bank_transfer",
        "tags": ["home", "rent"],
        "notes": "landlord",
        "private": False,
        "frequency": "monthly",
        "interval": 1,
        "start_date": "2031-01-31",
        "end_date": "2031-12-31",
        "mode": "confirm",
        "next_date": "2031-01-31",
        "schedule": MONTHLY_ON_31,
        "created_by": str(api.user.id),
    }


def rule_cell_on_the_page(app, member, ledger_id: uuid.UUID, rule_id: uuid.UUID) -> str:
    client = app.test_client()
    login(client, member)
    post_form(client, f"/ledgers/{ledger_id}/switch", page="/")
    html = client.get("/recurring/").get_data(as_text=True)
    row = re.search(rf'id="rule-{rule_id}">\s*<td[^>]*class="description">(.*?)</td>', html)
    return re.sub(r"<[^>]+>", "", row.group(1)).strip()


def test_another_members_private_rule_is_masked_as_on_the_recurring_page(app):
    owner, member = make_user(app, "owner"), make_user(app, "member")
    add_member(app, owner.id, member.id, "member")
    secret = make_rule(
        app,
        owner.id,
        description="Therapy",
        start_date=START,
        private=True,
        tags=("health",),
        payment_method="credit_card",
        notes="Dr. Who",
    )
    api = api_client(app, member)
    path = f"/api/v1/ledgers/{owner.id}/recurring"

    listed = api.get(path)
    single = api.get(f"{path}/{secret}")

    text = listed.get_data(as_text=True) + single.get_data(as_text=True)
    assert "Therapy" not in text and "health" not in text and "Dr. Who" not in text
    rule = single.get_json()
    assert listed.get_json()["data"] == [rule]
    assert rule["description"] == rule_cell_on_the_page(app, member, owner.id, secret)
    assert rule["description"] == "Private expense" and rule["private"] is True
    assert rule["payment_method"] == "other" and rule["tags"] == [] and rule["notes"] is None
    assert rule["created_at"] is None and rule["updated_at"] is None
    assert rule["amount"] == "950.00" and rule["schedule"] == MONTHLY_ON_31
    assert rule["created_by"] == str(owner.id)
    own = api_client(app, owner).get(f"{path}/{secret}").get_json()
    assert own["description"] == "Therapy" and own["notes"] == "Dr. Who"


def sample_shop_expense(app) -> uuid.UUID:
    """The expense a commit of the sample statement added (its one transaction)."""
    with app.app_context():
        return db.session.scalar(select(Expense.id).where(Expense.description == "Sample shop"))


def test_imports_list_and_detail_with_the_expenses_added(app):
    api = api_client(app, make_user(app))
    draft = make_import(app, api.user.id)
    committed = make_committed_import(app, api.user.id)

    listed = api.get(f"{api.ledger}/imports")
    single = api.get(f"{api.ledger}/imports/{committed}")

    assert listed.status_code == 200 and single.status_code == 200
    rows = {row["id"]: row for row in listed.get_json()["data"]}
    assert set(rows) == {str(draft), str(committed)}
    assert rows[str(draft)]["status"] == "draft" and rows[str(draft)]["committed_at"] is None
    detail = single.get_json()
    assert detail.pop("expense_ids") == [str(sample_shop_expense(app))]
    assert detail == rows[str(committed)]
    assert detail["filename"] == "sample.ofx" and detail["kind"] == "ofx"
    assert detail["status"] == "committed" and detail["created_by"] == str(api.user.id)
    assert (detail["row_count"], detail["added_count"]) == (1, 1)
    assert is_aware_timestamp(detail["created_at"]) and is_aware_timestamp(detail["committed_at"])
    assert api.get(f"{api.ledger}/imports/{draft}").get_json()["expense_ids"] == []


def test_an_undone_import_still_names_the_expenses_it_added(app):
    api = api_client(app, make_user(app))
    committed = make_committed_import(app, api.user.id)
    with app.app_context():
        undo_import(db.session.get_one(ImportBatch, committed), api.user.id)
        db.session.commit()

    detail = api.get(f"{api.ledger}/imports/{committed}").get_json()

    assert detail["status"] == "undone"
    assert detail["expense_ids"] == [str(sample_shop_expense(app))]


def test_a_read_token_and_a_viewer_read_rules_and_imports(app):
    owner, viewer = make_user(app, "owner"), make_user(app, "viewer")
    add_member(app, owner.id, viewer.id, "viewer")
    rule_id = make_rule(app, owner.id, start_date=START)
    import_id = make_committed_import(app, owner.id)
    base = f"/api/v1/ledgers/{owner.id}"
    paths = ("recurring", f"recurring/{rule_id}", "imports", f"imports/{import_id}")
    for caller in (api_client(app, owner, scope="read"), api_client(app, viewer)):
        for path in paths:
            assert caller.get(f"{base}/{path}").status_code == 200, (caller.user, path)


def test_rules_and_imports_outside_the_paths_ledger_answer_404(app):
    alice, bob = make_user(app, "alice"), make_user(app, "bob")
    shared = make_user(app, "shared")
    add_member(app, shared.id, alice.id, "member")
    rule_id = make_rule(app, alice.id, start_date=START)
    import_id = make_import(app, alice.id)
    bob_api, alice_api = api_client(app, bob), api_client(app, alice)
    objects = (f"recurring/{rule_id}", f"imports/{import_id}")

    answers = [
        *(bob_api.get(f"/api/v1/ledgers/{alice.id}/{path}") for path in ("recurring", "imports")),
        *(bob_api.get(f"{bob_api.ledger}/{path}") for path in objects),
        *(bob_api.get(f"/api/v1/ledgers/{alice.id}/{path}") for path in objects),
        # Alice's own ids, in the path of another of her ledgers.
        *(alice_api.get(f"/api/v1/ledgers/{shared.id}/{path}") for path in objects),
        *(
            alice_api.get(f"{alice_api.ledger}/{kind}/not-an-id")
            for kind in ("recurring", "imports")
        ),
    ]

    assert [response.status_code for response in answers] == [404] * len(answers)
    assert {response.content_type for response in answers} == {"application/problem+json"}
    assert bob_api.get(f"{bob_api.ledger}/recurring").get_json() == {"data": []}
    assert bob_api.get(f"{bob_api.ledger}/imports").get_json() == {"data": []}
