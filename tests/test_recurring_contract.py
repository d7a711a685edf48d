"""The contract's recurring promises not covered elsewhere, probed with odd inputs."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select

from expenses_app.extensions import db
from expenses_app.models import RecurringOccurrence, RecurringRule

from .conftest import login, post_form
from .factories import add_member, category_id, make_rule, make_user
from .test_recurring_posting import dates, rule_form, the_rule


def rule_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(RecurringRule))


@pytest.mark.parametrize(
    "changes",
    [
        {"interval": "0"}, {"interval": "100"}, {"interval": "1.5"}, {"interval": ""},
        {"interval": "abc"}, {"interval": "-1"}, {"frequency": "hourly"},
        {"mode": "manual"}, {"start_date": "2026-02-30"}, {"start_date": ""},
        {"end_date": "2026-01-31"}, {"end_date": "31/12/2026"}, {"amount": "0"},
        {"amount": "-5"}, {"amount": "10000000000.00"}, {"amount": "1.005"},
        {"category_id": str(uuid.uuid4())}, {"category_id": "x"}, {"description": ""},
        {"payment_method": "bitcoin"}, {"start_date": "9999-12-31", "end_date": ""},
        {"start_date": "0001-01-01"},
    ],
)  # fmt: skip
def test_a_bad_rule_is_a_form_error_and_saves_nothing(app, client, logged_in, today, changes):
    response = post_form(client, "/recurring/new", rule_form(app, logged_in.id, **changes))
    if changes.get("start_date") == "9999-12-31":
        assert response.status_code in (302, 422)
        assert client.get("/").status_code == 200
        assert client.get("/recurring/").status_code == 200
        return
    assert response.status_code in (200, 422), response.status_code
    assert rule_count(app) == 0


def test_a_category_of_another_ledger_is_refused(app, client, logged_in, today):
    foreign = str(category_id(app, make_user(app).id, "Bills"))
    response = post_form(
        client, "/recurring/new", rule_form(app, logged_in.id, category_id=foreign)
    )
    assert response.status_code == 422 and rule_count(app) == 0


def test_an_end_date_on_the_start_date_posts_that_one_date(app, client, logged_in, today):
    form = rule_form(app, logged_in.id, start_date="2026-05-01", end_date="2026-05-01")
    assert post_form(client, "/recurring/new", form).status_code == 302
    client.get("/")
    assert dates(app) == [dt.date(2026, 5, 1)]


def test_weekly_rules_post_on_the_start_dates_weekday(app, client, logged_in, today):
    form = rule_form(app, logged_in.id, frequency="weekly", start_date="2026-04-29")
    post_form(client, "/recurring/new", form)
    client.get("/")
    assert dates(app) == [dt.date(2026, 4, 29), dt.date(2026, 5, 6), dt.date(2026, 5, 13)]


@pytest.mark.parametrize("date", ["", "2026-13-01", "15/05/2026", "x" * 300, "2026-05-32"])
def test_skip_and_post_with_a_malformed_date_answer_4xx(app, client, logged_in, today, date):
    rule_id = make_rule(app, logged_in.id, start_date=dt.date(2026, 5, 15), mode="confirm")
    for action in ("skip", "post"):
        url = f"/recurring/{rule_id}/{action}"
        response = post_form(client, url, {"date": date}, page="/recurring/")
        assert 400 <= response.status_code < 500, (action, response.status_code)
    assert dates(app) == []


def test_skip_and_post_of_a_date_off_the_schedule_change_nothing(app, client, logged_in, today):
    rule_id = make_rule(app, logged_in.id, start_date=dt.date(2026, 4, 15), mode="confirm")
    for action in ("skip", "post"):
        for date in ("2026-05-14", "2026-03-15", "2027-01-01"):
            url = f"/recurring/{rule_id}/{action}"
            response = post_form(client, url, {"date": date}, page="/recurring/")
            assert response.status_code == 422, (action, date)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RecurringOccurrence)) == 0
    assert the_rule(app).next_date == dt.date(2026, 4, 15)


def test_a_future_date_can_be_skipped_and_is_then_never_posted(app, client, logged_in, today):
    rule_id = make_rule(app, logged_in.id, start_date=dt.date(2026, 5, 20))
    url = f"/recurring/{rule_id}/skip"
    assert post_form(client, url, {"date": "2026-05-20"}, page="/recurring/").status_code == 302
    today.set(dt.date(2026, 6, 25))
    client.get("/")
    assert dates(app) == [dt.date(2026, 6, 20)]


def test_unknown_bad_and_foreign_rule_ids_answer_404(app, client, logged_in, today):
    theirs = make_rule(app, make_user(app).id)
    for rule_id in (str(uuid.uuid4()), str(theirs)):
        assert client.get(f"/recurring/{rule_id}/edit").status_code == 404
        for action in ("edit", "delete", "skip", "post"):
            url = f"/recurring/{rule_id}/{action}"
            data = {"date": "2026-05-15"}
            assert post_form(client, url, data, page="/recurring/").status_code == 404, action
    for bad in ("x", "1234", "%20"):
        assert client.get(f"/recurring/{bad}/edit").status_code == 404
    assert rule_count(app) == 1


def test_a_viewer_gets_403_and_nothing_changes(app, client, today):
    alice, carol = make_user(app, "alice"), make_user(app, "carol")
    add_member(app, alice.id, carol.id, "viewer")
    rule_id = make_rule(app, alice.id, start_date=dt.date(2026, 5, 15), mode="confirm")
    login(client, carol)
    post_form(client, f"/ledgers/{alice.id}/switch", page="/")
    assert client.get("/recurring/new").status_code == 403
    assert (
        post_form(client, "/recurring/new", rule_form(app, alice.id), page="/").status_code == 403
    )
    for action in ("edit", "delete", "skip", "post"):
        url = f"/recurring/{rule_id}/{action}"
        response = post_form(client, url, {"date": "2026-05-15"}, page="/recurring/")
        assert response.status_code == 403, action
    assert rule_count(app) == 1 and dates(app) == []


@pytest.mark.parametrize("frequency", ["daily", "weekly", "monthly", "yearly"])
def test_skip_and_post_at_the_ends_of_the_calendar_answer_4xx(
    app, client, logged_in, today, frequency
):
    rule_id = make_rule(
        app, logged_in.id, start_date=dt.date(2026, 5, 15), mode="confirm", frequency=frequency
    )
    for date in ("0001-01-01", "9999-12-31", "1970-01-01"):
        url = f"/recurring/{rule_id}/post"
        response = post_form(client, url, {"date": date}, page="/recurring/")
        assert response.status_code == 422, (date, response.status_code)
    for date in ("0001-01-01", "1970-01-01", "9999-12-31"):
        url = f"/recurring/{rule_id}/skip"
        response = post_form(client, url, {"date": date}, page="/recurring/")
        assert response.status_code in (302, 422), (date, response.status_code)
    assert client.get("/recurring/").status_code == 200
    assert client.get("/").status_code == 200
    assert dates(app) == []
