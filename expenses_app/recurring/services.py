"""Recurring rules: create, edit, delete, skip a date, post a date of a `confirm` rule.

Services take plain values and never commit: the caller owns the transaction.
Posting an occurrence is `posting.post_occurrence`, shared with the automatic runs.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select

from ..extensions import db
from ..models import RecurringOccurrence, RecurringRule
from ..scoping import Scope
from ..versioning import check_version, flush_edit
from .posting import claim_occurrence, first_open_date, post_occurrence, schedule_of

SCHEDULE_FIELDS = ("frequency", "interval", "start_date")


class OccurrenceRefused(Exception):
    """A skip or post of a date that is not open: the message says why."""


@dataclass(frozen=True)
class RuleValues:
    """The user-editable fields of a rule, already validated."""

    amount: Decimal
    category_id: uuid.UUID
    description: str
    frequency: str
    start_date: dt.date
    interval: int = 1
    end_date: dt.date | None = None
    mode: str = "auto"
    payment_method: str = "other"
    tags: Sequence[str] = field(default_factory=tuple)
    notes: str | None = None
    private: bool = False


def create_rule(scope: Scope, values: RuleValues) -> RecurringRule:
    """A new rule of `scope`'s ledger, set up by its user; its first date is its start date."""
    rule = RecurringRule(ledger_id=scope.ledger_id, user_id=scope.user_id)
    _assign(rule, values)
    rule.next_date = schedule_of(rule).nth(0)
    db.session.add(rule)
    db.session.flush()
    return rule


def update_rule(
    rule: RecurringRule, values: RuleValues, today: dt.date, expected_version: int | None = None
) -> RecurringRule:
    """Apply `values` to the occurrences not decided yet; posted expenses stay as they are.

    The next date stays where it was (the end date may end the rule there).
    When the schedule itself changes (frequency, interval, first date), the
    new one starts after the last date decided, and after today on a rule
    that has posted before: moving the rent from the 1st to the 15th does not
    post this month's rent a second time.
    """
    check_version(rule, expected_version)
    moved = any(getattr(rule, name) != getattr(values, name) for name in SCHEDULE_FIELDS)
    _assign(rule, values)
    rule.next_date = first_open_date(rule, _next_from(rule, moved, today))
    flush_edit()
    return rule


def _next_from(rule: RecurringRule, moved: bool, today: dt.date) -> dt.date:
    """Where an edited rule's next date is looked for (see `update_rule`)."""
    if not moved and rule.next_date is not None:
        return rule.next_date
    last = db.session.scalar(
        select(func.max(RecurringOccurrence.occurrence_date)).where(
            RecurringOccurrence.rule_id == rule.id,
            RecurringOccurrence.occurrence_date <= (today if moved else dt.date.max),
        )
    )
    if last is None:
        return rule.start_date
    return (max(last, today) if moved else last) + dt.timedelta(days=1)


def delete_rule(rule: RecurringRule) -> None:
    """Delete the rule and its record of dates; the expenses it posted stay (unlinked)."""
    db.session.delete(rule)
    db.session.flush()


def skip_occurrence(rule: RecurringRule, date: dt.date) -> None:
    """Record `date` as skipped: it is never posted. Raises OccurrenceRefused."""
    _check_open(rule, date)
    if not claim_occurrence(rule, date, "skipped"):
        raise OccurrenceRefused("That date was already posted or skipped.")
    _advance_past(rule, date)


def confirm_occurrence(rule: RecurringRule, date: dt.date, today: dt.date) -> None:
    """Post `date` of a `confirm` rule, when it is due. Raises OccurrenceRefused."""
    if rule.mode != "confirm":
        raise OccurrenceRefused("This rule posts by itself; only confirm-mode rules are posted.")
    if date > today:
        raise OccurrenceRefused("That date is not due yet.")
    _check_open(rule, date)
    if post_occurrence(rule, date) is None:
        raise OccurrenceRefused("That date was already posted or skipped.")
    _advance_past(rule, date)


def _check_open(rule: RecurringRule, date: dt.date) -> None:
    schedule = schedule_of(rule)
    if not schedule.includes(date):
        raise OccurrenceRefused("That date is not on this rule's schedule.")
    if rule.next_date is None or date < rule.next_date:
        raise OccurrenceRefused("That date was already posted or skipped.")


def _advance_past(rule: RecurringRule, date: dt.date) -> None:
    """After deciding `date`: the next date moves on when `date` was it."""
    if rule.next_date == date:
        rule.next_date = first_open_date(rule, date + dt.timedelta(days=1))
    flush_edit()


def _assign(rule: RecurringRule, values: RuleValues) -> None:
    rule.amount = values.amount
    rule.category_id = values.category_id
    rule.description = values.description
    rule.payment_method = values.payment_method
    rule.tags = ", ".join(values.tags)
    rule.notes = values.notes or None
    rule.private = values.private
    rule.frequency = values.frequency
    rule.interval = values.interval
    rule.start_date = values.start_date
    rule.end_date = values.end_date
    rule.mode = values.mode
