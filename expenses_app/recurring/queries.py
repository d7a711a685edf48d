"""What the pages show of recurring rules: the list, the dates waiting for confirmation, the
next 30 days (dashboard) and the spending still to come in a budget's period.

Each reads the ledger's rules with their decided dates in the window in one
SELECT, and works the schedules out in Python. Another member's private rule
shows as the privacy module says (`is_masked`, `PRIVATE_LABEL`): a rule as
the list and the API show it is `rule_row`'s, the one place that masks it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_
from sqlalchemy.orm import joinedload

from ..expenses.services import split_tags
from ..extensions import db
from ..models import Category, RecurringOccurrence, RecurringRule
from ..reads.privacy import MASKED_METHOD, PRIVATE_LABEL, is_masked
from ..scoping import Scope, owned
from .posting import schedule_of

UPCOMING_DAYS = 30
# At most this many dates of one rule wait on the list (a daily rule left for a year).
MAX_WAITING_SHOWN = 60
# What `rule_row` reads of a rule beyond its own columns.
ROW_OPTIONS = (joinedload(RecurringRule.category),)


@dataclass(frozen=True)
class RuleRow:
    """A rule as the list (and the API) shows it: for another member, a private rule's
    description reads `Private expense` and its payment method, tags, notes and
    timestamps are empty, as for the private expenses it posts (`reads.privacy`)."""

    id: uuid.UUID
    description: str
    amount: Decimal
    category: Category
    category_id: uuid.UUID
    schedule: str
    frequency: str
    interval: int
    start_date: dt.date
    next_date: dt.date | None
    mode: str
    end_date: dt.date | None
    private: bool
    created_by: uuid.UUID | None
    masked: bool
    payment_method: str = MASKED_METHOD
    tags: tuple[str, ...] = ()
    notes: str | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


@dataclass(frozen=True)
class Occurrence:
    """A date of a rule that is not posted (due, waiting for confirmation, or to come)."""

    rule_id: uuid.UUID
    date: dt.date
    description: str
    amount: Decimal
    category: Category
    mode: str
    masked: bool


@dataclass(frozen=True)
class Upcoming:
    occurrences: list[Occurrence]

    @property
    def total(self) -> Decimal:
        return sum((o.amount for o in self.occurrences), Decimal("0.00"))


def _rules_with_decided(
    scope: Scope, first: dt.date, last: dt.date, *criteria
) -> list[tuple[RecurringRule, set[dt.date]]]:
    """The ledger's rules (meeting `criteria`), each with its decided dates in [first, last]."""
    occurrence = and_(
        RecurringOccurrence.rule_id == RecurringRule.id,
        RecurringOccurrence.occurrence_date.between(first, last),
    )
    stmt = (
        owned(RecurringRule, ledger_id=scope.ledger_id)
        .add_columns(RecurringOccurrence.occurrence_date)
        .outerjoin(RecurringOccurrence, occurrence)
        .where(*criteria)
        .options(joinedload(RecurringRule.category))
        .order_by(RecurringRule.description, RecurringRule.id)
    )
    rules: dict[uuid.UUID, tuple[RecurringRule, set[dt.date]]] = {}
    for rule, date in db.session.execute(stmt):
        entry = rules.setdefault(rule.id, (rule, set()))
        if date is not None:
            entry[1].add(date)
    return list(rules.values())


def _open_dates(
    rules: Iterable[tuple[RecurringRule, set[dt.date]]],
    first: dt.date,
    last: dt.date,
    viewer: uuid.UUID,
    limit: int | None = None,
) -> list[Occurrence]:
    """The dates in [first, last] of each rule from its next date on, not decided yet."""
    found = []
    for rule, decided in rules:
        start = max(first, rule.next_date)
        masked = is_masked(rule.private, rule.user_id, viewer)
        dates = [d for d in schedule_of(rule).dates(start, last) if d not in decided]
        found += [
            Occurrence(
                rule.id, d, PRIVATE_LABEL if masked else rule.description,
                rule.amount, rule.category, rule.mode, masked,
            )
            for d in dates[:limit]
        ]  # fmt: skip
    return sorted(found, key=lambda o: (o.date, o.description))


def rule_row(rule: RecurringRule, viewer_id: uuid.UUID) -> RuleRow:
    """`rule` (its category loaded) as `viewer_id` may see it."""
    masked = is_masked(rule.private, rule.user_id, viewer_id)
    shown = {
        "id": rule.id, "amount": rule.amount, "category": rule.category,
        "category_id": rule.category_id, "schedule": schedule_of(rule).in_words(),
        "frequency": rule.frequency, "interval": rule.interval, "start_date": rule.start_date,
        "next_date": rule.next_date, "mode": rule.mode, "end_date": rule.end_date,
        "private": rule.private, "created_by": rule.user_id, "masked": masked,
    }  # fmt: skip
    if masked:
        return RuleRow(description=PRIVATE_LABEL, **shown)
    return RuleRow(
        description=rule.description,
        payment_method=rule.payment_method,
        tags=tuple(split_tags(rule.tags)),
        notes=rule.notes,
        created_at=rule.created_at,
        updated_at=rule.updated_at,
        **shown,
    )


def rule_rows(scope: Scope) -> list[RuleRow]:
    """Every rule of the ledger, by description as the viewer sees it (one SELECT).

    Sorted after masking: an order by the stored description would place another
    member's private rule where its hidden name sorts, a hint at what it is called.
    """
    stmt = owned(RecurringRule, ledger_id=scope.ledger_id).options(*ROW_OPTIONS)
    rows = [rule_row(rule, scope.user_id) for rule in db.session.scalars(stmt)]
    return sorted(rows, key=lambda row: (row.description.casefold(), str(row.id)))


def waiting_confirmation(scope: Scope, today: dt.date) -> list[Occurrence]:
    """The due dates of the ledger's `confirm` rules that no one posted or skipped yet."""
    rules = _rules_with_decided(
        scope,
        dt.date.min,
        today,
        RecurringRule.mode == "confirm",
        RecurringRule.next_date <= today,
    )
    return _open_dates(rules, dt.date.min, today, scope.user_id, MAX_WAITING_SHOWN)


def upcoming(scope: Scope, today: dt.date, days: int = UPCOMING_DAYS) -> Upcoming:
    """The occurrences from today to `days` days ahead not posted or skipped yet."""
    last = today + dt.timedelta(days=days)
    rules = _rules_with_decided(scope, today, last, RecurringRule.next_date <= last)
    return Upcoming(_open_dates(rules, today, last, scope.user_id))


def committed_in_periods(scope: Scope, progress: Sequence) -> list[Decimal]:
    """For each budget's current period (`BudgetProgress`), what its rules still post in it."""
    if not progress:
        return []
    windows = [(item.category_id, item.period.start, item.period.end) for item in progress]
    return committed_spending(scope, windows, progress[0].today)


def committed_spending(
    scope: Scope, windows: Sequence[tuple[uuid.UUID | None, dt.date, dt.date]], today: dt.date
) -> list[Decimal]:
    """For each (category or None for all, first day, last day): what the rules will still
    post in it from today on, not counting what they posted already (one SELECT)."""
    last = max((end for *_, end in windows), default=today)
    if last < today:
        return [Decimal("0.00")] * len(windows)
    rules = _rules_with_decided(scope, today, last, RecurringRule.next_date <= last)
    category_of = {rule.id: rule.category_id for rule, _ in rules}
    coming = [
        (category_of[o.rule_id], o.date, o.amount)
        for o in _open_dates(rules, today, last, scope.user_id)
    ]
    return [
        sum(
            (
                amount
                for key, date, amount in coming
                if category in (None, key) and first <= date <= end
            ),
            Decimal("0.00"),
        )
        for category, first, end in windows
    ]
