"""The derived structures (`expenses_app/derived`): in step after every write path, their
check finds each kind of damage, `flask db check-derived --rebuild` repairs it, and
`flask restore` refuses to commit data they do not match."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import delete, insert, select, text, update

from expenses_app import derived
from expenses_app.derived import STRUCTURES, check_all
from expenses_app.derived.data_version import FUNCTIONS as VERSION_FUNCTIONS
from expenses_app.derived.record import migration
from expenses_app.extensions import db
from expenses_app.models import Expense, Ledger, LedgerMember, User

from .conftest import count_queries, derived_out_of_step, post_form
from .factories import add_member, category_id, make_category, make_expense, make_user
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
    ("search-index", "sqlite", "UPDATE expense_search_rows SET private = 1"),
    ("search-index", "sqlite", "DROP TRIGGER expense_search_retext"),
    ("page-cache-version", "sqlite", "DROP TRIGGER tags_data_version_insert"),
    ("page-cache-version", "postgresql", "DROP TRIGGER budgets_data_version ON budgets"),
    ("page-cache-version", "sqlite", "DROP TRIGGER ledger_members_data_version_delete"),
    ("page-cache-version", "postgresql", "ALTER TABLE users DISABLE TRIGGER users_data_version"),
    ("page-cache-version", "postgresql", "DROP TRIGGER expenses_data_version_note ON expenses"),
    ("page-cache-version", "postgresql",
     "DROP TRIGGER ledger_members_data_version_lock ON ledger_members"),
    ("page-cache-version", "postgresql", "DROP FUNCTION data_version_flush() CASCADE"),
]  # fmt: skip


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
    # Structures rebuilt with this one (their triggers call its functions) may differ too.
    dependents = {s.name for s in STRUCTURES if name in s.rebuilt_with}
    for dependent in dependents:
        states.pop(dependent, None)
    assert states == {
        other: state
        for other, state in expected_ok(app).items()
        if other != name and other not in dependents
    }

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


# --- what changes which page-cache version (migration 0009) -------------------------


def versions(app) -> dict[tuple[str, object], int]:
    with app.app_context():
        ledgers = db.session.execute(select(Ledger.id, Ledger.data_version)).all()
        users = db.session.execute(select(User.id, User.data_version)).all()
    return {("ledger", i): v for i, v in ledgers} | {("user", i): v for i, v in users}


def changed_by(app, *statements) -> set[tuple[str, object]]:
    """The versions that one transaction of `statements` changes (of the rows still there)."""
    before = versions(app)
    with app.app_context():
        for statement in statements:
            db.session.execute(statement)
        db.session.commit()
    after = versions(app)
    return {key for key, value in after.items() if key in before and before[key] != value}


def test_each_write_changes_exactly_the_versions_the_spec_names(app):
    ann, bob, cat = make_user(app), make_user(app), make_user(app)
    add_member(app, ann.id, bob.id)
    L = {user.id: ("ledger", user.id) for user in (ann, bob, cat)}  # personal ledgers
    U = {user.id: ("user", user.id) for user in (ann, bob, cat)}
    expense = make_expense(app, bob.id, ledger_id=ann.id)
    on = Expense.id == expense
    assert changed_by(app, update(Expense).where(on).values(description="x")) == {L[ann.id]}
    renamed = update(Ledger).where(Ledger.id == ann.id).values(name="Home")
    assert changed_by(app, renamed) == {L[ann.id], U[ann.id], U[bob.id]}
    assert changed_by(app, update(User).where(User.id == bob.id).values(email="b@x.y")) == {
        U[bob.id]
    }
    # "Added by" shows the username: every ledger Bob is in changes with it.
    username = update(User).where(User.id == bob.id).values(username="bobby")
    assert changed_by(app, username) == {U[bob.id], L[ann.id], L[bob.id]}
    role = update(LedgerMember).where(LedgerMember.user_id == bob.id, LedgerMember.ledger_id
                                      == ann.id).values(role="viewer")  # fmt: skip
    assert changed_by(app, role) == {L[ann.id], U[bob.id]}
    joined = insert(LedgerMember).values(ledger_id=cat.id, user_id=ann.id, role="member")
    assert changed_by(app, joined) == {L[cat.id], U[ann.id]}
    cats_food = category_id(app, cat.id, "Food")
    moved = update(Expense).where(on).values(ledger_id=cat.id, category_id=cats_food)
    assert changed_by(app, moved) == {L[ann.id], L[cat.id]}
    # One transaction, several ledgers: each changes.
    both = [update(Expense).where(on).values(amount=1), renamed.values(name="Ours")]
    assert changed_by(app, *both) == {L[cat.id], L[ann.id], U[ann.id], U[bob.id]}
    # An account's deletion changes the ledgers it was in and the one its expense is in.
    assert changed_by(app, delete(User).where(User.id == bob.id)) == {L[ann.id], L[bob.id],
                                                                     L[cat.id]}  # fmt: skip
    assert changed_by(app, delete(Expense).where(on)) == {L[cat.id]}


def test_the_records_name_the_migrations_functions(app):
    with app.app_context():
        source = migration("0009")
    assert VERSION_FUNCTIONS["postgresql"] == source.VERSION_FUNCTION_SIGNATURES


def test_a_username_change_and_a_rename_of_its_ledger_do_not_deadlock(app):
    """Each locks its own row and, at commit, the other's: without the advisory lock that
    0009's statement triggers take first, the second commit would wait on the first."""
    if dialect_of(app) != "postgresql":
        pytest.skip("PostgreSQL's row locks")
    ann, bob = make_user(app), make_user(app)
    add_member(app, ann.id, bob.id)
    errors: list[Exception] = []
    with app.app_context():
        engine = db.engine
    first, second = engine.connect(), engine.connect()

    def rename() -> None:
        try:
            second.execute(text("SET lock_timeout = '5s'"))
            second.execute(update(Ledger).where(Ledger.id == ann.id).values(name="Home"))
            second.commit()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    try:
        first.execute(update(User).where(User.id == bob.id).values(username="bobby"))
        thread = threading.Thread(target=rename)
        thread.start()
        thread.join(0.5)  # the rename waits for the username change's transaction
        first.commit()
        thread.join(10)
    finally:
        first.close()
        second.close()
    assert errors == []
    with app.app_context():
        assert db.session.scalar(select(Ledger.name).where(Ledger.id == ann.id)) == "Home"
