"""The monthly totals (migrations 0005, 0009): kept exact by triggers, per ledger and
`private_of`, read for whole months."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, update

from expenses_app.derived.month_totals import MONTH_TOTALS
from expenses_app.derived.record import existing_triggers
from expenses_app.extensions import db
from expenses_app.models import HIDDEN, PUBLIC, Expense, ExpenseMonthTotal, User
from expenses_app.money import ZERO
from expenses_app.reads import Span, span_totals
from expenses_app.reads.shape import shape_of, split_span

from .conftest import count_queries, login, month_totals_drift, post_form
from .factories import (
    add_member,
    category_id,
    make_category,
    make_expense,
    make_user,
    personal_scope,
)

D = dt.date


def expense_form(
    category: uuid.UUID, amount: str, day: dt.date, method: str = "cash", tags: str = ""
) -> dict:
    return {
        "amount": amount,
        "date": day.isoformat(),
        "category_id": str(category),
        "description": f"Bought for {amount}",
        "payment_method": method,
        "tags": tags,
        "notes": "",
    }


def only_expense_ids(app, user_id: uuid.UUID) -> list[uuid.UUID]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Expense.id).where(Expense.user_id == user_id).order_by(Expense.amount)
            )
        )


def test_every_write_path_keeps_the_totals_exact(app, client, runner, logged_in):
    food = category_id(app, logged_in.id, "Food")
    transport = category_id(app, logged_in.id, "Transport")
    spare = make_category(app, logged_in.id, "Spare")
    for amount, day in (
        ("10.00", D(2026, 3, 31)),
        ("2.50", D(2026, 4, 1)),
        ("7.25", D(2026, 4, 2)),
    ):
        assert (
            post_form(client, "/expenses/new", expense_form(food, amount, day)).status_code == 302
        )
    assert month_totals_drift(app) == {}
    first, second, third = only_expense_ids(app, logged_in.id)

    # An edit moves the expense to another month, category and payment method.
    edited = expense_form(transport, "30.00", D(2025, 12, 24), "credit_card")
    assert post_form(client, f"/expenses/{first}/edit", edited).status_code == 302
    assert month_totals_drift(app) == {}

    page = "/expenses/"
    assert post_form(client, f"/expenses/{second}/delete", page=page).status_code == 302
    assert month_totals_drift(app) == {}
    assert post_form(client, f"/expenses/{second}/restore", page=page).status_code == 302
    assert month_totals_drift(app) == {}
    assert post_form(client, f"/expenses/{second}/delete", page=page).status_code == 302
    assert runner.invoke(args=["purge-trash", "--days", "0"]).exit_code == 0
    assert month_totals_drift(app) == {}

    moved = post_form(
        client, f"/categories/{food}/delete", {"move_to": str(spare)}, page="/categories/"
    )
    assert moved.status_code == 302
    assert month_totals_drift(app) == {}

    csv_file = (
        b"date,amount,category,description,payment_method,tags,notes\n"
        b"2026-04-05,4.00,Spare,Bread,cash,,\n"
        b"2026-05-01,99.99,Brand new,Shoes,debit_card,shoes,\n"
    )
    imported = post_form(
        client,
        "/expenses/import",
        {"file": (io.BytesIO(csv_file), "expenses.csv")},
        content_type="multipart/form-data",
    )
    assert imported.status_code == 200
    assert month_totals_drift(app) == {}

    other = make_user(app, "other")
    result = runner.invoke(
        args=["demo-data", "--user", "other", "--expenses", "300", "--seed", "3"]
    )
    assert result.exit_code == 0, result.output
    assert month_totals_drift(app) == {}
    # A user's deletion cascades to their expenses and their totals.
    other_client = app.test_client()
    login(other_client, other)
    gone = post_form(
        other_client, "/auth/account/delete", {"password": other.password}, page="/auth/account"
    )
    assert gone.status_code == 302
    assert month_totals_drift(app) == {}
    with app.app_context():
        left = select(func.count()).select_from(ExpenseMonthTotal)
        # Their personal ledger (id = theirs) went with the account, and its totals.
        assert db.session.scalar(left.where(ExpenseMonthTotal.ledger_id == other.id)) == 0
        # Any SQL counts too, not only the app's own write paths.
        db.session.execute(
            update(Expense).where(Expense.id == third).values(amount=Decimal("0.01"))
        )
        db.session.commit()
    assert month_totals_drift(app) == {}


def test_the_triggers_exist_at_the_newest_revision(app):
    with app.app_context(), db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        names = {name for name, table in existing_triggers(connection) if table == "expenses"}
        assert MONTH_TOTALS.check(connection) == []
    assert {name for name in names if name.startswith("expense_month_totals")} == (
        {f"expense_month_totals_{op}" for op in ("insert", "update", "delete")}
        if sqlite
        else {"expense_month_totals_apply"}
    )


def stored_totals(app) -> set[tuple]:
    """The rows of totals that count something: (ledger, category, method, private_of, n, sum)."""
    with app.app_context():
        rows = db.session.execute(
            select(
                ExpenseMonthTotal.ledger_id,
                ExpenseMonthTotal.category_id,
                ExpenseMonthTotal.payment_method,
                ExpenseMonthTotal.private_of,
                ExpenseMonthTotal.expense_count,
                ExpenseMonthTotal.amount,
            ).where(ExpenseMonthTotal.expense_count > 0)
        )
        return set(map(tuple, rows))


def change(app, statement) -> None:
    with app.app_context():
        db.session.execute(statement)
        db.session.commit()


def test_private_of_follows_privacy_the_author_and_the_ledger(app):
    """PUBLIC for what is not private, the author's id for what is, HIDDEN once the author's
    account is gone; a move to another ledger moves the row. Written with plain SQL."""
    ann, bob, cat = make_user(app), make_user(app), make_user(app)
    add_member(app, ann.id, bob.id)
    food, cats_food = category_id(app, ann.id, "Food"), category_id(app, cat.id, "Food")
    shared = make_expense(app, ann.id, amount="3.00", date=D(2026, 1, 5))
    secret = make_expense(app, bob.id, ledger_id=ann.id, amount="4.00", date=D(2026, 1, 6),
                          private=True)  # fmt: skip
    three, four = Decimal("3.00"), Decimal("4.00")
    assert stored_totals(app) == {
        (ann.id, food, "cash", PUBLIC, 1, three), (ann.id, food, "cash", bob.id, 1, four)
    }  # fmt: skip
    change(app, update(Expense).where(Expense.id == secret).values(private=False))
    assert stored_totals(app) == {(ann.id, food, "cash", PUBLIC, 2, three + four)}
    change(app, update(Expense).where(Expense.id == secret).values(private=True))
    change(app, update(Expense).where(Expense.id == shared).values(user_id=bob.id))
    assert stored_totals(app) == {
        (ann.id, food, "cash", PUBLIC, 1, three), (ann.id, food, "cash", bob.id, 1, four)
    }  # fmt: skip
    # Bob's account goes (ON DELETE SET NULL): his private expense stays private, to everyone.
    change(app, delete(User).where(User.id == bob.id))
    assert stored_totals(app) == {
        (ann.id, food, "cash", PUBLIC, 1, three), (ann.id, food, "cash", HIDDEN, 1, four)
    }  # fmt: skip
    change(app, update(Expense).where(Expense.id == shared)
           .values(ledger_id=cat.id, category_id=cats_food, payment_method="other"))  # fmt: skip
    assert stored_totals(app) == {
        (cat.id, cats_food, "other", PUBLIC, 1, three), (ann.id, food, "cash", HIDDEN, 1, four)
    }  # fmt: skip
    assert month_totals_drift(app) == {}


@pytest.mark.parametrize(
    ("start", "end", "months", "days"),
    [
        (None, None, (None, None), []),
        (D(2026, 3, 1), D(2026, 5, 31), (D(2026, 3, 1), D(2026, 5, 1)), []),
        (
            D(2026, 3, 2),
            D(2026, 5, 30),
            (D(2026, 4, 1), D(2026, 4, 1)),
            [(D(2026, 3, 2), D(2026, 3, 31)), (D(2026, 5, 1), D(2026, 5, 30))],
        ),
        (
            D(2026, 3, 2),
            D(2026, 4, 30),
            (D(2026, 4, 1), D(2026, 4, 1)),
            [(D(2026, 3, 2), D(2026, 3, 31))],
        ),
        (D(2026, 3, 2), D(2026, 4, 29), None, [(D(2026, 3, 2), D(2026, 4, 29))]),
        (D(2026, 3, 2), D(2026, 3, 2), None, [(D(2026, 3, 2), D(2026, 3, 2))]),
        (D(2024, 2, 1), D(2024, 2, 29), (D(2024, 2, 1), D(2024, 2, 1)), []),
        (None, D(2026, 5, 15), (None, D(2026, 4, 1)), [(D(2026, 5, 1), D(2026, 5, 15))]),
        (D(2026, 5, 15), None, (D(2026, 6, 1), None), [(D(2026, 5, 15), D(2026, 5, 31))]),
        (dt.date.min, dt.date.max, (dt.date.min, D(9999, 12, 1)), []),
        (D(9999, 12, 2), None, None, [(D(9999, 12, 2), None)]),
        (None, D(1, 1, 30), None, [(None, D(1, 1, 30))]),
    ],
)
def test_a_span_splits_into_whole_months_and_leftover_days(start, end, months, days):
    assert split_span(start, end) == (months, days)


def test_whole_and_partial_months_give_the_same_total_in_one_statement_each(app, user):
    make_expense(app, user.id, amount="1.00", date=D(2026, 1, 15))
    with app.app_context(), count_queries(app) as statements:
        whole = span_totals(personal_scope(user.id), [Span(D(2026, 1, 1), D(2026, 12, 31))])
        partial = span_totals(personal_scope(user.id), [Span(D(2026, 1, 2), D(2026, 12, 31))])
    assert whole == partial == [(1, Decimal("1.00"))]
    assert len(statements) == 2


def test_spans_of_one_shape_share_a_statement_and_keep_their_own_values(app, user):
    other = make_user(app)
    make_expense(app, user.id, amount="1.00", date=D(2026, 1, 15))
    make_expense(app, user.id, amount="2.00", date=D(2026, 2, 15), category="Health")
    make_expense(app, other.id, amount="40.00", date=D(2026, 1, 20))
    food, health = category_id(app, user.id, "Food"), category_id(app, user.id, "Health")
    # One shape: two spans, each a whole month and some days, one category each.
    spans = [
        Span(D(2025, 12, 20), D(2026, 1, 31), food),
        Span(D(2026, 1, 2), D(2026, 2, 28), health),
    ]
    swapped = [
        Span(D(2025, 12, 20), D(2026, 1, 31), health),
        Span(D(2026, 1, 2), D(2026, 2, 28), food),
    ]
    assert (
        shape_of(personal_scope(user.id), spans)[0]
        == shape_of(personal_scope(other.id), swapped)[0]
    )
    with app.app_context():
        found = (
            span_totals(personal_scope(user.id), spans),
            span_totals(personal_scope(user.id), swapped),
        )
        theirs = span_totals(
            personal_scope(other.id), [Span(D(2025, 12, 20), D(2026, 1, 31)), *spans[1:]]
        )
    assert found == (
        [(1, Decimal("1.00")), (1, Decimal("2.00"))],
        [(0, ZERO), (1, Decimal("1.00"))],
    )
    assert theirs == [(1, Decimal("40.00")), (0, ZERO)]


DAYS = [
    D(2025, 12, 31),
    D(2026, 1, 1),
    D(2026, 1, 17),
    D(2026, 1, 31),
    D(2026, 2, 1),
    D(2026, 3, 5),
]
METHODS = ("cash", "credit_card")
dates = st.dates(min_value=D(2025, 11, 1), max_value=D(2026, 4, 30))


def test_span_totals_equal_summing_the_expenses(app):
    user_id = _sample_user(app)
    with app.app_context():
        expenses = list(db.session.scalars(select(Expense).where(Expense.user_id == user_id)))
    categories = {name: category_id(app, user_id, name) for name in ("Food", "Health")}

    @settings(max_examples=80, deadline=None)
    @given(
        start=st.none() | dates,
        end=st.none() | dates,
        category=st.sampled_from([None, *categories.values()]),
        method=st.sampled_from([None, *METHODS]),
    )
    def check(start, end, category, method):
        expected = [
            e
            for e in expenses
            if e.deleted_at is None
            and (start is None or e.date >= start)
            and (end is None or e.date <= end)
            and (category is None or e.category_id == category)
            and (method is None or e.payment_method == method)
        ]
        with app.app_context():
            found = span_totals(personal_scope(user_id), [Span(start, end, category, method)])
        assert found == [(len(expected), sum((e.amount for e in expected), Decimal("0.00")))]

    check()


def _sample_user(app) -> uuid.UUID:
    """A user's expenses around month ends, with trash and another user's beside them."""
    user = make_user(app)
    other = make_user(app)
    for index, day in enumerate(DAYS):
        for category in ("Food", "Health"):
            make_expense(
                app,
                user.id,
                amount=f"{index + 1}.{len(category)}5",
                date=day,
                category=category,
                payment_method=METHODS[index % 2],
            )
        make_expense(app, user.id, amount="1000.00", date=day, deleted=True)
        make_expense(app, other.id, amount="500.00", date=day)
    return user.id
