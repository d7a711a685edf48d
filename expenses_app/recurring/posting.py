"""Posting occurrences: every due date of a ledger's `auto` rules, exactly once.

The guarantee is the unique (rule_id, occurrence_date) of
`recurring_occurrences`: a date is claimed with INSERT ... ON CONFLICT DO
NOTHING, and only the transaction whose insert went in creates the expense
(through the expense service, so month totals, search index and page-cache
versions follow). On PostgreSQL a second inserter of the same key waits for
the first to commit and then inserts nothing; on SQLite writers take turns.
Advancing `next_date` is guarded by the rule's version: when another run or an
edit moved the rule in between, its value stands, and any date it left due
again is claimed as taken by the next run. Deleted or edited expenses do not
matter: the occurrence row stays.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..expenses.services import ExpenseValues, create_expense, split_tags
from ..extensions import db
from ..models import RecurringOccurrence, RecurringRule
from ..scoping import Scope, owned
from .schedule import Schedule

log = logging.getLogger(__name__)
# A daily rule started years ago would post thousands of expenses in one page
# load: each run posts at most this many per rule, the next runs go on.
MAX_POSTS_PER_RUN = 400


@dataclass(frozen=True)
class Posted:
    """One occurrence posted by a run (what `flask recurring run` prints)."""

    rule_id: uuid.UUID
    date: dt.date
    description: str
    amount: Decimal
    expense_id: uuid.UUID


def schedule_of(rule: RecurringRule) -> Schedule:
    return Schedule(rule.frequency, rule.interval, rule.start_date, rule.end_date)


def claim_occurrence(rule: RecurringRule, date: dt.date, status: str) -> bool:
    """Record `date` of `rule` as `status`; False when some run or person already did."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(RecurringOccurrence)
        .values(
            id=uuid.uuid4(),
            ledger_id=rule.ledger_id,
            rule_id=rule.id,
            occurrence_date=date,
            status=status,
        )
        .on_conflict_do_nothing(index_elements=["rule_id", "occurrence_date"])
    )
    return db.session.execute(statement).rowcount == 1


def post_occurrence(rule: RecurringRule, date: dt.date) -> Posted | None:
    """Claim `date` and post its expense, added by the rule's author; None when taken."""
    if not claim_occurrence(rule, date, "posted"):
        return None
    values = ExpenseValues(
        amount=rule.amount,
        date=date,
        category_id=rule.category_id,
        description=rule.description,
        payment_method=rule.payment_method,
        tags=tuple(split_tags(rule.tags)),
        notes=rule.notes,
        private=rule.private,
    )
    scope = Scope(rule.ledger_id, rule.user_id, "member")
    expense = create_expense(scope, values, recurring_rule_id=rule.id, occurrence_date=date)
    return Posted(rule.id, date, rule.description, rule.amount, expense.id)


def first_open_date(rule: RecurringRule, start: dt.date) -> dt.date | None:
    """The first date of the schedule on or after `start` that no one posted or skipped."""
    taken = set(
        db.session.scalars(
            select(RecurringOccurrence.occurrence_date).where(
                RecurringOccurrence.rule_id == rule.id,
                RecurringOccurrence.occurrence_date >= start,
            )
        )
    )
    return next((d for d in schedule_of(rule).dates(start) if d not in taken), None)


def post_rule(rule: RecurringRule, today: dt.date) -> list[Posted]:
    """Post the rule's due dates from its next date up to `today` (at most MAX_POSTS_PER_RUN)."""
    seen_version, posted, last = rule.version, [], None
    for date in schedule_of(rule).dates(rule.next_date, today):
        if last is not None and len(posted) >= MAX_POSTS_PER_RUN:
            log.warning(
                "recurring rule %s: more than %d occurrences due up to %s; posted %d (up to %s),"
                " the next runs post the rest",
                rule.id, MAX_POSTS_PER_RUN, today, len(posted), last,
            )  # fmt: skip
            break
        last = date
        if (done := post_occurrence(rule, date)) is not None:
            posted.append(done)
    if last is not None:
        _advance(rule, seen_version, first_open_date(rule, last + dt.timedelta(days=1)))
    return posted


def _advance(rule: RecurringRule, seen_version: int, next_date: dt.date | None) -> None:
    # Core UPDATE guarded by the version read: a concurrent run or edit wins.
    db.session.execute(
        update(RecurringRule)
        .where(RecurringRule.id == rule.id, RecurringRule.version == seen_version)
        .values(next_date=next_date, version=RecurringRule.version + 1)
        .execution_options(synchronize_session=False)
    )


def due_rules(ledger_id: uuid.UUID, today: dt.date) -> list[RecurringRule]:
    """The ledger's `auto` rules with a date due on or before `today`."""
    stmt = owned(RecurringRule, ledger_id=ledger_id).where(
        RecurringRule.mode == "auto", RecurringRule.next_date <= today
    )
    return list(db.session.scalars(stmt.order_by(RecurringRule.id)))


def due_ledgers(today: dt.date) -> list[uuid.UUID]:
    """The ledgers with an `auto` rule due on or before `today` (for `flask recurring run`)."""
    stmt = (
        select(RecurringRule.ledger_id)
        .where(RecurringRule.mode == "auto", RecurringRule.next_date <= today)
        .distinct()
        .order_by(RecurringRule.ledger_id)
    )
    return list(db.session.scalars(stmt))


def post_due(ledger_id: uuid.UUID, today: dt.date) -> list[Posted]:
    """Post every due occurrence of the ledger's `auto` rules. The caller commits."""
    posted: list[Posted] = []
    for rule in due_rules(ledger_id, today):
        posted += post_rule(rule, today)
    return posted
