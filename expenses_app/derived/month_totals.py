"""`expense_month_totals` (migrations 0005, 0009): the count and sum of the live expenses per
ledger, month, category, payment method and `private_of` (`models/month_total.py`)."""

from __future__ import annotations

from sqlalchemy import Row, text
from sqlalchemy.engine import Connection

from .record import DerivedStructure, listed, migration, migration_triggers

REVISION = "0009"
TRIGGERS = {
    "sqlite": tuple(f"expense_month_totals_{event}" for event in ("insert", "update", "delete")),
    "postgresql": ("expense_month_totals_apply",),
}
FUNCTIONS = {
    "postgresql": (
        "expense_month_totals_apply()",
        "expense_month_totals_add(expenses)",
        "expense_month_totals_remove(expenses)",
    )
}
# The stored rows beside the live expenses, summed per key: a key whose stored
# count or sum differs from the expenses' is out of step. Rows holding zeros
# (the triggers keep them) equal missing ones.
DIFFERENCES = """
SELECT {key}, sum(stored_count), sum(stored_cents), sum(live_count), sum(live_cents)
FROM (
    SELECT {key}, expense_count AS stored_count, amount_cents AS stored_cents,
           0 AS live_count, 0 AS live_cents
    FROM expense_month_totals
    UNION ALL
    SELECT ledger_id, {month}, category_id, payment_method, {private_of}, 0, 0, 1, amount_cents
    FROM expenses WHERE deleted_at IS NULL
) AS both_sides
GROUP BY {key}
HAVING sum(stored_count) <> sum(live_count) OR sum(stored_cents) <> sum(live_cents)
ORDER BY {key}
LIMIT :limit
"""


def month_total_differences(connection: Connection, limit: int) -> list[Row]:
    """Keys whose stored count and cents differ from the live expenses':
    (ledger_id, month, category_id, payment_method, private_of, stored count, stored cents,
    live count, live cents)."""
    source = migration(REVISION)
    dialect = connection.dialect.name
    query = DIFFERENCES.format(
        key=source.KEY, month=source.MONTH[dialect], private_of=source.private_of("", dialect)
    )
    return list(connection.execute(text(query), {"limit": limit}))


def _differences(connection: Connection, limit: int) -> list[str]:
    def describe(row: Row) -> str:
        ledger_id, month, category_id, method, private, count, cents, live_count, live_cents = row
        return (
            f"ledger {ledger_id} month {month} category {category_id} {method} private_of"
            f" {private}: stored "
            f"{count} expenses, {cents} cents; the expenses say {live_count}, {live_cents}"
        )

    return listed(month_total_differences(connection, limit + 1), limit, describe)


def _recompute(connection: Connection) -> None:
    source = migration(REVISION)
    connection.execute(text("DELETE FROM expense_month_totals"))
    connection.execute(text(source.backfill(connection.dialect.name)))


MONTH_TOTALS = DerivedStructure(
    name="monthly-totals",
    tables=("expense_month_totals",),
    dialects=frozenset({"sqlite", "postgresql"}),
    migration=REVISION,
    kept_by="triggers on expenses (row-level; one plpgsql function on PostgreSQL)",
    triggers=lambda dialect: dict.fromkeys(TRIGGERS[dialect], "expenses"),
    functions=FUNCTIONS,
    create_triggers=migration_triggers(REVISION, "create_month_total_triggers"),
    recompute=_recompute,
    differences=_differences,
)
