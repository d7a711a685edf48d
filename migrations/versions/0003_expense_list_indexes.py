"""Indexes for the expense list: covering partial indexes for every sort, text search.

- Partial indexes over live expenses (not in the trash), one per sort order of
  the list, holding the columns the list's page, count and total read, so
  deep pages (OFFSET over ids) and filtered totals never touch the table.
- Text search in description and notes (`q`), case-insensitive substring:
  SQLite: an FTS5 trigram table `expenses_fts` with external content
  (`expenses`), kept in sync by triggers. Note: a batch migration that
  recreates `expenses` drops these triggers and renumbers rowids; such a
  migration must recreate the triggers and run the 'rebuild' command below.
  PostgreSQL: pg_trgm GIN indexes, which serve ILIKE '%text%'.
  Neither is in the models (Alembic cannot compare them): migrations/env.py
  leaves them out of autogenerate.

Revision ID: 0003
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa


revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None

LIVE = sa.text("deleted_at IS NULL")
# `deleted_at` ends every list: always NULL in these indexes, but without it
# SQLite does not see them as covering and picks the plain (user_id, date).
LIVE_INDEXES = {
    "ix_expenses_live_date": [
        "user_id", "date", "created_at", "id", "amount_cents", "payment_method", "deleted_at"
    ],
    "ix_expenses_live_amount": ["user_id", "amount_cents", "date", "id", "deleted_at"],
    "ix_expenses_live_description": ["user_id", "description", "date", "id", "deleted_at"],
    "ix_expenses_live_category": [
        "user_id", "category_id", "date", "created_at", "id", "amount_cents", "deleted_at"
    ],
}
SQLITE_FTS = [
    """CREATE VIRTUAL TABLE expenses_fts USING fts5(
        description, notes, content='expenses', content_rowid='rowid', tokenize='trigram'
    )""",
    """CREATE TRIGGER expenses_fts_insert AFTER INSERT ON expenses BEGIN
        INSERT INTO expenses_fts(rowid, description, notes)
        VALUES (new.rowid, new.description, new.notes);
    END""",
    """CREATE TRIGGER expenses_fts_delete AFTER DELETE ON expenses BEGIN
        INSERT INTO expenses_fts(expenses_fts, rowid, description, notes)
        VALUES ('delete', old.rowid, old.description, old.notes);
    END""",
    """CREATE TRIGGER expenses_fts_update AFTER UPDATE OF description, notes ON expenses BEGIN
        INSERT INTO expenses_fts(expenses_fts, rowid, description, notes)
        VALUES ('delete', old.rowid, old.description, old.notes);
        INSERT INTO expenses_fts(rowid, description, notes)
        VALUES (new.rowid, new.description, new.notes);
    END""",
    "INSERT INTO expenses_fts(expenses_fts) VALUES ('rebuild')",
]
POSTGRES_TRGM = [
    # Trusted since PostgreSQL 13: the database owner may create it.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_expenses_description_trgm ON expenses USING gin (description gin_trgm_ops)",
    "CREATE INDEX ix_expenses_notes_trgm ON expenses USING gin (notes gin_trgm_ops)",
]


def upgrade():
    with op.batch_alter_table("expenses", schema=None) as batch_op:
        for name, columns in LIVE_INDEXES.items():
            batch_op.create_index(
                name, columns, unique=False, sqlite_where=LIVE, postgresql_where=LIVE
            )
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_FTS if dialect == "sqlite" else POSTGRES_TRGM:
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("expenses_fts_insert", "expenses_fts_delete", "expenses_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS expenses_fts")
    else:
        # The pg_trgm extension stays: other objects may use it.
        op.execute("DROP INDEX IF EXISTS ix_expenses_notes_trgm")
        op.execute("DROP INDEX IF EXISTS ix_expenses_description_trgm")
    with op.batch_alter_table("expenses", schema=None) as batch_op:
        for name in reversed(LIVE_INDEXES):
            batch_op.drop_index(name)
