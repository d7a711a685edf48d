"""The derived structures (`expenses_app/derived`): in step after every write path, their
check finds each kind of damage, `flask db check-derived --rebuild` repairs it, and
`flask restore` refuses to commit data they do not match."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text

from expenses_app import derived
from expenses_app.derived import STRUCTURES, check_all
from expenses_app.extensions import db
from expenses_app.models import Expense, User

from .conftest import count_queries, derived_out_of_step, post_form
from .factories import category_id, make_category, make_expense
from .test_month_totals import expense_form as month_totals_form

NAMES = [structure.name for structure in STRUCTURES]


def dialect_of(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


def check_derived(runner, *options: str):
    return runner.invoke(args=["db", "check-derived", *options])


def reported(output: str) -> dict[str, str]:
    """Each structure's state in `check-derived`'s output: 'ok', 'differs', ..."""
    lines = [line.split(": ", 1) for line in output.splitlines() if not line.startswith(" ")]
    return {name: state for name, state in (line for line in lines if len(line) == 2)}


def expected_ok(app) -> dict[str, str]:
    on_sqlite = dialect_of(app) == "sqlite"
    return {
        name: "ok" if on_sqlite or name != "search-index" else "not on this database"
        for name in NAMES
    }


def assert_in_step(app, runner) -> None:
    result = check_derived(runner)
    assert result.exit_code == 0, result.output
    assert reported(result.output) == expected_ok(app)


def expense_form(category, amount: str, day: dt.date, method: str = "cash") -> dict:
    """The expense form with a tag, so that the links' triggers run too."""
    return month_totals_form(category, amount, day, method, tags="lunch")


def test_the_structures_stay_in_step_through_the_forms_purge_and_a_restore(
    app, client, runner, logged_in, tmp_path
):
    food = category_id(app, logged_in.id, "Food")
    spare = make_category(app, logged_in.id, "Spare")
    for amount, day in (("10.00", dt.date(2026, 3, 31)), ("2.50", dt.date(2026, 4, 1))):
        response = post_form(client, "/expenses/new", expense_form(food, amount, day))
        assert response.status_code == 302
    assert_in_step(app, runner)
    with app.app_context():
        first, second = db.session.scalars(select(Expense.id).order_by(Expense.amount))
    edited = expense_form(spare, "30.00", dt.date(2025, 12, 24), "credit_card")
    assert post_form(client, f"/expenses/{first}/edit", edited).status_code == 302
    page = "/expenses/"
    assert post_form(client, f"/expenses/{second}/delete", page=page).status_code == 302
    assert post_form(client, f"/expenses/{second}/restore", page=page).status_code == 302
    assert post_form(client, f"/expenses/{second}/delete", page=page).status_code == 302
    assert runner.invoke(args=["purge-trash", "--days", "0"]).exit_code == 0
    # Category moves, CSV import, demo-data and account deletion: the walk of
    # test_month_totals.py, after which conftest checks every structure too.
    assert_in_step(app, runner)

    backup = tmp_path / "backup.zip"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    restored = runner.invoke(args=["restore", str(backup), "--force"])
    assert restored.exit_code == 0, restored.output
    assert_in_step(app, runner)


# (structure, dialect, what damages it): rows changed behind the triggers' back,
# and triggers or functions dropped or switched off.
DAMAGE = [
    ("monthly-totals", "any", "UPDATE expense_month_totals SET amount_cents = amount_cents + 1"),
    ("monthly-totals", "any", "DELETE FROM expense_month_totals"),
    ("monthly-totals", "sqlite", "DROP TRIGGER expense_month_totals_update"),
    ("monthly-totals", "postgresql", "DROP TRIGGER expense_month_totals_apply ON expenses"),
    ("monthly-totals", "postgresql", "DROP FUNCTION expense_month_totals_add(expenses)"),
    ("search-index", "sqlite", "UPDATE expense_search_rows SET description = 'stale'"),
    ("search-index", "sqlite", "DELETE FROM expense_search_rows"),
    ("search-index", "sqlite", "UPDATE expense_search_rows SET slot = slot + (1 << 36)"),
    ("search-index", "sqlite", "DELETE FROM expense_search_ledgers"),
    ("search-index", "sqlite", "DROP TRIGGER expense_search_retext"),
    ("page-cache-version", "sqlite", "DROP TRIGGER tags_data_version_insert"),
    ("page-cache-version", "postgresql", "DROP TRIGGER budgets_data_version ON budgets"),
    ("page-cache-version", "postgresql", "ALTER TABLE users DISABLE TRIGGER users_data_version"),
    ("page-cache-version", "postgresql", "DROP FUNCTION users_data_version_set(uuid) CASCADE"),
]


@pytest.mark.parametrize(("name", "dialect", "damage"), DAMAGE)
def test_each_kind_of_damage_is_found_and_rebuilt(
    app, client, runner, logged_in, name, dialect, damage
):
    if dialect not in ("any", dialect_of(app)):
        pytest.skip(f"{dialect} only")
    make_expense(app, logged_in.id, description="Morning coffee", amount="3.20")
    make_expense(app, logged_in.id, description="Train ticket", date=dt.date(2026, 2, 1))
    with app.app_context():
        db.session.execute(text(damage))
        db.session.commit()

    found = check_derived(runner)
    assert found.exit_code == 1
    states = reported(found.output)
    assert states.pop(name) == "differs"
    assert states == {other: state for other, state in expected_ok(app).items() if other != name}

    repaired = check_derived(runner, "--rebuild")
    assert repaired.exit_code == 0, repaired.output
    assert repaired.output.endswith(
        "\n".join(f"{n}: {s}" for n, s in expected_ok(app).items()) + "\n"
    )
    # The triggers work again: later writes stay in step, search finds them.
    make_expense(app, logged_in.id, description="Evening tea", amount="2.10")
    assert_in_step(app, runner)
    page = client.get("/expenses/?q=tea").get_data(as_text=True)
    assert "Evening tea" in page and "Morning coffee" not in page


def test_a_database_in_step_is_left_alone_by_rebuild(app, runner, user):
    make_expense(app, user.id)
    with app.app_context():
        before = db.session.scalar(select(User.data_version))
    result = check_derived(runner, "--rebuild")
    assert result.exit_code == 0, result.output
    assert "Rebuilt" not in result.output
    with app.app_context():
        after = db.session.scalar(select(User.data_version))
    assert after == before


def test_the_check_runs_the_same_statements_for_few_and_many_expenses(app, user):
    def statements_of_a_check() -> int:
        with count_queries(app) as statements, app.app_context(), db.engine.connect() as connection:
            assert not any(check_all(connection).values())
        return len(statements)

    make_expense(app, user.id)
    few = statements_of_a_check()
    for day in range(1, 29):
        make_expense(app, user.id, date=dt.date(2026, 1, day), payment_method="credit_card")
    assert statements_of_a_check() == few


@pytest.mark.derived_out_of_step
def test_a_restore_that_would_leave_them_out_of_step_changes_nothing(app, runner, user, tmp_path):
    make_expense(app, user.id, amount="7.00")
    backup = tmp_path / "backup.zip"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    make_expense(app, user.id, amount="8.00")
    drop = {
        "sqlite": "DROP TRIGGER expense_month_totals_insert",
        "postgresql": "DROP TRIGGER expense_month_totals_apply ON expenses",
    }[dialect_of(app)]
    with app.app_context():
        db.session.execute(text(drop))
        db.session.commit()

    restored = runner.invoke(args=["restore", str(backup), "--force"])

    assert restored.exit_code == 1
    assert "nothing was changed" in restored.output and "monthly-totals" in restored.output
    with app.app_context():
        amounts = db.session.scalars(select(Expense.amount).order_by(Expense.amount)).all()
    assert [str(amount) for amount in amounts] == ["7.00", "8.00"]
    # What the app fixture finds after this test (and rebuilds, as it is marked).
    assert list(derived_out_of_step(app)) == ["monthly-totals"]


def test_check_derived_is_one_of_flask_db_commands(app, runner):
    listed = runner.invoke(args=["db", "--help"])
    assert "check-derived" in listed.output and "upgrade" in listed.output
    current = runner.invoke(args=["db", "current"])
    assert current.exit_code == 0, current.output


def test_a_rebuild_that_cannot_lock_the_tables_fails_and_changes_nothing(
    app, runner, user, monkeypatch
):
    if dialect_of(app) != "postgresql":
        pytest.skip("PostgreSQL's lock timeout")
    monkeypatch.setattr(derived, "LOCK_TIMEOUT", "100ms")
    make_expense(app, user.id)
    with app.app_context():
        db.session.execute(text("UPDATE expense_month_totals SET amount_cents = amount_cents + 1"))
        db.session.commit()
        with db.engine.connect() as reader:
            reader.execute(select(Expense.id))  # a transaction that has read `expenses`
            refused = check_derived(runner, "--rebuild")
    assert refused.exit_code == 1
    assert "could not rebuild, nothing was changed" in refused.output
    assert reported(check_derived(runner).output)["monthly-totals"] == "differs"
    assert check_derived(runner, "--rebuild").exit_code == 0
