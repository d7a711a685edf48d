"""`flask purge-trash`: only expenses trashed longer ago than the retention go."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select, update

from expenses_app.extensions import db
from expenses_app.models import Expense, Receipt, expense_tags

from .factories import make_expense, make_receipt, make_user


def trashed(app, user_id: uuid.UUID, days_ago: float, **kwargs) -> uuid.UUID:
    expense_id = make_expense(app, user_id, deleted=True, **kwargs)
    with app.app_context():
        db.session.execute(
            update(Expense)
            .where(Expense.id == expense_id)
            .values(deleted_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago))
        )
        db.session.commit()
    return expense_id


def remaining(app) -> set[uuid.UUID]:
    with app.app_context():
        return set(db.session.scalars(select(Expense.id)))


def test_purge_deletes_only_trash_older_than_the_retention(app, runner, user):
    other = make_user(app)
    active_old = make_expense(app, user.id, date=dt.date(2000, 1, 1))
    old = trashed(app, user.id, 31, tags=("gone",))
    make_receipt(app, user.id, old)
    others_old = trashed(app, other.id, 45)
    recent = trashed(app, user.id, 29)
    result = runner.invoke(args=["purge-trash"])
    assert result.exit_code == 0, result.output
    assert "Purged 2 expenses" in result.output
    assert remaining(app) == {active_old, recent}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Receipt)) == 0
        assert db.session.scalar(select(func.count()).select_from(expense_tags)) == 0
    assert others_old not in remaining(app)


def test_purge_days_option_sets_the_retention(app, runner, user):
    keep = trashed(app, user.id, 2)
    trashed(app, user.id, 6)
    result = runner.invoke(args=["purge-trash", "--days", "5"])
    assert result.exit_code == 0, result.output
    assert "Purged 1 expense that" in result.output
    assert remaining(app) == {keep}


def test_purge_with_nothing_to_do_changes_nothing(app, runner, user):
    keep = {make_expense(app, user.id), trashed(app, user.id, 1)}
    result = runner.invoke(args=["purge-trash"])
    assert result.exit_code == 0
    assert "Purged 0 expenses" in result.output
    assert remaining(app) == keep


def test_purge_refuses_a_negative_number_of_days(app, runner, user):
    keep = trashed(app, user.id, 100)
    result = runner.invoke(args=["purge-trash", "--days", "-1"])
    assert result.exit_code != 0
    assert remaining(app) == {keep}
