"""SQLite text search: an FTS5 trigram index over each user's own block of copied expenses.

Replaces migration 0003's `ix_expenses_search`, whose LIKE read all the
user's entries twice per search (count and total, then the page): about
300 million instructions at 100,000 expenses, whatever the word.

- `expense_search_users` gives each user a block of row numbers;
  `expense_search_rows` copies every expense (its list columns, trashed ones
  too) into its owner's block; `expense_search_text` is an FTS5 trigram
  index (contentless, detail=none) whose rowid is that row number.
- A search of 3 or more characters reads the trigram postings inside the
  user's block only (a rowid range, which FTS5 seeks to), then the matching
  copies, which lie together; LIKE on the copy keeps today's exact meaning
  (ASCII case-insensitive substring, wildcards literal). Shorter searches run
  LIKE over the user's block. See `models/expense_search.py`.
- Triggers on `expenses` keep all three in step with every write: services,
  imports, restores, raw SQL alike. A batch migration that recreates
  `expenses` drops them: it must create them again (tests check they exist).

PostgreSQL keeps its pg_trgm indexes: nothing changes there.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COPIED = (
    "user_id, description, notes, amount_cents, date, created_at, id, category_id,"
    " payment_method, deleted_at"
)
BLOCK = "(u.block << 32)"
LAST_IN_BLOCK = "(u.block << 32) + 4294967295"

TABLES = [
    "CREATE TABLE expense_search_users ("
    " user_id CHAR(32) NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,"
    " block INTEGER NOT NULL UNIQUE)",
    "CREATE TABLE expense_search_rows ("
    " slot INTEGER PRIMARY KEY, user_id CHAR(32) NOT NULL, description VARCHAR(200) NOT NULL,"
    " notes TEXT, amount_cents BIGINT NOT NULL, date DATE NOT NULL, created_at DATETIME NOT NULL,"
    " id CHAR(32) NOT NULL UNIQUE, category_id CHAR(32) NOT NULL,"
    " payment_method VARCHAR(20) NOT NULL, deleted_at DATETIME)",
    "CREATE VIRTUAL TABLE expense_search_text USING fts5(description, notes, content='',"
    " detail='none', columnsize=0, tokenize='trigram')",
]

FILL = [
    "INSERT INTO expense_search_users (user_id, block)"
    " SELECT user_id, row_number() OVER (ORDER BY user_id)"
    " FROM (SELECT DISTINCT user_id FROM expenses)",
    f"INSERT INTO expense_search_rows (slot, {COPIED})"
    f" SELECT {BLOCK} + row_number()"
    " OVER (PARTITION BY e.user_id ORDER BY e.date, e.created_at, e.id),"
    f" {', '.join('e.' + c.strip() for c in COPIED.split(','))}"
    " FROM expenses e JOIN expense_search_users u ON u.user_id = e.user_id ORDER BY 1",
    "INSERT INTO expense_search_text (rowid, description, notes)"
    " SELECT slot, description, notes FROM expense_search_rows ORDER BY slot",
    "INSERT INTO expense_search_text (expense_search_text) VALUES ('optimize')",
]


def _add(row: str) -> str:
    """Copy expense `row` (NEW) into its owner's block, giving the owner a block if needed.

    Slots are handed out upwards, after the block's last: SQLite then fills
    the table's pages. (Handing them out downwards, so that the newest come
    first in a read, left pages half empty: more pages for every search.)
    """
    values = ", ".join(f"{row}.{c.strip()}" for c in COPIED.split(","))
    return f"""
    INSERT OR IGNORE INTO expense_search_users (user_id, block)
        SELECT {row}.user_id, coalesce(max(block), 0) + 1 FROM expense_search_users;
    INSERT INTO expense_search_rows (slot, {COPIED})
        SELECT coalesce((SELECT max(slot) FROM expense_search_rows
                         WHERE slot BETWEEN {BLOCK} AND {LAST_IN_BLOCK}), {BLOCK}) + 1, {values}
        FROM expense_search_users u WHERE u.user_id = {row}.user_id;
    INSERT INTO expense_search_text (rowid, description, notes)
        SELECT slot, description, notes FROM expense_search_rows WHERE id = {row}.id;"""


def _remove(row: str) -> str:
    """Drop expense `row` (OLD): FTS5 unindexes exactly the text it was given, kept in the copy."""
    return f"""
    INSERT INTO expense_search_text (expense_search_text, rowid, description, notes)
        SELECT 'delete', slot, description, notes FROM expense_search_rows WHERE id = {row}.id;
    DELETE FROM expense_search_rows WHERE id = {row}.id;"""


TRIGGERS = {
    "expense_search_insert": f"AFTER INSERT ON expenses BEGIN {_add('new')}\nEND",
    "expense_search_delete": f"AFTER DELETE ON expenses BEGIN {_remove('old')}\nEND",
    # New text or owner: unindex and index again (in the owner's block).
    "expense_search_retext": "AFTER UPDATE OF description, notes, user_id, id ON expenses"
    f" BEGIN {_remove('old')}{_add('new')}\nEND",
    # Everything else the copy holds changes in place: no reindexing.
    "expense_search_update": "AFTER UPDATE OF amount_cents, date, created_at, category_id,"
    " payment_method, deleted_at ON expenses BEGIN"
    " UPDATE expense_search_rows SET amount_cents = new.amount_cents, date = new.date,"
    " created_at = new.created_at, category_id = new.category_id,"
    " payment_method = new.payment_method, deleted_at = new.deleted_at WHERE id = new.id;\nEND",
}

# Migration 0003's index, for the downgrade.
SEARCH_INDEX = (
    "CREATE INDEX ix_expenses_search ON expenses (user_id, description, notes, date,"
    " created_at, id, amount_cents, category_id, payment_method, deleted_at)"
    " WHERE deleted_at IS NULL"
)


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in TABLES + FILL:
        op.execute(statement)
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    op.execute("DROP INDEX ix_expenses_search")


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(SEARCH_INDEX)
    for name in reversed(TRIGGERS):
        op.execute(f"DROP TRIGGER {name}")
    for table in ("expense_search_text", "expense_search_rows", "expense_search_users"):
        op.execute(f"DROP TABLE {table}")
