"""Recurring expenses (issue 14): rules, their posted and skipped occurrences, and the link
from each posted expense to its rule and date.

- `recurring_rules`: an expense template of a ledger and its schedule
  (frequency, `step` = the interval, start and inclusive end date, mode
  auto|confirm) with `next_date`, the first occurrence not decided yet; the
  index (ledger_id, mode, next_date) answers "is anything due?" on every page.
- `recurring_occurrences`: one row per rule and date that was posted or
  skipped, UNIQUE (rule_id, occurrence_date): what makes posting exactly once.
- `expenses.recurring_rule_id` (ON DELETE SET NULL: deleting a rule keeps what
  it posted) and `expenses.occurrence_date`.
- Page-cache versions: both new tables change their ledger's `data_version`
  like the tables of 0009 (the same functions on PostgreSQL).

SQLite cannot add a foreign key to a table in place: the batch copy of
`expenses` would drop its triggers and partial indexes, so their SQL is read
from sqlite_master first and run again after the copy.

Revision ID: 0012
Revises: 0011
"""

from alembic import op
import sqlalchemy as sa


revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TABLES = ("recurring_rules", "recurring_occurrences")
PAYMENT_METHODS = "'cash', 'credit_card', 'debit_card', 'bank_transfer', 'mobile_payment', 'other'"
SQLITE_NEW_VALUE = "(random() >> 2)"
EVENT_ROWS = (("insert", ("NEW",)), ("update", ("OLD", "NEW")), ("delete", ("OLD",)))


def _sqlite_version_triggers():
    triggers = {}
    for table in TABLES:
        for event, rows in EVENT_ROWS:
            ledgers = ", ".join(f"{row}.ledger_id" for row in rows)
            triggers[f"{table}_data_version_{event}"] = (
                f"AFTER {event.upper()} ON {table} BEGIN UPDATE ledgers"
                f" SET data_version = {SQLITE_NEW_VALUE} WHERE id IN ({ledgers}); END"
            )
    return triggers


def _postgres_version_triggers():
    """Trigger name -> (table, CREATE statement), calling 0009's functions."""
    triggers = {}
    for table in TABLES:
        event = "INSERT OR UPDATE OR DELETE"
        triggers[f"{table}_data_version_note"] = (table, (
            f"CREATE TRIGGER {table}_data_version_note AFTER {event} ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION data_version_note_owned()"))
        triggers[f"{table}_data_version"] = (table, (
            f"CREATE CONSTRAINT TRIGGER {table}_data_version AFTER {event} ON {table}"
            " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_flush()"))
    return triggers  # fmt: skip


def version_trigger_tables(dialect):
    """Trigger name -> the table it is on (what `derived/recurring_version.py` checks)."""
    if dialect == "sqlite":
        return {name: name.split("_data_version")[0] for name in _sqlite_version_triggers()}
    return {name: table for name, (table, _) in _postgres_version_triggers().items()}


def create_version_triggers(dialect):
    if dialect == "sqlite":
        for name, body in _sqlite_version_triggers().items():
            op.execute(f"CREATE TRIGGER {name} {body}")
        return
    for _, statement in _postgres_version_triggers().values():
        op.execute(statement)


def _create_tables():
    op.create_table(
        "recurring_rules",
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("category_id", sa.Uuid(), nullable=False),
        sa.Column("payment_method", sa.String(length=20), nullable=False),
        sa.Column("tags", sa.String(length=1000), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("frequency", sa.String(length=10), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("next_date", sa.Date(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("ledger_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_recurring_rules_amount_positive")),
        sa.CheckConstraint("amount_cents <= 999999999999", name=op.f("ck_recurring_rules_amount_max")),
        sa.CheckConstraint(
            f"payment_method IN ({PAYMENT_METHODS})",
            name=op.f("ck_recurring_rules_payment_method_valid"),
        ),
        sa.CheckConstraint(
            "frequency IN ('daily', 'weekly', 'monthly', 'yearly')",
            name=op.f("ck_recurring_rules_frequency_valid"),
        ),
        sa.CheckConstraint("mode IN ('auto', 'confirm')", name=op.f("ck_recurring_rules_mode_valid")),
        sa.CheckConstraint("step BETWEEN 1 AND 99", name=op.f("ck_recurring_rules_interval_range")),
        sa.CheckConstraint(
            "end_date IS NULL OR end_date >= start_date",
            name=op.f("ck_recurring_rules_end_after_start"),
        ),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"],
            name=op.f("fk_recurring_rules_category_id_categories"), ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["ledger_id"], ["ledgers.id"],
            name=op.f("fk_recurring_rules_ledger_id_ledgers"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"],
            name=op.f("fk_recurring_rules_user_id_users"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recurring_rules")),
    )
    op.create_index(
        op.f("ix_recurring_rules_ledger_id_mode_next_date"),
        "recurring_rules", ["ledger_id", "mode", "next_date"],
    )
    op.create_index(op.f("ix_recurring_rules_user_id"), "recurring_rules", ["user_id"])
    op.create_index(op.f("ix_recurring_rules_category_id"), "recurring_rules", ["category_id"])
    op.create_table(
        "recurring_occurrences",
        sa.Column("rule_id", sa.Uuid(), nullable=False),
        sa.Column("occurrence_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("ledger_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "status IN ('posted', 'skipped')", name=op.f("ck_recurring_occurrences_status_valid")
        ),
        sa.ForeignKeyConstraint(
            ["ledger_id"], ["ledgers.id"],
            name=op.f("fk_recurring_occurrences_ledger_id_ledgers"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["recurring_rules.id"],
            name=op.f("fk_recurring_occurrences_rule_id_recurring_rules"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recurring_occurrences")),
        sa.UniqueConstraint(
            "rule_id", "occurrence_date",
            name=op.f("uq_recurring_occurrences_rule_id_occurrence_date"),
        ),
    )
    op.create_index(
        op.f("ix_recurring_occurrences_ledger_id"), "recurring_occurrences", ["ledger_id"]
    )


def _sqlite_schema_of_expenses():
    """CREATE statements of every trigger and of the explicit indexes on `expenses`: a batch
    copy of the table loses them."""
    rows = op.get_bind().exec_driver_sql(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL"
        " AND (type = 'trigger' OR (type = 'index' AND tbl_name = 'expenses'))"
    ).all()
    return [(kind, name, sql) for kind, name, sql in rows]


def _with_expenses_copied(change):
    """Run `change(batch)` on `expenses`; on SQLite keep its triggers and indexes."""
    if op.get_bind().dialect.name != "sqlite":
        with op.batch_alter_table("expenses") as batch:
            change(batch)
        return
    saved = _sqlite_schema_of_expenses()
    for kind, name, _ in saved:
        op.execute(f"DROP {kind.upper()} IF EXISTS {name}")
    with op.batch_alter_table("expenses", recreate="always") as batch:
        change(batch)
    for kind, name, sql in saved:
        op.execute(f"DROP {kind.upper()} IF EXISTS {name}")
        op.execute(sql)


def _add_expense_link(batch):
    batch.add_column(sa.Column("recurring_rule_id", sa.Uuid(), nullable=True))
    batch.add_column(sa.Column("occurrence_date", sa.Date(), nullable=True))
    batch.create_foreign_key(
        "fk_expenses_recurring_rule_id_recurring_rules", "recurring_rules",
        ["recurring_rule_id"], ["id"], ondelete="SET NULL",
    )


def _drop_expense_link(batch):
    batch.drop_constraint("fk_expenses_recurring_rule_id_recurring_rules", type_="foreignkey")
    batch.drop_column("occurrence_date")
    batch.drop_column("recurring_rule_id")


def upgrade():
    dialect = op.get_bind().dialect.name
    _create_tables()
    _with_expenses_copied(_add_expense_link)
    op.create_index("ix_expenses_recurring_rule_id", "expenses", ["recurring_rule_id"])
    create_version_triggers(dialect)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in _sqlite_version_triggers():
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index("ix_expenses_recurring_rule_id", table_name="expenses")
    _with_expenses_copied(_drop_expense_link)
    op.drop_table("recurring_occurrences")
    op.drop_table("recurring_rules")
