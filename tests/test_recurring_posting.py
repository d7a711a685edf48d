"""Recurring expenses posted through the contract: catch-up, month ends, 29 February,
interval, end date, skip, confirm mode, edit and delete, exactly once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.exc import OperationalError

from expenses_app.extensions import db
from expenses_app.models import Expense, RecurringOccurrence, RecurringRule
from expenses_app.recurring import posting
from expenses_app.recurring.posting import MAX_POSTS_PER_RUN
from expenses_app.versioning import EditConflict

from .conftest import login, post_form
from .factories import add_member, category_id, make_rule, make_user
from .server_date import TODAY


def rule_form(app, user_id, **fields) -> dict:
    form = {
        "amount": "950.00",
        "category_id": str(category_id(app, user_id, "Bills")),
        "description": "Rent",
        "payment_method": "bank_transfer",
        "tags": "home, rent",
        "notes": "",
        "frequency": "monthly",
        "interval": "1",
        "start_date": "2026-02-01",
        "end_date": "",
        "mode": "auto",
    }
    form.update(fields)
    return {key: value for key, value in form.items() if value is not None}


def posted(app, rule_id=None) -> list[tuple[dt.date, Decimal, str]]:
    """The live expenses (date, amount, description), by date."""
    with app.app_context():
        stmt = select(Expense.date, Expense.amount, Expense.description).where(
            Expense.deleted_at.is_(None)
        )
        if rule_id is not None:
            stmt = stmt.where(Expense.recurring_rule_id == rule_id)
        return sorted(db.session.execute(stmt.order_by(Expense.date)).all())


def dates(app, rule_id=None) -> list[dt.date]:
    return [row[0] for row in posted(app, rule_id)]


def the_rule(app) -> RecurringRule:
    with app.app_context():
        return db.session.scalars(select(RecurringRule)).one()


def test_a_rule_started_three_months_ago_posts_every_missed_month_on_the_next_page(
    app, client, logged_in, today
):
    response = post_form(client, "/recurring/new", rule_form(app, logged_in.id))
    assert response.status_code == 302
    assert client.get("/expenses/").status_code == 200

    assert dates(app) == [dt.date(2026, m, 1) for m in (2, 3, 4, 5)]
    rule = the_rule(app)
    assert rule.next_date == dt.date(2026, 6, 1)
    with app.app_context():
        expense = db.session.scalars(select(Expense).limit(1)).one()
        assert (expense.user_id, expense.payment_method) == (logged_in.id, "bank_transfer")
        assert expense.recurring_rule_id == rule.id and expense.occurrence_date == expense.date


def test_catch_up_after_a_gap_of_three_months(app, client, logged_in, today):
    post_form(client, "/recurring/new", rule_form(app, logged_in.id, start_date="2026-05-10"))
    client.get("/")
    assert dates(app) == [dt.date(2026, 5, 10)]
    today.set(dt.date(2026, 8, 20))
    client.get("/")
    assert dates(app) == [dt.date(2026, m, 10) for m in (5, 6, 7, 8)]


def test_a_rule_on_the_31st_posts_on_the_last_day_of_shorter_months(app, client, logged_in, today):
    today.set(dt.date(2024, 7, 1))
    post_form(client, "/recurring/new", rule_form(app, logged_in.id, start_date="2024-01-31"))
    client.get("/")
    assert dates(app) == [
        dt.date(2024, 1, 31),
        dt.date(2024, 2, 29),
        dt.date(2024, 3, 31),
        dt.date(2024, 4, 30),
        dt.date(2024, 5, 31),
        dt.date(2024, 6, 30),
    ]


def test_a_yearly_rule_on_29_february_posts_on_28_february_in_other_years(
    app, client, logged_in, today
):
    today.set(dt.date(2029, 3, 1))
    form = rule_form(app, logged_in.id, start_date="2024-02-29", frequency="yearly")
    post_form(client, "/recurring/new", form)
    client.get("/")
    assert dates(app) == [
        dt.date(2024, 2, 29),
        dt.date(2025, 2, 28),
        dt.date(2026, 2, 28),
        dt.date(2027, 2, 28),
        dt.date(2028, 2, 29),
        dt.date(2029, 2, 28),
    ]


def test_interval_and_inclusive_end_date(app, client, logged_in, today):
    form = rule_form(
        app,
        logged_in.id,
        frequency="weekly",
        interval="2",
        start_date="2026-04-01",
        end_date="2026-04-29",
    )
    post_form(client, "/recurring/new", form)
    client.get("/")
    assert dates(app) == [dt.date(2026, 4, 1), dt.date(2026, 4, 15), dt.date(2026, 4, 29)]
    assert the_rule(app).next_date is None


def test_the_command_posts_as_of_its_date_and_prints_what_it_posted(app, runner, logged_in):
    make_rule(app, logged_in.id, start_date=dt.date(2026, 1, 5), description="Phone")
    result = runner.invoke(args=["recurring", "run", "--date", "2026-03-05"])
    assert result.exit_code == 0, result.output
    assert "2026-01-05" in result.output and "2026-03-05" in result.output
    assert "Posted 3 recurring expenses" in result.output
    again = runner.invoke(args=["recurring", "run", "--date", "2026-03-05"])
    assert "Posted 0 recurring expenses" in again.output
    assert len(dates(app)) == 3


def test_the_command_refuses_a_malformed_date(app, runner, logged_in):
    make_rule(app, logged_in.id, start_date=dt.date(2026, 1, 5))
    result = runner.invoke(args=["recurring", "run", "--date", "5 March"])
    assert result.exit_code != 0
    assert dates(app) == []


def test_a_skipped_date_is_never_posted(app, client, logged_in, today):
    rule_id = make_rule(app, logged_in.id, start_date=dt.date(2026, 5, 20))
    assert (
        post_form(
            client, f"/recurring/{rule_id}/skip", {"date": "2026-06-20"}, page="/recurring/"
        ).status_code
        == 302
    )
    today.set(dt.date(2026, 7, 25))
    client.get("/")
    assert dates(app) == [dt.date(2026, 5, 20), dt.date(2026, 7, 20)]
    with app.app_context():
        statuses = dict(
            db.session.execute(
                select(RecurringOccurrence.occurrence_date, RecurringOccurrence.status)
            ).all()
        )
    assert statuses[dt.date(2026, 6, 20)] == "skipped"


@pytest.mark.parametrize(
    ("date", "message"),
    [
        ("2026-06-11", "not on this rule"),
        ("2026-05-10", "already posted"),
        ("not a date", "Not a valid date"),
    ],
)
def test_a_skip_of_a_date_that_is_not_open_is_refused_with_a_message(
    app, client, logged_in, today, date, message
):
    rule_id = make_rule(app, logged_in.id, start_date=dt.date(2026, 5, 10))
    client.get("/")
    before = dates(app)
    response = post_form(client, f"/recurring/{rule_id}/skip", {"date": date}, page="/recurring/")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(
                select(RecurringOccurrence.id).where(RecurringOccurrence.status == "skipped")
            )
            is None
        )
    assert dates(app) == before


def test_confirm_mode_waits_for_post_or_skip(app, client, logged_in, today):
    rule_id = make_rule(app, logged_in.id, start_date=dt.date(2026, 3, 15), mode="confirm")
    html = client.get("/recurring/").get_data(as_text=True)
    assert dates(app) == []
    for month in ("03", "04", "05"):
        assert f'data-date="2026-{month}-15"' in html
    assert 'data-date="2026-06-15"' not in html

    post_form(client, f"/recurring/{rule_id}/post", {"date": "2026-04-15"}, page="/recurring/")
    post_form(client, f"/recurring/{rule_id}/skip", {"date": "2026-03-15"}, page="/recurring/")
    assert dates(app) == [dt.date(2026, 4, 15)]
    html = client.get("/recurring/").get_data(as_text=True)
    assert 'data-date="2026-05-15"' in html and 'data-date="2026-04-15"' not in html
    assert the_rule(app).next_date == dt.date(2026, 5, 15)

    refused = post_form(
        client, f"/recurring/{rule_id}/post", {"date": "2026-06-15"}, page="/recurring/"
    )
    assert refused.status_code == 422 and "not due yet" in refused.get_data(as_text=True)
    twice = post_form(
        client, f"/recurring/{rule_id}/post", {"date": "2026-04-15"}, page="/recurring/"
    )
    assert twice.status_code == 422
    assert dates(app) == [dt.date(2026, 4, 15)]


def test_posting_an_auto_rules_date_by_hand_is_refused(app, client, logged_in, today):
    rule_id = make_rule(app, logged_in.id, start_date=dt.date(2026, 6, 1))
    response = post_form(
        client, f"/recurring/{rule_id}/post", {"date": "2026-06-01"}, page="/recurring/"
    )
    assert response.status_code == 422
    assert dates(app) == []


def test_editing_a_rule_changes_only_dates_not_posted_yet(app, client, logged_in, today):
    post_form(client, "/recurring/new", rule_form(app, logged_in.id))
    client.get("/")
    rule = the_rule(app)
    form = rule_form(app, logged_in.id, amount="1000.00", description="New rent")
    form["version"] = str(rule.version)
    response = post_form(client, f"/recurring/{rule.id}/edit", form)
    assert response.status_code == 302
    today.set(dt.date(2026, 6, 1))
    client.get("/")
    rows = posted(app)
    assert [r[1] for r in rows] == [Decimal("950.00")] * 4 + [Decimal("1000.00")]
    assert rows[-1] == (dt.date(2026, 6, 1), Decimal("1000.00"), "New rent")


def test_moving_the_day_of_a_rule_that_posted_does_not_post_this_month_again(
    app, client, logged_in, today
):
    post_form(client, "/recurring/new", rule_form(app, logged_in.id))
    client.get("/")
    rule = the_rule(app)
    form = rule_form(app, logged_in.id, start_date="2026-02-10", version=str(rule.version))
    post_form(client, f"/recurring/{rule.id}/edit", form)
    client.get("/")
    assert dates(app) == [dt.date(2026, m, 1) for m in (2, 3, 4, 5)]
    assert the_rule(app).next_date == dt.date(2026, 6, 10)


def test_an_end_date_before_the_start_is_refused(app, client, logged_in, today):
    form = rule_form(app, logged_in.id, start_date="2026-05-01", end_date="2026-04-30")
    response = post_form(client, "/recurring/new", form)
    assert response.status_code == 422
    assert "cannot be before the first date" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(RecurringRule.id)) is None


@pytest.mark.parametrize("interval", ["0", "100", "x", ""])
def test_an_interval_outside_1_to_99_is_refused(app, client, logged_in, today, interval):
    response = post_form(client, "/recurring/new", rule_form(app, logged_in.id, interval=interval))
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(RecurringRule.id)) is None


def test_deleting_a_rule_keeps_the_expenses_it_posted(app, client, logged_in, today):
    post_form(client, "/recurring/new", rule_form(app, logged_in.id))
    client.get("/")
    rule = the_rule(app)
    assert post_form(client, f"/recurring/{rule.id}/delete", page="/recurring/").status_code == 302
    assert len(dates(app)) == 4
    with app.app_context():
        assert db.session.scalar(select(RecurringRule.id)) is None
        assert set(db.session.scalars(select(Expense.recurring_rule_id))) == {None}


@pytest.mark.parametrize("change", ["edit", "trash", "delete"])
def test_a_posted_occurrence_is_never_posted_again(app, client, logged_in, today, change):
    rule_id = make_rule(app, logged_in.id, start_date=dt.date(2026, 5, 1))
    client.get("/")
    with app.app_context():
        expense = db.session.scalars(select(Expense)).one()
        if change == "edit":
            expense.amount, expense.date = Decimal("1.00"), dt.date(2026, 5, 2)
        elif change == "trash":
            expense.deleted_at = dt.datetime.now(dt.UTC)
        else:
            db.session.execute(delete(Expense))
        db.session.commit()
        # Even a rule whose next date was put back cannot post the date again.
        db.session.get(RecurringRule, rule_id).next_date = dt.date(2026, 5, 1)
        db.session.commit()
    client.get("/")
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Expense)) == (
            0 if change == "delete" else 1
        )
    assert the_rule(app).next_date == dt.date(2026, 6, 1)


def test_a_posted_expense_links_to_its_rule(app, client, logged_in, today):
    rule_id = make_rule(app, logged_in.id, start_date=dt.date(2026, 5, 1))
    client.get("/")
    with app.app_context():
        expense_id = db.session.scalar(select(Expense.id))
    html = client.get(f"/expenses/{expense_id}").get_data(as_text=True)
    assert f'href="/recurring/{rule_id}/edit"' in html


def test_a_viewer_sees_that_an_expense_is_recurring_without_a_link_they_may_not_open(app, today):
    owner, viewer = make_user(app, "owner"), make_user(app, "viewer")
    add_member(app, owner.id, viewer.id, "viewer")
    rule_id = make_rule(app, owner.id, start_date=dt.date(2026, 5, 1))
    client = app.test_client()
    login(client, viewer)
    post_form(client, f"/ledgers/{owner.id}/switch", page="/")
    client.get("/")  # a viewer opening a page posts the due expense too
    with app.app_context():
        expense_id = db.session.scalar(select(Expense.id))

    html = client.get(f"/expenses/{expense_id}").get_data(as_text=True)
    assert "Posted by a recurring expense" in html
    assert f"/recurring/{rule_id}/edit" not in html
    assert client.get(f"/recurring/{rule_id}/edit").status_code == 403


def test_the_list_shows_the_schedule_in_words_and_the_next_date(app, client, logged_in, today):
    make_rule(app, logged_in.id, start_date=dt.date(2026, 1, 31), description="Gym")
    html = client.get("/recurring/").get_data(as_text=True)
    assert "Every month on day 31 (the last day of shorter months)" in html
    assert "Gym" in html and "950.00" in html
    assert dt.date(2026, 5, 31).strftime("%Y") in html


def test_a_rule_with_absurdly_many_dates_due_posts_a_capped_number_per_run_and_says_so(
    app, runner, logged_in, caplog
):

    make_rule(app, logged_in.id, frequency="daily", start_date=dt.date(2024, 1, 1), amount="1")
    with caplog.at_level("WARNING", logger="expenses_app.recurring.posting"):
        first = runner.invoke(args=["recurring", "run", "--date", "2026-01-01"])
    assert f"Posted {MAX_POSTS_PER_RUN} recurring" in first.output
    assert "more than 400 occurrences due" in caplog.text
    second = runner.invoke(args=["recurring", "run", "--date", "2026-01-01"])
    third = runner.invoke(args=["recurring", "run", "--date", "2026-01-01"])
    assert "Posted 0" in third.output and "Posted" in second.output
    assert dates(app) == [dt.date(2024, 1, 1) + dt.timedelta(days=n) for n in range(732)]


def test_a_failure_to_post_is_logged_and_the_page_still_shows(
    app, client, logged_in, today, monkeypatch, caplog
):

    def busy(*_args):
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    make_rule(app, logged_in.id, start_date=dt.date(2026, 5, 1))
    monkeypatch.setattr("expenses_app.recurring.autopost.post_due", busy)
    response = client.get("/expenses/")
    assert response.status_code == 200
    assert "posting the due recurring expenses" in caplog.text
    assert dates(app) == []
    monkeypatch.undo()
    monkeypatch.setattr("expenses_app.clock.today", lambda: TODAY)
    client.get("/expenses/")
    assert dates(app) == [dt.date(2026, 5, 1)]


def test_saving_a_rule_edited_elsewhere_is_a_conflict(app, client, logged_in, today):
    rule_id = make_rule(app, logged_in.id, start_date=dt.date(2026, 6, 1))
    stale = rule_form(app, logged_in.id, start_date="2026-06-01", description="Mine", version="1")
    fresh = rule_form(app, logged_in.id, start_date="2026-06-01", description="Theirs", version="1")
    assert post_form(client, f"/recurring/{rule_id}/edit", fresh).status_code == 302
    response = post_form(client, f"/recurring/{rule_id}/edit", stale)
    assert response.status_code == 409
    assert "changed elsewhere" in response.get_data(as_text=True)
    assert the_rule(app).description == "Theirs"


def test_a_get_that_posts_leaves_no_transaction_open_on_postgresql(app, client, logged_in, today):

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL's autocommit read path")
    make_rule(app, logged_in.id, start_date=dt.date(2026, 3, 1))
    assert client.get("/").status_code == 200
    with app.app_context():
        idle = db.session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND state = 'idle in transaction' AND pid <> pg_backend_pid()"
            )
        )
        assert idle == 0
    assert dates(app) == [dt.date(2026, m, 1) for m in (3, 4, 5)]
    assert client.get("/").status_code == 200


def test_editing_the_amount_of_a_confirm_rule_keeps_its_dates_waiting(
    app, client, logged_in, today
):
    rule_id = make_rule(app, logged_in.id, start_date=dt.date(2026, 3, 15), mode="confirm")
    post_form(client, f"/recurring/{rule_id}/post", {"date": "2026-04-15"}, page="/recurring/")
    form = rule_form(app, logged_in.id, start_date="2026-03-15", mode="confirm", amount="5.00")
    assert post_form(client, f"/recurring/{rule_id}/edit", form).status_code == 302
    html = client.get("/recurring/").get_data(as_text=True)
    assert 'data-date="2026-03-15"' in html and 'data-date="2026-05-15"' in html
    assert the_rule(app).next_date == dt.date(2026, 3, 15)


def test_extending_the_end_of_a_finished_rule_goes_on_after_its_last_date(
    app, client, logged_in, today
):
    form = rule_form(app, logged_in.id, start_date="2026-01-10", end_date="2026-02-10")
    post_form(client, "/recurring/new", form)
    client.get("/")
    assert the_rule(app).next_date is None
    form = rule_form(app, logged_in.id, start_date="2026-01-10", end_date="2026-12-31")
    assert post_form(client, f"/recurring/{the_rule(app).id}/edit", form).status_code == 302
    client.get("/")
    assert dates(app) == [dt.date(2026, m, 10) for m in (1, 2, 3, 4, 5)]


def test_a_skip_racing_another_change_of_the_rule_answers_409(
    app, client, logged_in, today, monkeypatch
):

    def raced(*_args):
        raise EditConflict

    rule_id = make_rule(app, logged_in.id, start_date=dt.date(2026, 6, 1))
    monkeypatch.setattr("expenses_app.recurring.routes.skip_occurrence", raced)
    response = post_form(
        client, f"/recurring/{rule_id}/skip", {"date": "2026-06-01"}, page="/recurring/"
    )
    assert response.status_code == 409
    assert "changed at the same moment" in response.get_data(as_text=True)


def ann_cannot_post(app, monkeypatch) -> tuple:
    """Ann's and Ben's ledgers, each with a rule due on 2026-01-05; posting Ann's fails
    as a deadlock would (the CLI's runs must go on with Ben's). Returns (ann, ben)."""
    ann, ben = make_user(app, "ann"), make_user(app, "ben")
    make_rule(app, ann.id, start_date=dt.date(2026, 1, 5), description="Ann's rent")
    make_rule(app, ben.id, start_date=dt.date(2026, 1, 5), description="Ben's rent")
    real = posting.post_due

    def flaky(ledger_id, today):
        if ledger_id == ann.id:
            raise OperationalError("INSERT", {}, Exception("deadlock detected"))
        return real(ledger_id, today)

    monkeypatch.setattr("expenses_app.cli.recurring.post_due", flaky)
    return ann, ben


def test_a_database_error_without_a_message_still_gives_its_ledger_a_line(app, runner, monkeypatch):
    """An empty DBAPI message once raised IndexError out of the command."""
    ann = make_user(app, "ann")
    make_rule(app, ann.id, start_date=dt.date(2026, 1, 5))

    def silent(ledger_id, today):
        raise OperationalError("INSERT", {}, Exception(""))

    monkeypatch.setattr("expenses_app.cli.recurring.post_due", silent)
    result = runner.invoke(args=["recurring", "run", "--date", "2026-01-05"])
    assert result.exit_code == 1 and f"ledger {ann.id}: OperationalError" in result.output, (
        result.output
    )


def test_the_command_goes_on_with_the_other_ledgers_when_one_fails_and_exits_1(
    app, runner, monkeypatch
):
    ann_cannot_post(app, monkeypatch)
    result = runner.invoke(args=["recurring", "run", "--date", "2026-01-05"])
    assert result.exit_code == 1
    assert "Posted 1 recurring" in result.output and "deadlock detected" in result.output
    assert [row[2] for row in posted(app)] == ["Ben's rent"]
