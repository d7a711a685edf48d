"""Category rules shared by the pages, registration, CSV import and the CLI."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, case, func, select, update

from ..extensions import db
from ..models import DEFAULT_COLOR, Budget, Category, Expense, RecurringRule, name_key
from ..scoping import owned
from ..versioning import check_version, flush_edit


@dataclass(frozen=True)
class DefaultCategory:
    name: str
    color: str
    icon: str


# The contract's defaults, in the contract's order.
DEFAULT_CATEGORIES = (
    DefaultCategory("Food", "#ef4444", "🍔"),
    DefaultCategory("Transport", "#3b82f6", "🚗"),
    DefaultCategory("Shopping", "#10b981", "🛍️"),
    DefaultCategory("Bills", "#f59e0b", "💳"),
    DefaultCategory("Entertainment", "#8b5cf6", "🎬"),
    DefaultCategory("Health", "#ec4899", "🏥"),
)


def ensure_default_categories(ledger_id: uuid.UUID) -> list[str]:
    """Give the ledger each default category it lacks; return the names added.

    Matching is case-insensitive, so a ledger's own "food" counts as Food.
    """
    names = owned(Category, ledger_id=ledger_id).with_only_columns(Category.name_key)
    existing = set(db.session.scalars(names))
    added = []
    for default in DEFAULT_CATEGORIES:
        if name_key(default.name) in existing:
            continue
        db.session.add(
            Category(
                ledger_id=ledger_id,
                name=default.name,
                name_key=name_key(default.name),
                color=default.color,
                icon=default.icon,
                is_default=True,
            )
        )
        added.append(default.name)
    db.session.flush()
    return added


class CategoryInUseError(Exception):
    """Expenses still use the category and no other category was named for them."""

    def __init__(self, expense_count: int, rule_count: int = 0):
        super().__init__(f"{expense_count} expenses and {rule_count} recurring rules use it")
        self.expense_count = expense_count
        # Issue 14: recurring rules use categories too.
        self.rule_count = rule_count


@dataclass(frozen=True)
class CategoryValues:
    """The user-editable fields of a category, already validated and trimmed."""

    name: str
    color: str = DEFAULT_COLOR
    icon: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class CategorySummary:
    """A category with how many expenses use it, for the list page and delete rules."""

    category: Category
    # Expenses outside the trash: what the user thinks of as "in this category".
    expense_count: int
    # Including the trash: the foreign key restricts deletion for these too.
    total_count: int
    budget_count: int

    @property
    def is_in_use(self) -> bool:
        return self.total_count > 0


@dataclass(frozen=True)
class DeleteOutcome:
    name: str
    moved: int
    budgets_removed: int


def list_categories_with_counts(ledger_id: uuid.UUID) -> list[CategorySummary]:
    """The ledger's categories by name, each with its expense and budget counts (one query)."""
    budget_count = (
        select(func.count(Budget.id))
        .where(Budget.category_id == Category.id)
        .correlate(Category)
        .scalar_subquery()
    )
    stmt = (
        owned(Category, ledger_id=ledger_id)
        .add_columns(
            func.count(case((Expense.deleted_at.is_(None), Expense.id))),
            func.count(Expense.id),
            budget_count,
        )
        .outerjoin(
            Expense, and_(Expense.category_id == Category.id, Expense.ledger_id == ledger_id)
        )
        .group_by(Category.id)
        .order_by(Category.name_key)
    )
    return [CategorySummary(*row) for row in db.session.execute(stmt)]


def ledger_categories(ledger_id: uuid.UUID) -> list[Category]:
    """The ledger's categories by name, without the counts the categories page shows."""
    stmt = owned(Category, ledger_id=ledger_id).order_by(Category.name_key)
    return list(db.session.scalars(stmt))


# Built once: the expense list and forms run it on every request.
_CHOICES = (
    owned(Category, ledger_id=bindparam("ledger_id"))
    .with_only_columns(Category.id, Category.name)
    .order_by(Category.name_key)
)


def category_choices(
    ledger_id: uuid.UUID, *, exclude: uuid.UUID | None = None
) -> list[tuple[uuid.UUID, str]]:
    """(id, name) of the ledger's categories by name, for select fields."""
    stmt = _CHOICES if exclude is None else _CHOICES.where(Category.id != exclude)
    rows = db.session.execute(stmt, {"ledger_id": ledger_id})
    return [(category_id, name) for category_id, name in rows]


def is_name_taken(ledger_id: uuid.UUID, name: str, *, exclude: uuid.UUID | None = None) -> bool:
    """Whether another of the ledger's categories has this name, ignoring case and spacing."""
    stmt = owned(Category, ledger_id=ledger_id).where(Category.name_key == name_key(name))
    if exclude is not None:
        stmt = stmt.where(Category.id != exclude)
    return db.session.scalar(stmt.with_only_columns(Category.id).limit(1)) is not None


def create_category(ledger_id: uuid.UUID, values: CategoryValues) -> Category:
    """A new category. A name taken meanwhile raises IntegrityError at flush."""
    category = Category(ledger_id=ledger_id)
    _assign(category, values)
    db.session.add(category)
    db.session.flush()
    return category


def update_category(
    category: Category, values: CategoryValues, expected_version: int | None = None
) -> None:
    """Save `values` unless the category changed since the editor loaded `expected_version`.

    Raises EditConflict for a stale form, or when another request saved
    between our read and our write (the version column catches that).
    Without `expected_version` only the second check applies.
    """
    check_version(category, expected_version)
    _assign(category, values)
    flush_edit()


def delete_category(category: Category, *, move_to: uuid.UUID | None = None) -> DeleteOutcome:
    """Delete `category`, first moving its expenses (trash included) to `move_to`.

    Raises CategoryInUseError when expenses use it and `move_to` is None, and
    LookupError when `move_to` is not another of the ledger's categories. The
    database deletes the category's budgets (ON DELETE CASCADE).
    """
    in_use = db.session.scalar(
        select(func.count(Expense.id)).where(Expense.category_id == category.id)
    )
    rules = _rules_using(category.id)
    if (in_use or rules) and move_to is None:
        raise CategoryInUseError(in_use, rules)
    moved = 0
    if in_use or rules:
        target = db.session.scalar(
            owned(Category, ledger_id=category.ledger_id)
            .where(Category.id == move_to, Category.id != category.id)
            .with_only_columns(Category.id)
        )
        if target is None:
            raise LookupError("move_to is not another of the ledger's categories")
        moved = db.session.execute(
            update(Expense)
            .where(Expense.category_id == category.id, Expense.ledger_id == category.ledger_id)
            .values(category_id=target, version=Expense.version + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        _move_rules(category.id, target)
    budgets = db.session.scalar(
        select(func.count(Budget.id)).where(Budget.category_id == category.id)
    )
    outcome = DeleteOutcome(category.name, moved, budgets)
    db.session.delete(category)
    db.session.flush()
    return outcome


def _rules_using(category_id: uuid.UUID) -> int:
    """Issue 14: recurring rules use a category too; they move with its expenses."""
    return db.session.scalar(
        select(func.count(RecurringRule.id)).where(RecurringRule.category_id == category_id)
    )


def _move_rules(category_id: uuid.UUID, target: uuid.UUID) -> None:
    db.session.execute(
        update(RecurringRule)
        .where(RecurringRule.category_id == category_id)
        .values(category_id=target, version=RecurringRule.version + 1)
        .execution_options(synchronize_session=False)
    )


def _assign(category: Category, values: CategoryValues) -> None:
    category.name = values.name
    category.name_key = name_key(values.name)
    category.color = values.color.lower()
    category.icon = values.icon or None
    category.description = values.description or None
