"""The expense list: one page of rows, the count and total of all matches, and the export.

A fixed set of statements per page whatever the data's size: the count and
total from the monthly totals when the filter allows (`conditions.py`), the
page's ids from a covering index (reading a deep page from the nearer end),
then just those rows in full. `reference.py` answers the same the plain way.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from decimal import Decimal
from itertools import groupby
from operator import itemgetter

from sqlalchemy import Row, Select, Subquery, bindparam, func, select, union_all
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import Category, Expense, Receipt, Tag, User, expense_tags
from ..money import ZERO
from ..scoping import Scope, owned
from .conditions import as_span, narrowed, ordering, uses_month_totals
from .filters import ExpenseFilters
from .privacy import shown_to
from .search import SlotRange, first_of_day, last_of_day, slot_key, source
from .spans import grouped_totals, span_totals
from .types import ExpensePage, ListedCategory, ListedExpense, ListedTag

EXPORT_BATCH = 500


def _matching(scope: Scope, filters: ExpenseFilters, slots: SlotRange | None = None) -> Select:
    """The ledger's live rows of `source(filters.q)` that the filters match (within `slots`).

    The scoping conditions of `owned` come last in the WHERE clause: SQLite
    tests the conditions no index answers in their written order, so a scan
    of the search index tries the text first and skips the owner and trash
    checks for the rows it rejects (a quarter of a 2-letter search's cost).
    """
    row = source(filters.q)
    stmt = narrowed(select(row), filters, scope, slots)
    return stmt.where(owned(row, ledger_id=scope.ledger_id).whereclause)


def filtered_summary(scope: Scope, filters: ExpenseFilters) -> tuple[int, Decimal]:
    """How many of the ledger's live expenses match, and their total (summed in SQL).

    Filters on dates, category and payment method alone are answered from the
    monthly totals (see `spans.py`): the unfiltered list's total then
    reads a few rows instead of every expense of the ledger's history.
    """
    if uses_month_totals(filters):
        ((count, total),) = span_totals(scope, [as_span(filters)])
        return count, total
    row = source(filters.q)
    stmt = _matching(scope, filters).with_only_columns(func.count(row.id), func.sum(row.amount))
    count, total = db.session.execute(stmt).one()
    return count, total if total is not None else ZERO


def _ordered(stmt: Select, filters: ExpenseFilters) -> Select:
    if filters.sort == "category":
        stmt = stmt.join(Category, Category.id == Expense.category_id)
    return stmt.order_by(*ordering(filters, Expense))


def expense_page(scope: Scope, filters: ExpenseFilters) -> ExpensePage:
    """The page `filters` asks for, each row with its category, tags and whether it has a receipt.

    Deep pages stay cheap: the page's ids come from a covering index (an
    OFFSET over index entries only, or per category, see `_category_page`),
    and just the page's rows are then fetched in full, tags included.
    """
    if filters.sort == "category":
        count, total, ids = _category_page(scope, filters)
    else:
        count, total = filtered_summary(scope, filters)
        ids = _page_ids(scope, filters, count)
    if ids is None or not count:
        return ExpensePage([], count, total, filters.page, filters.per_page)
    return ExpensePage(_listed(scope, ids, filters), count, total, filters.page, filters.per_page)


# The list's columns and joins, the same on every request: an immutable
# SQLAlchemy expression declared once, as any module-level query. The receipt
# is a subquery (an expense has at most one): PostgreSQL plans the page's
# SELECT each time it runs, and with fewer relations to order it plans faster
# (bench/README.md, "PostgreSQL: plans and round trips").
_HAS_RECEIPT = (
    select(Receipt.id).where(Receipt.expense_id == Expense.id).scalar_subquery().is_not(None)
)
_LISTED = (
    select(
        Expense.id,
        Expense.date,
        Expense.description,
        Expense.payment_method,
        Expense.amount,
        Category.name,
        Category.color,
        Category.icon,
        _HAS_RECEIPT,
        Tag.name,
        Expense.user_id,
        Expense.private,
        User.username,
    )
    .join(Category, Category.id == Expense.category_id)
    .outerjoin(User, User.id == Expense.user_id)
    .outerjoin(expense_tags, expense_tags.c.expense_id == Expense.id)
    .outerjoin(Tag, Tag.id == expense_tags.c.tag_id)
)


def _listed(scope: Scope, ids: Select, filters: ExpenseFilters) -> list[ListedExpense]:
    """The rows of the expenses `ids` selects, in list order, as `scope`'s user may see
    them: one SELECT, a row per tag."""
    # IN, not a join: SQLite materialises a joined subquery without the
    # bounded sort of ORDER BY ... LIMIT that a search's page ids need
    # (a quarter of the page statement of a 1-letter search).
    stmt = _LISTED.where(Expense.id.in_(ids)).order_by(*ordering(filters, Expense), Tag.name_key)
    listed = []
    categories: dict[tuple[str, str, str | None], ListedCategory] = {}
    # The order ends with the expense id, so each expense's rows (one per tag) are adjacent.
    for _, group in groupby(db.session.execute(stmt), key=itemgetter(0)):
        rows = list(group)
        expense_id, day, description, method, amount, name, color, icon, receipt, tag = rows[0][:10]
        key = (name, color, icon)
        category = categories.get(key) or categories.setdefault(key, ListedCategory(*key))
        tags = () if tag is None else tuple(ListedTag(row[9]) for row in rows)
        author, private, added_by = rows[0][10:]
        row = ListedExpense(
            expense_id,
            day,
            description,
            method,
            amount,
            category,
            tags,
            receipt,
            author,
            private,
            added_by,
        )
        listed.append(shown_to(row, scope.user_id))
    return listed


def _page_ids(scope: Scope, filters: ExpenseFilters, count: int) -> Select | None:
    """The ids of the page's rows, skipping as few index entries as possible.

    A page in the second half of the list is read from the other end, in the
    reverse order: the last page then costs what the first one does, and no
    page skips more than half of the matching rows.
    """
    start = filters.offset
    if start >= count:
        return None
    stop = min(start + filters.per_page, count)
    reverse = start > count - stop
    if reverse:
        start, stop = count - stop, count - start
    return (
        _matching(scope, filters, _page_days(scope, filters, reverse, stop))
        .with_only_columns(source(filters.q).id)
        .order_by(*ordering(filters, reverse=reverse))
        .limit(stop - start)
        .offset(start)
    )


def _page_days(scope: Scope, filters: ExpenseFilters, reverse: bool, stop: int) -> SlotRange | None:
    """While searching on SQLite in date order: only the days the page's rows can be from.

    The search index numbers each ledger's copies by day, newest first
    (migration 0006), so reading the matches in slot order meets them day by
    day. The `stop`-th match met that way is from some day; the first `stop`
    rows in date order are all from that day or nearer the start of the
    walk, so the page reads those days only: a few dozen matches instead of
    all of them.
    """
    if source(filters.q) is Expense or filters.sort != "date":
        return None
    newest_first = (filters.order == "desc") != reverse
    key = slot_key(filters.q)
    reached = (
        _matching(scope, filters)
        .with_only_columns(key)
        .order_by(key.asc() if newest_first else key.desc())
        .limit(1)
        .offset(stop - 1)
        .scalar_subquery()
    )
    if newest_first:
        return SlotRange(high=last_of_day(reached))
    return SlotRange(low=first_of_day(reached))


def _category_page(scope: Scope, filters: ExpenseFilters) -> tuple[int, Decimal, Select | None]:
    """Count, total and the page's ids when sorting by category name.

    A plain ORDER BY name would sort every matching row on each request.
    Instead one grouped query gives each category's count and total (which
    also make the filter's count and total); the page then covers a known
    slice of one or a few categories, each read in date order from the
    (user, category, date) index.
    """
    matching = _matching(scope, filters)
    groups = _category_groups(scope, filters, matching)
    count = sum(group.count for group in groups)
    total = sum((group.total for group in groups), ZERO)
    row = source(filters.q)
    members = [
        select(member.c.id)
        for member in (
            matching.with_only_columns(row.id)
            .where(row.category_id == category_id)
            .order_by(*ordering(filters)[1:])
            .limit(limit)
            .offset(offset)
            .subquery()
            for category_id, offset, limit in _slices(groups, filters.offset, filters.per_page)
        )
    ]
    return count, total, (union_all(*members) if members else None)


def _category_groups(scope: Scope, filters: ExpenseFilters, matching: Select) -> list[Row]:
    """Each matching category's `category_id`, `count` and `total`, in the list's name order:
    from the monthly totals when the filters allow, else from the matching rows."""
    by_name = _by_name_desc if filters.order == "desc" else _by_name_asc
    if uses_month_totals(filters):
        return grouped_totals(scope, as_span(filters), "category", by_name).all()
    row = source(filters.q)
    groups = (
        matching.with_only_columns(
            row.category_id.label("key"),
            func.count(row.id).label("count"),
            func.sum(row.amount).label("total"),
        )
        .group_by(row.category_id)
        .subquery()
    )
    return db.session.execute(by_name(groups), {"ledger_id": scope.ledger_id}).all()


def _by_name_asc(groups: Subquery) -> Select:
    """Category groups (`key`, `count`, `total`) in category name order.

    The ledger condition (bound as `ledger_id`) changes no answer but keeps
    PostgreSQL from hashing every ledger's categories (see `totals._categories`).
    """
    return (
        select(groups.c.key.label("category_id"), groups.c.count, groups.c.total)
        .join(Category, Category.id == groups.c.key)
        .where(Category.ledger_id == bindparam("ledger_id"))
        .order_by(Category.name_key.asc())
    )


def _by_name_desc(groups: Subquery) -> Select:
    return (
        select(groups.c.key.label("category_id"), groups.c.count, groups.c.total)
        .join(Category, Category.id == groups.c.key)
        .where(Category.ledger_id == bindparam("ledger_id"))
        .order_by(Category.name_key.desc())
    )


def _slices(groups: Sequence[Row], start: int, size: int) -> Iterator[tuple[uuid.UUID, int, int]]:
    """(category id, offset, limit) for each category that rows start..start+size fall in."""
    first = 0
    for group in groups:
        last = first + group.count
        if last > start and first < start + size:
            offset = max(start, first) - first
            yield group.category_id, offset, min(start + size, last) - first - offset
        first = last


def export_expenses(scope: Scope, filters: ExpenseFilters) -> Iterator[list[Expense]]:
    """Every matching expense in list order, in batches, as `scope`'s user may see them
    (`privacy.shown_to`): memory stays flat however many."""
    matching = _matching(scope, filters)
    if source(filters.q) is not Expense:
        # Whole expenses come from their table; the search index only says which.
        chosen = matching.with_only_columns(source(filters.q).id)
        matching = owned(Expense, ledger_id=scope.ledger_id).where(Expense.id.in_(chosen))
    stmt = (
        _ordered(matching, filters)
        .options(
            joinedload(Expense.category), joinedload(Expense.author), selectinload(Expense.tags)
        )
        .execution_options(yield_per=EXPORT_BATCH)
    )
    # The session's identity map holds rows weakly, so written batches are freed.
    for batch in db.session.scalars(stmt).partitions():
        yield [shown_to(expense, scope.user_id) for expense in batch]
