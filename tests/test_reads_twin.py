"""The read package against its plain twin (`reads/reference.py`) on random data and queries.

Each example builds expenses of three users, two of whom share a ledger
(some of their expenses private) while the third has a ledger of their own,
changes them at random (edits, trash, restores from the trash, CSV imports,
receipts, a backup restored), then asks both implementations of every
function in `reads.API` the same random questions, as each member of the
shared ledger, and expects the same answers. CI runs a fixed number of
derandomised examples per database; `READS_TWIN_EXAMPLES=500` runs more,
with fresh randomness, locally.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from expenses_app import reads
from expenses_app.expenses.csv_import import parse_csv
from expenses_app.expenses.csv_import_store import import_expenses
from expenses_app.expenses.services import (
    ExpenseValues,
    create_expense,
    restore_expense,
    trash_expense,
    update_expense,
)
from expenses_app.extensions import db
from expenses_app.models import PAYMENT_METHODS, Category, Expense, Receipt
from expenses_app.reads import ExpenseFilters, Span, reference
from expenses_app.scoping import Scope

from .conftest import empty_all_tables
from .factories import add_member, make_user

EXAMPLES = int(os.environ.get("READS_TWIN_EXAMPLES", "15"))
LOCAL = "READS_TWIN_EXAMPLES" in os.environ
# CI reports the failing example as found: shrinking it can take minutes.
PHASES = list(Phase) if LOCAL else [Phase.explicit, Phase.reuse, Phase.generate]
FIRST_DAY, LAST_DAY = dt.date(2025, 11, 25), dt.date(2026, 3, 5)
CATEGORIES = ("Food", "Transport", "Health")
WORDS = ("Coffee", "coffee beans", "TEA", "100% juice", "snake_case", "Müsli", "bus")
TAGS = ("a", "B", "c c")

days = st.dates(min_value=FIRST_DAY, max_value=LAST_DAY)
amounts = st.integers(min_value=1, max_value=4000).map(lambda cents: Decimal(cents).scaleb(-2))


@dataclass(frozen=True)
class Entry:
    """One expense to add: which user (0 and 1 share a ledger, 2 has their own), and its
    values."""

    owner: int
    category: int
    day: dt.date
    amount: Decimal
    method: str
    description: str
    notes: str | None
    tags: tuple[str, ...] = field(default=())
    private: bool = False


entries = st.builds(
    Entry,
    owner=st.sampled_from([0, 0, 1, 2]),
    private=st.booleans(),
    category=st.integers(0, len(CATEGORIES) - 1),
    day=days,
    amount=amounts,
    method=st.sampled_from(PAYMENT_METHODS),
    description=st.sampled_from(WORDS),
    notes=st.none() | st.sampled_from(WORDS),
    tags=st.lists(st.sampled_from(TAGS), unique=True, max_size=2).map(tuple),
)
changes = st.one_of(
    st.tuples(st.just("edit"), st.integers(0, 99), entries),
    st.tuples(st.just("trash"), st.integers(0, 99)),
    st.tuples(st.just("restore"), st.integers(0, 99)),
    st.tuples(st.just("import"), st.lists(entries, min_size=1, max_size=4)),
    st.tuples(st.just("receipt"), st.integers(0, 99)),
    st.just(("backup and restore",)),
)


def _ordered(pair: tuple) -> tuple:
    low, high = pair
    return (low, high) if low is None or high is None or low <= high else (high, low)


# One strategy per field of ExpenseFilters: a field added without one fails here,
# and one that the read package does not translate fails the comparison.
FILTER_FIELDS = {
    "q": st.none() | st.sampled_from(["co", "Coffee", "%", "_", "ü", "a", "tea", "xyz", "e b"]),
    "category": st.none() | st.integers(0, len(CATEGORIES)),  # the last: another ledger's
    "tag": st.none() | st.sampled_from([*TAGS, "C C", "zz"]),
    "payment_method": st.none() | st.sampled_from(PAYMENT_METHODS),
    "start": st.none() | days,
    "end": st.none() | days,
    "min": st.none() | amounts,
    "max": st.none() | amounts,
    "sort": st.sampled_from(reads.filters.SORTS),
    "order": st.sampled_from(reads.filters.ORDERS),
    "page": st.integers(1, 5),
    "per_page": st.integers(1, 7),
}
spans = st.builds(
    lambda dates, category, method: (_ordered(dates), category, method),
    st.tuples(st.none() | days, st.none() | days),
    st.none() | st.integers(0, len(CATEGORIES) - 1),
    st.none() | st.sampled_from(PAYMENT_METHODS),
)


def test_every_filter_field_has_a_strategy():
    assert set(FILTER_FIELDS) == set(ExpenseFilters.field_names())


def test_the_twin_has_every_function_of_the_api():
    for name in reads.API:
        assert callable(getattr(reads, name)) and callable(getattr(reference, name)), name


@dataclass
class World:
    scopes: list[Scope]  # the two members of the shared ledger
    categories: list[uuid.UUID]  # the shared ledger's, then one of the other ledger's


def _values(world_categories: list[list[uuid.UUID]], entry: Entry) -> ExpenseValues:
    """The entry's values; `world_categories` holds each user's ledger's categories."""
    return ExpenseValues(
        amount=entry.amount,
        date=entry.day,
        category_id=world_categories[entry.owner][entry.category],
        description=entry.description,
        payment_method=entry.method,
        tags=entry.tags,
        notes=entry.notes,
        private=entry.private,
    )


def _csv(entries_: list[Entry]) -> str:
    lines = ["date,amount,category,description,payment_method,tags,notes"]
    for e in entries_:
        lines.append(
            f"{e.day},{e.amount},{CATEGORIES[e.category]},{e.description},{e.method},"
            f"{';'.join(e.tags)},{e.notes or ''}"
        )
    return "\n".join(lines) + "\n"


def _apply(scopes: list[Scope], categories: list[list[uuid.UUID]], change: tuple) -> None:
    kind = change[0]
    if kind == "import":
        import_expenses(scopes[0], parse_csv(_csv(change[1])))
        return
    live = kind != "restore"
    rows = list(
        db.session.scalars(
            select(Expense)
            .options(selectinload(Expense.tags), joinedload(Expense.receipt))
            .where(Expense.deleted_at.is_(None) if live else Expense.deleted_at.is_not(None))
            .order_by(Expense.created_at, Expense.id)
        )
    )
    if not rows:
        return
    expense = rows[change[1] % len(rows)]
    if kind == "edit":
        entry = change[2]
        owner = [scope.user_id for scope in scopes].index(expense.user_id)
        update_expense(expense, _values(categories, Entry(**{**entry.__dict__, "owner": owner})))
    elif kind == "trash":
        trash_expense(expense)
    elif kind == "receipt":
        if expense.receipt is None:
            db.session.add(_receipt(expense))
    else:
        restore_expense(expense)


def _receipt(expense: Expense) -> Receipt:
    data = b"%PDF-1.4\n% a receipt\n"
    return Receipt(
        ledger_id=expense.ledger_id,
        expense_id=expense.id,
        filename="receipt.pdf",
        content_type="application/pdf",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
    )


def _backup_and_restore(app) -> None:
    """`flask backup`, then `flask restore --force` of that file: the derived tables are
    filled again by the triggers as the rows go back in."""
    db.session.commit()
    db.session.remove()  # the CLI's own session must not wait for this one's lock
    runner = app.test_cli_runner()
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "backup.zip")
        for args in (["backup", path], ["restore", path, "--force"]):
            result = runner.invoke(args=args)
            assert result.exit_code == 0, result.output


def _build(app, data: list[Entry], edits: list[tuple]) -> World:
    users = [make_user(app).id for _ in range(3)]
    add_member(app, users[0], users[1], "member")
    # Users 0 and 1 write in user 0's personal ledger, user 2 in their own.
    scopes = [Scope(users[0], users[0], "owner"), Scope(users[0], users[1], "member")]
    scopes.append(Scope(users[2], users[2], "owner"))
    with app.app_context():
        categories = [
            [
                db.session.scalar(
                    select(Category.id).where(
                        Category.ledger_id == scope.ledger_id, Category.name == name
                    )
                )
                for name in CATEGORIES
            ]
            for scope in scopes
        ]
        for entry in data:
            create_expense(scopes[entry.owner], _values(categories, entry))
        db.session.commit()
        for change in edits:
            if change[0] == "backup and restore":
                _backup_and_restore(app)
            else:
                _apply(scopes, categories, change)
            db.session.commit()
    return World(scopes[:2], [*categories[0], categories[2][0]])


def _filters(world: World, values: dict) -> ExpenseFilters:
    values = dict(values)
    if values["category"] is not None:
        values["category"] = world.categories[values["category"]]
    values["start"], values["end"] = _ordered((values["start"], values["end"]))
    values["min"], values["max"] = _ordered((values["min"], values["max"]))
    return ExpenseFilters(**values)


def _span(world: World, drawn: tuple) -> Span:
    (start, end), category, method = drawn
    return Span(start, end, None if category is None else world.categories[category], method)


def _ask(world: World, scope: Scope, questions, drawn_spans, group_span) -> None:
    """Every function of the API, asked as `scope`'s user, fast and plain."""
    for values in questions:
        filters = _filters(world, values)
        _same("expense_page", scope, filters)
        _same("export_expenses", scope, filters)
    windows = [_span(world, drawn) for drawn in drawn_spans]
    _same("span_totals", scope, windows)
    span = _span(world, group_span)
    for group in reads.GROUPS:
        _same("group_totals", scope, span, group)
    _same("untagged_total", scope, span)
    _same("overview", scope, windows[0], windows[1], windows[2:])
    _same("recent_expenses", scope)


def _same(name: str, *args) -> None:
    fast = getattr(reads, name)(*args)
    plain = getattr(reference, name)(*args)
    if name == "export_expenses":
        # What each row shows: masked rows must be masked alike.
        def shown(expense) -> tuple:
            return (expense.id, expense.description, expense.payment_method, expense.notes)

        fast = [shown(expense) for batch in fast for expense in batch]
        plain = [shown(expense) for batch in plain for expense in batch]
    assert fast == plain, (name, args)


@pytest.mark.slow
@settings(
    max_examples=EXAMPLES,
    derandomize=not LOCAL,
    phases=PHASES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.lists(entries, max_size=25),
    edits=st.lists(changes, max_size=6),
    questions=st.lists(st.fixed_dictionaries(FILTER_FIELDS), min_size=1, max_size=5),
    drawn_spans=st.lists(spans, min_size=3, max_size=6),
    group_span=spans,
)
def test_fast_reads_answer_as_the_plain_reference(
    app, data, edits, questions, drawn_spans, group_span
):
    world = _build(app, data, edits)
    try:
        with app.app_context():
            for scope in world.scopes:
                _ask(world, scope, questions, drawn_spans, group_span)
    finally:
        empty_all_tables(app)
