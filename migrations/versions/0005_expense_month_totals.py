"""Monthly spending totals kept by triggers on `expenses`.

`expense_month_totals` holds, per user, month, category and payment method,
the count and sum of the live expenses (not in the trash). Triggers keep it
exact for every write to `expenses`, whichever code path makes it, and the
pages read whole months from it instead of summing every expense (a user with
100,000 expenses has at most a few thousand rows here).

The triggers are dialect-specific SQL (Alembic does not compare triggers).
A batch migration that rebuilds `expenses` on SQLite drops them with the old
table: such a migration must run `create_triggers` again (tests check the
triggers exist at head and that the totals match the expenses).

Revision ID: 0005
Revises: 0004
"""

from alembic import op
import sqlalchemy as sa


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

KEY = "user_id, month, category_id, payment_method"
# Only these columns move an expense between totals (or in and out of the trash).
WATCHED = "user_id, date, category_id, payment_method, amount_cents, deleted_at"

SQLITE_ADD = """
    INSERT INTO expense_month_totals ({key}, expense_count, amount_cents)
    SELECT NEW.user_id, date(NEW.date, 'start of month'), NEW.category_id,
           NEW.payment_method, 1, NEW.amount_cents
    WHERE NEW.deleted_at IS NULL
    ON CONFLICT ({key}) DO UPDATE SET
        expense_count = expense_count + 1,
        amount_cents = amount_cents + excluded.amount_cents;
""".format(key=KEY)
SQLITE_REMOVE = """
    UPDATE expense_month_totals SET
        expense_count = expense_count - 1,
        amount_cents = amount_cents - OLD.amount_cents
    WHERE OLD.deleted_at IS NULL AND user_id = OLD.user_id
      AND month = date(OLD.date, 'start of month')
      AND category_id = OLD.category_id AND payment_method = OLD.payment_method;
"""
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER expense_month_totals_insert AFTER INSERT ON expenses BEGIN {SQLITE_ADD} END",
    f"CREATE TRIGGER expense_month_totals_update AFTER UPDATE OF {WATCHED} ON expenses"
    f" BEGIN {SQLITE_REMOVE} {SQLITE_ADD} END",
    f"CREATE TRIGGER expense_month_totals_delete AFTER DELETE ON expenses BEGIN {SQLITE_REMOVE} END",
]

# PostgreSQL: one row-level function. An update that moves an expense between
# two rows of totals touches them in key order, so two such updates cannot
# wait on each other's row locks in a cycle.
POSTGRES_FUNCTION = """
CREATE FUNCTION expense_month_totals_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    old_first boolean;
BEGIN
    IF TG_OP = 'UPDATE' AND (OLD.user_id, OLD.date, OLD.category_id, OLD.payment_method,
                             OLD.amount_cents, OLD.deleted_at IS NULL)
        IS NOT DISTINCT FROM (NEW.user_id, NEW.date, NEW.category_id, NEW.payment_method,
                              NEW.amount_cents, NEW.deleted_at IS NULL) THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        old_first := (OLD.user_id, date_trunc('month', OLD.date)::date, OLD.category_id,
                      OLD.payment_method)
                  <= (NEW.user_id, date_trunc('month', NEW.date)::date, NEW.category_id,
                      NEW.payment_method);
    ELSE
        old_first := true;
    END IF;
    IF old_first AND TG_OP <> 'INSERT' AND OLD.deleted_at IS NULL THEN
        PERFORM expense_month_totals_remove(OLD);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.deleted_at IS NULL THEN
        PERFORM expense_month_totals_add(NEW);
    END IF;
    IF NOT old_first AND OLD.deleted_at IS NULL THEN
        PERFORM expense_month_totals_remove(OLD);
    END IF;
    RETURN NULL;
END $$
"""
# CHECK constraints apply to the row an upsert proposes before its conflict is
# found, so removing is a plain UPDATE (the row exists: its expense added it).
POSTGRES_ADD = """
CREATE FUNCTION expense_month_totals_add(e expenses) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO expense_month_totals (user_id, month, category_id, payment_method,
                                      expense_count, amount_cents)
    VALUES (e.user_id, date_trunc('month', e.date)::date, e.category_id, e.payment_method,
            1, e.amount_cents)
    ON CONFLICT (user_id, month, category_id, payment_method) DO UPDATE SET
        expense_count = expense_month_totals.expense_count + 1,
        amount_cents = expense_month_totals.amount_cents + EXCLUDED.amount_cents
$$
"""
POSTGRES_REMOVE = """
CREATE FUNCTION expense_month_totals_remove(e expenses) RETURNS void
LANGUAGE sql AS $$
    UPDATE expense_month_totals SET
        expense_count = expense_count - 1,
        amount_cents = amount_cents - e.amount_cents
    WHERE user_id = e.user_id AND month = date_trunc('month', e.date)::date
      AND category_id = e.category_id AND payment_method = e.payment_method
$$
"""
POSTGRES_TRIGGER = (
    "CREATE TRIGGER expense_month_totals_apply"
    f" AFTER INSERT OR DELETE OR UPDATE OF {WATCHED} ON expenses"
    " FOR EACH ROW EXECUTE FUNCTION expense_month_totals_apply()"
)

BACKFILL = """
INSERT INTO expense_month_totals ({key}, expense_count, amount_cents)
SELECT user_id, {month}, category_id, payment_method, count(*), sum(amount_cents)
FROM expenses WHERE deleted_at IS NULL
GROUP BY user_id, {month}, category_id, payment_method
"""
MONTH = {"sqlite": "date(date, 'start of month')", "postgresql": "date_trunc('month', date)::date"}


def create_triggers(dialect):
    """The triggers (and PostgreSQL functions) that keep the totals; see the module docstring."""
    if dialect == "sqlite":
        statements = SQLITE_TRIGGERS
    else:
        statements = [POSTGRES_ADD, POSTGRES_REMOVE, POSTGRES_FUNCTION, POSTGRES_TRIGGER]
    for statement in statements:
        op.execute(statement)


def upgrade():
    op.create_table(
        "expense_month_totals",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("category_id", sa.Uuid(), nullable=False),
        sa.Column("payment_method", sa.String(length=20), nullable=False),
        sa.Column("expense_count", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "expense_count >= 0", name=op.f("ck_expense_month_totals_count_not_negative")
        ),
        sa.CheckConstraint(
            "amount_cents >= 0", name=op.f("ck_expense_month_totals_amount_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_expense_month_totals_category_id_categories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_expense_month_totals_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "user_id", "month", "category_id", "payment_method",
            name=op.f("pk_expense_month_totals"),
        ),
        # Stored in key order on SQLite: a user's months are one contiguous
        # range (a rowid table made every row a second lookup: 3x slower).
        sqlite_with_rowid=False,
    )
    dialect = op.get_bind().dialect.name
    op.execute(BACKFILL.format(key=KEY, month=MONTH[dialect]))
    create_triggers(dialect)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS expense_month_totals_{name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS expense_month_totals_apply ON expenses")
        op.execute("DROP FUNCTION IF EXISTS expense_month_totals_apply()")
        op.execute("DROP FUNCTION IF EXISTS expense_month_totals_add(expenses)")
        op.execute("DROP FUNCTION IF EXISTS expense_month_totals_remove(expenses)")
    op.drop_table("expense_month_totals")
