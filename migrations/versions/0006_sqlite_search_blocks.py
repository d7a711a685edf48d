"""SQLite text search: an FTS5 trigram index over each user's own block of copied expenses.

Replaces migration 0003's `ix_expenses_search`, whose LIKE read all the
user's entries twice per search (count and total, then the page): about
300 million instructions at 100,000 expenses, whatever the word.

- `expense_search_users` gives each user a block of row numbers;
  `expense_search_rows` copies every expense (its list columns, trashed ones
  too) into its owner's block, numbered by day within the block, newest day
  first (a bucket of 2^20 numbers per day); `expense_search_text` is an FTS5
  trigram index
  (contentless, detail=none) whose rowid is that row number.
- A search of 3 or more characters reads the trigram postings inside the
  user's block only (a rowid range, which FTS5 seeks to), then the matching
  copies, which lie together; LIKE on the copy keeps today's exact meaning
  (ASCII case-insensitive substring, wildcards literal). Shorter searches run
  LIKE over the user's block. A page in date order reads the matches in row
  number order only as far as the page's last day (`expenses/queries.py`).
  See `models/expense_search.py`.
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
# A row's number: its owner's block, the day of its date, its place that day.
BLOCK = "(u.block << 36)"
DAY_BITS = 20
LAST_OF_DAY = 2**DAY_BITS - 1


def _day(date: str) -> str:
    """The day's place in a block, newest first: 65535 minus the days from 2000-01-01,
    kept within 0..65535 (earlier and later dates share the ends).

    Newest first because the list's default order is: FTS5 reads a rowid
    range forwards cheaply, backwards only by loading whole doclists.
    """
    days = f"CAST(julianday({date}) - julianday('2000-01-01') AS INTEGER)"
    return f"(65535 - min(max(coalesce({days}, 0), 0), 65535))"


def _first_of_day(date: str) -> str:
    return f"({BLOCK} + ({_day(date)} << {DAY_BITS}))"


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
    f" SELECT {_first_of_day('e.date')} + row_number()"
    f" OVER (PARTITION BY e.user_id, {_day('e.date')} ORDER BY e.date, e.created_at, e.id),"
    f" {', '.join('e.' + c.strip() for c in COPIED.split(','))}"
    " FROM expenses e JOIN expense_search_users u ON u.user_id = e.user_id ORDER BY 1",
    "INSERT INTO expense_search_text (rowid, description, notes)"
    " SELECT slot, description, notes FROM expense_search_rows ORDER BY slot",
    "INSERT INTO expense_search_text (expense_search_text) VALUES ('optimize')",
]


def _add(row: str) -> str:
    """Copy expense `row` (NEW) into its owner's block, giving the owner a block if needed.

    The slot follows the day's last one, so SQLite fills the table's pages.
    A day holds 2^20 - 1 of a user's expenses; one more is refused rather
    than spilled into the next day's numbers, which would break the order.
    """
    values = ", ".join(f"{row}.{c.strip()}" for c in COPIED.split(","))
    first = _first_of_day(f"{row}.date")
    return f"""
    INSERT OR IGNORE INTO expense_search_users (user_id, block)
        SELECT {row}.user_id, coalesce(max(block), 0) + 1 FROM expense_search_users;
    INSERT INTO expense_search_rows (slot, {COPIED})
        SELECT CASE WHEN taken = first + {LAST_OF_DAY}
                    THEN RAISE(ABORT, 'too many expenses on one day for the search index')
                    ELSE coalesce(taken, first) + 1 END, {values}
        FROM (SELECT {first} AS first,
                     (SELECT max(slot) FROM expense_search_rows
                      WHERE slot BETWEEN {first} AND {first} + {LAST_OF_DAY}) AS taken
              FROM expense_search_users u WHERE u.user_id = {row}.user_id);
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
    # New text, owner or day: unindex and index again (in the owner's block, at the day).
    "expense_search_retext": "AFTER UPDATE OF description, notes, user_id, date, id ON expenses"
    f" BEGIN {_remove('old')}{_add('new')}\nEND",
    # Everything else the copy holds changes in place: no reindexing.
    "expense_search_update": "AFTER UPDATE OF amount_cents, created_at, category_id,"
    " payment_method, deleted_at ON expenses BEGIN"
    " UPDATE expense_search_rows SET amount_cents = new.amount_cents,"
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
    busiest = op.get_bind().exec_driver_sql(
        f"SELECT max(n) FROM (SELECT count(*) AS n FROM expenses GROUP BY user_id, {_day('date')})"
    ).scalar()
    if (busiest or 0) > LAST_OF_DAY:
        raise RuntimeError(f"a user has {busiest} expenses on one day: at most {LAST_OF_DAY}")
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
