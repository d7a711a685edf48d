"""Ledgers: what users share. Every owned row moves from its user to that user's ledger.

- New tables `ledgers`, `ledger_members` (role owner, member or viewer) and
  `ledger_invites` (the SHA-256 of a link's token); `users.last_ledger_id`
  and `user_sessions.ledger_id` (the session's current ledger).
- Each existing user gets a ledger named `Personal` whose id is the user's
  own, as its owner; every category, tag, budget, receipt and expense moves
  into it, every id kept. `user_id` leaves categories, tags, budgets and
  receipts; on expenses it stays as who added the expense (ON DELETE SET
  NULL, so an expense outlives its author's account in a shared ledger), and
  `expenses.private` is new. Unique names and every index of the list are
  per ledger.
- The derived structures follow the new key (their old triggers go first):
  `expense_month_totals` is per ledger, month, category, payment method and
  `private_of` (whose private expenses a row sums: PUBLIC, the author, or
  HIDDEN once the author is gone; `models/month_total.py`); SQLite's search
  index numbers rows in a block per ledger and copies `user_id` and
  `private` (changed in place; a new ledger moves the copy to that ledger's
  block, as a new text or day does); the page-cache version is per ledger
  and per user (below). `expenses_app/derived/` loads the trigger SQL from here.

Page-cache versions. `ledgers.data_version` changes on every write to the
ledger's expenses, categories, budgets, tags, expense tags, receipts and
members, and on its rename; `users.data_version` on a change of the user's
username, email or full name, of any of their memberships, and on the rename
of a ledger they are in. A username change also changes every ledger the
user is in ("added by" shows it). An update counts for the row's old and new
ledger. SQLite (one writer at a time) sets the values row by row. PostgreSQL
notes the ids row by row in a transaction-local setting and sets each
ledger and user once per transaction, from a deferred constraint trigger, at
commit: ledgers, then users, each in id order. Data writers thus take those
row locks last and in one global order, after their locks on the monthly
totals (whose two rows an update touches in key order). The statements that
lock a ledger or user row themselves and then need rows of the other kind
(any change of membership, a ledger's rename or deletion, a username change,
an account's deletion) first take one transaction-level advisory lock, so
no two of them wait on each other in a cycle; they are rare and short.

The SQL of 0005-0007's structures is written again here rather than imported:
a migration is history, and those files must keep meaning what they did.

A batch migration that recreates one of the tables these triggers are on
(SQLite) drops its triggers: it must create them again (tests check).

Downgrade: back to per-user rows, each taken by its ledger's oldest owner; it
loses sharing, invitations, ledger names, privacy and who added a shared
expense (shared ledgers merge into the rows of one user). It is meant for
databases whose ledgers are all personal, and refuses, changing nothing,
when a ledger with rows has no owner or one user would get two categories or
tags of the same name.

Revision ID: 0009
Revises: 0008
"""

from alembic import op
import sqlalchemy as sa


revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

OWNED = ("categories", "tags", "budgets", "receipts")
# name, columns (the leading one replaced), PostgreSQL INCLUDE
LIVE_INDEXES = (
    ("ix_expenses_live_date", "date, created_at, id, amount_cents, payment_method, category_id"),
    ("ix_expenses_live_amount", "amount_cents, date, id"),
    ("ix_expenses_live_description", "description, date, id"),
    ("ix_expenses_live_category", "category_id, date, created_at, id, amount_cents"),
)
STATISTICS = {"user_id": "st_expenses_user_category", "ledger_id": "st_expenses_ledger_category"}
PUBLIC = {"sqlite": "'" + "0" * 32 + "'", "postgresql": "'00000000-0000-0000-0000-000000000000'::uuid"}
HIDDEN = {"sqlite": "'" + "f" * 32 + "'", "postgresql": "'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid"}


def private_of(row, dialect):
    """Whose private expenses the totals row of expense `row` sums (see module docstring)."""
    return (
        f"CASE WHEN {row}private THEN coalesce({row}user_id, {HIDDEN[dialect]})"
        f" ELSE {PUBLIC[dialect]} END"
    )


# --- monthly totals -----------------------------------------------------------------

KEY = "ledger_id, month, category_id, payment_method, private_of"
# Only these columns move an expense between totals (or in and out of the trash).
WATCHED = "ledger_id, user_id, private, date, category_id, payment_method, amount_cents, deleted_at"
MONTH = {"sqlite": "date(date, 'start of month')", "postgresql": "date_trunc('month', date)::date"}
BACKFILL = """
INSERT INTO expense_month_totals ({key}, expense_count, amount_cents)
SELECT ledger_id, {month}, category_id, payment_method, {private_of}, count(*), sum(amount_cents)
FROM expenses WHERE deleted_at IS NULL
GROUP BY ledger_id, {month}, category_id, payment_method, {private_of}
"""


def backfill(dialect):
    """The statement that fills the totals from the expenses (also `derived`'s recompute)."""
    return BACKFILL.format(key=KEY, month=MONTH[dialect], private_of=private_of("", dialect))


def _sqlite_totals_triggers():
    add = f"""
    INSERT INTO expense_month_totals ({KEY}, expense_count, amount_cents)
    SELECT NEW.ledger_id, date(NEW.date, 'start of month'), NEW.category_id,
           NEW.payment_method, {private_of("NEW.", "sqlite")}, 1, NEW.amount_cents
    WHERE NEW.deleted_at IS NULL
    ON CONFLICT ({KEY}) DO UPDATE SET
        expense_count = expense_count + 1,
        amount_cents = amount_cents + excluded.amount_cents;"""
    remove = f"""
    UPDATE expense_month_totals SET
        expense_count = expense_count - 1,
        amount_cents = amount_cents - OLD.amount_cents
    WHERE OLD.deleted_at IS NULL AND ledger_id = OLD.ledger_id
      AND month = date(OLD.date, 'start of month')
      AND category_id = OLD.category_id AND payment_method = OLD.payment_method
      AND private_of = {private_of("OLD.", "sqlite")};"""
    return {
        "expense_month_totals_insert": f"AFTER INSERT ON expenses BEGIN {add} END",
        "expense_month_totals_update": f"AFTER UPDATE OF {WATCHED} ON expenses"
        f" BEGIN {remove} {add} END",
        "expense_month_totals_delete": f"AFTER DELETE ON expenses BEGIN {remove} END",
    }


def _postgres_key(row):
    return (
        f"({row}.ledger_id, date_trunc('month', {row}.date)::date, {row}.category_id,"
        f" {row}.payment_method, {private_of(row + '.', 'postgresql')})"
    )


# An update that moves an expense between two rows of totals touches them in key
# order, so two such updates cannot wait on each other's row locks in a cycle.
POSTGRES_TOTALS = [
    f"""
CREATE FUNCTION expense_month_totals_add(e expenses) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO expense_month_totals ({KEY}, expense_count, amount_cents)
    VALUES (e.ledger_id, date_trunc('month', e.date)::date, e.category_id, e.payment_method,
            {private_of("e.", "postgresql")}, 1, e.amount_cents)
    ON CONFLICT ({KEY}) DO UPDATE SET
        expense_count = expense_month_totals.expense_count + 1,
        amount_cents = expense_month_totals.amount_cents + EXCLUDED.amount_cents
$$
""",
    f"""
CREATE FUNCTION expense_month_totals_remove(e expenses) RETURNS void
LANGUAGE sql AS $$
    UPDATE expense_month_totals SET
        expense_count = expense_count - 1,
        amount_cents = amount_cents - e.amount_cents
    WHERE ({KEY}) = {_postgres_key("e")}
$$
""",
    f"""
CREATE FUNCTION expense_month_totals_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    old_first boolean;
BEGIN
    IF TG_OP = 'UPDATE' AND ({_postgres_key("OLD")}, OLD.amount_cents, OLD.deleted_at IS NULL)
        IS NOT DISTINCT FROM ({_postgres_key("NEW")}, NEW.amount_cents, NEW.deleted_at IS NULL)
    THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        old_first := {_postgres_key("OLD")} <= {_postgres_key("NEW")};
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
""",
    "CREATE TRIGGER expense_month_totals_apply"
    f" AFTER INSERT OR DELETE OR UPDATE OF {WATCHED} ON expenses"
    " FOR EACH ROW EXECUTE FUNCTION expense_month_totals_apply()",
]


def create_month_total_triggers(dialect):
    """The triggers (and PostgreSQL functions) that keep `expense_month_totals`."""
    if dialect == "sqlite":
        for name, body in _sqlite_totals_triggers().items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    else:
        for statement in POSTGRES_TOTALS:
            op.execute(statement)


def _create_month_totals():
    op.create_table(
        "expense_month_totals",
        sa.Column("ledger_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("category_id", sa.Uuid(), nullable=False),
        sa.Column("payment_method", sa.String(length=20), nullable=False),
        sa.Column("private_of", sa.Uuid(), nullable=False),
        sa.Column("expense_count", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "expense_count >= 0", name=op.f("ck_expense_month_totals_count_not_negative")
        ),
        sa.CheckConstraint(
            "amount_cents >= 0", name=op.f("ck_expense_month_totals_amount_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"],
            name=op.f("fk_expense_month_totals_category_id_categories"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ledger_id"], ["ledgers.id"],
            name=op.f("fk_expense_month_totals_ledger_id_ledgers"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "ledger_id", "month", "category_id", "payment_method", "private_of",
            name=op.f("pk_expense_month_totals"),
        ),
        # A ledger's months are one contiguous range (see 0005).
        sqlite_with_rowid=False,
    )


# --- SQLite search index (0006's design, in a block per ledger) ---------------------

COPIED = (
    "ledger_id, description, notes, amount_cents, date, created_at, id, category_id,"
    " payment_method, deleted_at, user_id, private"
)
BLOCK = "(b.block << 36)"
DAY_BITS = 20
LAST_OF_DAY = 2**DAY_BITS - 1


def _day(date):
    """The day's place in a block, newest first (as 0006: 65535 minus days from 2000-01-01)."""
    days = f"CAST(julianday({date}) - julianday('2000-01-01') AS INTEGER)"
    return f"(65535 - min(max(coalesce({days}, 0), 0), 65535))"


def _first_of_day(date):
    return f"({BLOCK} + ({_day(date)} << {DAY_BITS}))"


SEARCH_TABLES = [
    "CREATE TABLE expense_search_ledgers ("
    " ledger_id CHAR(32) NOT NULL PRIMARY KEY REFERENCES ledgers (id) ON DELETE CASCADE,"
    " block INTEGER NOT NULL UNIQUE)",
    "CREATE TABLE expense_search_rows ("
    " slot INTEGER PRIMARY KEY, ledger_id CHAR(32) NOT NULL, description VARCHAR(200) NOT NULL,"
    " notes TEXT, amount_cents BIGINT NOT NULL, date DATE NOT NULL, created_at DATETIME NOT NULL,"
    " id CHAR(32) NOT NULL UNIQUE, category_id CHAR(32) NOT NULL,"
    " payment_method VARCHAR(20) NOT NULL, deleted_at DATETIME, user_id CHAR(32),"
    " private BOOLEAN NOT NULL)",
    "CREATE VIRTUAL TABLE expense_search_text USING fts5(description, notes, content='',"
    " detail='none', columnsize=0, tokenize='trigram')",
]
SEARCH_FILL = [
    "INSERT INTO expense_search_ledgers (ledger_id, block)"
    " SELECT ledger_id, row_number() OVER (ORDER BY ledger_id)"
    " FROM (SELECT DISTINCT ledger_id FROM expenses)",
    f"INSERT INTO expense_search_rows (slot, {COPIED})"
    f" SELECT {_first_of_day('e.date')} + row_number()"
    f" OVER (PARTITION BY e.ledger_id, {_day('e.date')} ORDER BY e.date, e.created_at, e.id),"
    f" {', '.join('e.' + c.strip() for c in COPIED.split(','))}"
    " FROM expenses e JOIN expense_search_ledgers b ON b.ledger_id = e.ledger_id ORDER BY 1",
    "INSERT INTO expense_search_text (rowid, description, notes)"
    " SELECT slot, description, notes FROM expense_search_rows ORDER BY slot",
    "INSERT INTO expense_search_text (expense_search_text) VALUES ('optimize')",
]


def _search_add(row):
    """Copy expense `row` into its ledger's block (giving the ledger one if needed)."""
    values = ", ".join(f"{row}.{c.strip()}" for c in COPIED.split(","))
    first = _first_of_day(f"{row}.date")
    return f"""
    INSERT OR IGNORE INTO expense_search_ledgers (ledger_id, block)
        SELECT {row}.ledger_id, coalesce(max(block), 0) + 1 FROM expense_search_ledgers;
    INSERT INTO expense_search_rows (slot, {COPIED})
        SELECT CASE WHEN taken = first + {LAST_OF_DAY}
                    THEN RAISE(ABORT, 'too many expenses on one day for the search index')
                    ELSE coalesce(taken, first) + 1 END, {values}
        FROM (SELECT {first} AS first,
                     (SELECT max(slot) FROM expense_search_rows
                      WHERE slot BETWEEN {first} AND {first} + {LAST_OF_DAY}) AS taken
              FROM expense_search_ledgers b WHERE b.ledger_id = {row}.ledger_id);
    INSERT INTO expense_search_text (rowid, description, notes)
        SELECT slot, description, notes FROM expense_search_rows WHERE id = {row}.id;"""


def _search_remove(row):
    return f"""
    INSERT INTO expense_search_text (expense_search_text, rowid, description, notes)
        SELECT 'delete', slot, description, notes FROM expense_search_rows WHERE id = {row}.id;
    DELETE FROM expense_search_rows WHERE id = {row}.id;"""


SEARCH_TRIGGERS = {
    "expense_search_insert": f"AFTER INSERT ON expenses BEGIN {_search_add('new')}\nEND",
    "expense_search_delete": f"AFTER DELETE ON expenses BEGIN {_search_remove('old')}\nEND",
    # New text, ledger or day: unindex and index again (in the ledger's block, at the day).
    "expense_search_retext": "AFTER UPDATE OF description, notes, ledger_id, date, id ON expenses"
    f" BEGIN {_search_remove('old')}{_search_add('new')}\nEND",
    # Everything else the copy holds changes in place: no reindexing.
    "expense_search_update": "AFTER UPDATE OF amount_cents, created_at, category_id,"
    " payment_method, deleted_at, user_id, private ON expenses BEGIN"
    " UPDATE expense_search_rows SET amount_cents = new.amount_cents,"
    " created_at = new.created_at, category_id = new.category_id,"
    " payment_method = new.payment_method, deleted_at = new.deleted_at,"
    " user_id = new.user_id, private = new.private WHERE id = new.id;\nEND",
}
OLD_SEARCH_TABLES = ("expense_search_text", "expense_search_rows", "expense_search_users")


def _create_search_index():
    for statement in SEARCH_TABLES + SEARCH_FILL:
        op.execute(statement)
    for name, body in SEARCH_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


# --- page-cache versions -----------------------------------------------------------

SQLITE_NEW_VALUE = "(random() >> 2)"
POSTGRES_NEW_VALUE = "floor(random() * 4611686018427387904)::bigint"
VERSIONED_TABLES = ("expenses", "categories", "budgets", "tags", "receipts")
SHOWN_USER_COLUMNS = "username, email, full_name"
LINK_LEDGER = "(SELECT ledger_id FROM expenses WHERE id = {row}.expense_id)"
EVENT_ROWS = (("insert", ("NEW",)), ("update", ("OLD", "NEW")), ("delete", ("OLD",)))


def _sqlite_set(table, ids):
    return f"UPDATE {table} SET data_version = {SQLITE_NEW_VALUE} WHERE id IN ({ids});"


def _sqlite_version_triggers():
    triggers = {}
    for table in (*VERSIONED_TABLES, "expense_tags", "ledger_members"):
        for event, rows in EVENT_ROWS:
            ledgers = ", ".join(
                LINK_LEDGER.format(row=r) if table == "expense_tags" else f"{r}.ledger_id"
                for r in rows
            )
            body = _sqlite_set("ledgers", ledgers)
            if table == "ledger_members":
                body += " " + _sqlite_set("users", ", ".join(f"{r}.user_id" for r in rows))
            triggers[f"{table}_data_version_{event}"] = (
                f"AFTER {event.upper()} ON {table} BEGIN {body} END"
            )
    triggers["ledgers_data_version_update"] = (
        "AFTER UPDATE OF name ON ledgers"
        " WHEN OLD.data_version IS NEW.data_version AND OLD.name IS NOT NEW.name BEGIN "
        + _sqlite_set("ledgers", "NEW.id") + " "
        + _sqlite_set("users", "SELECT user_id FROM ledger_members WHERE ledger_id = NEW.id")
        + " END"
    )
    triggers["users_data_version_update"] = (
        f"AFTER UPDATE OF {SHOWN_USER_COLUMNS} ON users"
        " WHEN OLD.data_version IS NEW.data_version BEGIN "
        + _sqlite_set("users", "NEW.id") + " "
        + _sqlite_set(
            "ledgers",
            "SELECT ledger_id FROM ledger_members"
            " WHERE user_id = NEW.id AND NEW.username IS NOT OLD.username",
        )
        + " END"
    )
    return triggers


# PostgreSQL. `expenses_app.data_version_noted` lists, in a transaction, every
# ledger (`l:<id>,`) and user (`u:<id>,`) written so far; `..._done` is how much
# of that list has been given new values. Each is set at most once per transaction.
POSTGRES_NOTE = """
CREATE FUNCTION data_version_note(kind text, changed uuid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    entry text := kind || changed::text || ',';
    noted text;
BEGIN
    IF changed IS NULL
       OR current_setting('expenses_app.data_version_last', true) = entry THEN
        RETURN;
    END IF;
    PERFORM set_config('expenses_app.data_version_last', entry, true);
    noted := coalesce(current_setting('expenses_app.data_version_noted', true), '');
    IF strpos(noted, entry) = 0 THEN
        PERFORM set_config('expenses_app.data_version_noted', noted || entry, true);
    END IF;
END $$
"""
# At commit (a deferred constraint trigger): ledgers, then users, each in id
# order, so two committing writers take these row locks in one order.
POSTGRES_FLUSH = f"""
CREATE FUNCTION data_version_flush() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    noted text := coalesce(current_setting('expenses_app.data_version_noted', true), '');
    done integer := coalesce(
        nullif(current_setting('expenses_app.data_version_done', true), '')::integer, 0);
    pending text[];
    changed uuid;
BEGIN
    IF length(noted) <= done THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('expenses_app.data_version_done', length(noted)::text, true);
    pending := string_to_array(rtrim(substr(noted, done + 1), ','), ',');
    FOR changed IN SELECT DISTINCT substr(entry, 3)::uuid FROM unnest(pending) AS entry
                   WHERE left(entry, 2) = 'l:' ORDER BY 1 LOOP
        UPDATE ledgers SET data_version = {POSTGRES_NEW_VALUE} WHERE id = changed;
    END LOOP;
    FOR changed IN SELECT DISTINCT substr(entry, 3)::uuid FROM unnest(pending) AS entry
                   WHERE left(entry, 2) = 'u:' ORDER BY 1 LOOP
        UPDATE users SET data_version = {POSTGRES_NEW_VALUE} WHERE id = changed;
    END LOOP;
    RETURN NULL;
END $$
"""
# The row-level functions that note what a write changes: name -> body.
POSTGRES_NOTERS = {
    "owned": """
    IF TG_OP <> 'INSERT' THEN PERFORM data_version_note('l:', OLD.ledger_id); END IF;
    IF TG_OP <> 'DELETE' THEN PERFORM data_version_note('l:', NEW.ledger_id); END IF;""",
    "link": """
    IF TG_OP <> 'INSERT' THEN PERFORM data_version_note('l:',
        (SELECT ledger_id FROM expenses WHERE id = OLD.expense_id)); END IF;
    IF TG_OP <> 'DELETE' THEN PERFORM data_version_note('l:',
        (SELECT ledger_id FROM expenses WHERE id = NEW.expense_id)); END IF;""",
    "member": """
    IF TG_OP <> 'INSERT' THEN
        PERFORM data_version_note('l:', OLD.ledger_id);
        PERFORM data_version_note('u:', OLD.user_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM data_version_note('l:', NEW.ledger_id);
        PERFORM data_version_note('u:', NEW.user_id);
    END IF;""",
    "renamed": """
    PERFORM data_version_note('l:', NEW.id);
    PERFORM data_version_note('u:', user_id) FROM ledger_members WHERE ledger_id = NEW.id;""",
    "account": """
    PERFORM data_version_note('u:', NEW.id);
    IF OLD.username IS DISTINCT FROM NEW.username THEN
        PERFORM data_version_note('l:', ledger_id) FROM ledger_members WHERE user_id = NEW.id;
    END IF;""",
}
# Taken by the statements that lock a ledger or user row and then need the other.
ADVISORY_LOCK = 7370946213
POSTGRES_LOCK = f"""
CREATE FUNCTION data_version_lock() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({ADVISORY_LOCK});
    RETURN NULL;
END $$
"""
VERSION_FUNCTION_SIGNATURES = (
        "data_version_note(text, uuid)",
        "data_version_flush()",
        "data_version_lock()",
    *(f"data_version_note_{name}()" for name in POSTGRES_NOTERS),
)


def _shown(row):
    return ", ".join(f"{row}.{column}" for column in SHOWN_USER_COLUMNS.split(", "))


def _postgres_version_triggers():
    """Trigger name -> (table, CREATE statement)."""
    events = {table: "INSERT OR UPDATE OR DELETE" for table in (*VERSIONED_TABLES, "expense_tags")}
    events["ledger_members"] = "INSERT OR UPDATE OR DELETE"
    events["ledgers"] = "UPDATE OF name"
    events["users"] = f"UPDATE OF {SHOWN_USER_COLUMNS}"
    noter = dict.fromkeys(VERSIONED_TABLES, "owned") | {
        "expense_tags": "link", "ledger_members": "member", "ledgers": "renamed", "users": "account"
    }  # fmt: skip
    when = {
        "ledgers": " WHEN (OLD.name IS DISTINCT FROM NEW.name)",
        "users": f" WHEN (({_shown('OLD')}) IS DISTINCT FROM ({_shown('NEW')}))",
    }
    triggers = {}
    for table, event in events.items():
        triggers[f"{table}_data_version_note"] = (table, (
            f"CREATE TRIGGER {table}_data_version_note AFTER {event} ON {table}"
            f" FOR EACH ROW{when.get(table, '')}"
            f" EXECUTE FUNCTION data_version_note_{noter[table]}()"))
        triggers[f"{table}_data_version"] = (table, (
            f"CREATE CONSTRAINT TRIGGER {table}_data_version AFTER {event} ON {table}"
            " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_flush()"))
    locking = {"ledger_members": "INSERT OR UPDATE OR DELETE", "ledgers": "UPDATE OF name OR DELETE",
               "users": "UPDATE OF username OR DELETE"}  # fmt: skip
    for table, event in locking.items():
        triggers[f"{table}_data_version_lock"] = (table, (
            f"CREATE TRIGGER {table}_data_version_lock BEFORE {event} ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION data_version_lock()"))
    return triggers  # fmt: skip


def version_trigger_tables(dialect):
    """Trigger name -> the table it is on (what `derived/data_version.py` checks)."""
    if dialect == "sqlite":
        return {name: name.split("_data_version")[0] for name in _sqlite_version_triggers()}
    return {name: table for name, (table, _) in _postgres_version_triggers().items()}


def create_version_triggers(dialect):
    """The triggers (and PostgreSQL functions) that set `ledgers.data_version` and
    `users.data_version`; see the module docstring."""
    if dialect == "sqlite":
        for name, body in _sqlite_version_triggers().items():
            op.execute(f"CREATE TRIGGER {name} {body}")
        return
    op.execute(POSTGRES_NOTE)
    op.execute(POSTGRES_FLUSH)
    op.execute(POSTGRES_LOCK)
    for name, body in POSTGRES_NOTERS.items():
        op.execute(
            f"CREATE FUNCTION data_version_note_{name}() RETURNS trigger LANGUAGE plpgsql AS $$"
            f"\nBEGIN{body}\n    RETURN NULL;\nEND $$"
        )
    for _, statement in _postgres_version_triggers().values():
        op.execute(statement)


# --- the old structures' triggers (0005-0007) ----------------------------------------

OLD_SQLITE_TRIGGERS = (
    [f"expense_month_totals_{event}" for event in ("insert", "update", "delete")]
    + list(SEARCH_TRIGGERS)
    + [
        f"{table}_data_version_{event}"
        for table in VERSIONED_TABLES + ("expense_tags",)
        for event in ("insert", "update", "delete")
    ]
    + ["users_data_version_update"]
)
OLD_POSTGRES_FUNCTIONS = (
    "expense_month_totals_apply()",
    "expense_month_totals_add(expenses)",
    "expense_month_totals_remove(expenses)",
    "users_data_version_set(uuid)",
    "users_data_version_owned()",
    "users_data_version_link()",
    "users_data_version_shown()",
)


def drop_triggers(dialect, sqlite_names, postgres_functions):
    """Drop triggers by name (SQLite) or their functions with CASCADE (PostgreSQL)."""
    if dialect == "sqlite":
        for name in sqlite_names:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        for signature in postgres_functions:
            op.execute(f"DROP FUNCTION IF EXISTS {signature} CASCADE")


def new_sqlite_triggers():
    return (
        list(_sqlite_totals_triggers()) + list(SEARCH_TRIGGERS) + list(_sqlite_version_triggers())
    )


def new_postgres_functions():
    return (
        "expense_month_totals_apply()",
        "expense_month_totals_add(expenses)",
        "expense_month_totals_remove(expenses)",
    ) + VERSION_FUNCTION_SIGNATURES


# --- schema ---------------------------------------------------------------------------


def _create_ledger_tables():
    op.create_table(
        "ledgers",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("data_version", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledgers")),
    )
    op.create_table(
        "ledger_members",
        sa.Column("ledger_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('owner', 'member', 'viewer')", name=op.f("ck_ledger_members_role_valid")
        ),
        sa.ForeignKeyConstraint(
            ["ledger_id"], ["ledgers.id"],
            name=op.f("fk_ledger_members_ledger_id_ledgers"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"],
            name=op.f("fk_ledger_members_user_id_users"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ledger_id", "user_id", name=op.f("pk_ledger_members")),
    )
    op.create_index(
        op.f("ix_ledger_members_user_id_joined_at"), "ledger_members", ["user_id", "joined_at"]
    )
    op.create_table(
        "ledger_invites",
        sa.Column("ledger_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.Uuid(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("role IN ('member', 'viewer')", name=op.f("ck_ledger_invites_role_valid")),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"],
            name=op.f("fk_ledger_invites_created_by_users"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ledger_id"], ["ledgers.id"],
            name=op.f("fk_ledger_invites_ledger_id_ledgers"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["used_by"], ["users.id"],
            name=op.f("fk_ledger_invites_used_by_users"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_invites")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_ledger_invites_token_hash")),
    )
    op.create_index(
        op.f("ix_ledger_invites_ledger_id_created_at"), "ledger_invites", ["ledger_id", "created_at"]
    )


def _current_ledger_columns():
    for table, column in (("users", "last_ledger_id"), ("user_sessions", "ledger_id")):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column(column, sa.Uuid(), nullable=True))
            batch.create_foreign_key(
                op.f(f"fk_{table}_{column}_ledgers"), "ledgers", [column], ["id"],
                ondelete="SET NULL",
            )


def _personal_ledgers(dialect):
    """Each user's own ledger (id = the user's), owned since the account was made, current
    everywhere. New versions for every ledger and user: every page's key changes anyway."""
    value = SQLITE_NEW_VALUE if dialect == "sqlite" else POSTGRES_NEW_VALUE
    return [
        "INSERT INTO ledgers (id, name, data_version, created_at, updated_at)"
        f" SELECT id, 'Personal', {value}, created_at, created_at FROM users",
        "INSERT INTO ledger_members (ledger_id, user_id, role, joined_at)"
        " SELECT id, id, 'owner', created_at FROM users",
        f"UPDATE users SET last_ledger_id = id, data_version = {value}",
        "UPDATE user_sessions SET ledger_id = user_id",
    ]


def _move_owned_rows(dialect):
    """categories, tags, budgets, receipts: `user_id` becomes `ledger_id`."""
    for table in OWNED:
        op.add_column(table, sa.Column("ledger_id", sa.Uuid(), nullable=True))
        op.execute(f"UPDATE {table} SET ledger_id = user_id")
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_user_id_users", type_="foreignkey")
            if table in ("categories", "tags"):
                batch.drop_constraint(f"uq_{table}_user_id_name_key", type_="unique")
            else:
                batch.drop_index(f"ix_{table}_user_id")
            batch.drop_column("user_id")
            batch.alter_column("ledger_id", existing_type=sa.Uuid(), nullable=False)
            batch.create_foreign_key(
                f"fk_{table}_ledger_id_ledgers", "ledgers", ["ledger_id"], ["id"],
                ondelete="CASCADE",
            )
            if table in ("categories", "tags"):
                batch.create_unique_constraint(
                    f"uq_{table}_ledger_id_name_key", ["ledger_id", "name_key"]
                )
            else:
                batch.create_index(f"ix_{table}_ledger_id", ["ledger_id"])


def _expense_indexes(key, dialect, drop=False):
    """The list's indexes (0003, 0004, 0008) led by `key`; `drop` removes them."""
    plain = {f"ix_expenses_{key}_date": "date", f"ix_expenses_{key}_amount_cents": "amount_cents"}
    for name, column in plain.items():
        op.execute(
            f"DROP INDEX {name}" if drop else f"CREATE INDEX {name} ON expenses ({key}, {column})"
        )
    for name, columns in LIVE_INDEXES:
        include = " INCLUDE (category_id)" if dialect == "postgresql" and "amount" in name else ""
        op.execute(
            f"DROP INDEX {name}"
            if drop
            else f"CREATE INDEX {name} ON expenses ({key}, {columns}, deleted_at){include}"
            " WHERE deleted_at IS NULL"
        )
    if dialect == "postgresql":
        statistics = STATISTICS[key]
        op.execute(
            f"DROP STATISTICS IF EXISTS {statistics}"
            if drop
            else f"CREATE STATISTICS {statistics} (dependencies) ON {key}, category_id FROM expenses"
        )


def _move_expenses(dialect):
    """Expenses get `ledger_id` and `private`; `user_id` stays as who added it."""
    _expense_indexes("user_id", dialect, drop=True)
    op.add_column("expenses", sa.Column("ledger_id", sa.Uuid(), nullable=True))
    op.add_column(
        "expenses",
        sa.Column("private", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.execute("UPDATE expenses SET ledger_id = user_id")
    with op.batch_alter_table("expenses") as batch:
        batch.drop_constraint("fk_expenses_user_id_users", type_="foreignkey")
        batch.alter_column("user_id", existing_type=sa.Uuid(), nullable=True)
        batch.alter_column("ledger_id", existing_type=sa.Uuid(), nullable=False)
        batch.create_foreign_key(
            "fk_expenses_user_id_users", "users", ["user_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_foreign_key(
            "fk_expenses_ledger_id_ledgers", "ledgers", ["ledger_id"], ["id"], ondelete="CASCADE"
        )
    _expense_indexes("ledger_id", dialect)
    op.create_index("ix_expenses_user_id", "expenses", ["user_id"])


def _replace_derived(dialect):
    """The derived structures, dropped with their old triggers, made again per ledger."""
    op.drop_table("expense_month_totals")
    _create_month_totals()
    op.execute(backfill(dialect))
    create_month_total_triggers(dialect)
    if dialect == "sqlite":
        for table in OLD_SEARCH_TABLES:
            op.execute(f"DROP TABLE IF EXISTS {table}")
        _create_search_index()
    create_version_triggers(dialect)


def upgrade():
    dialect = op.get_bind().dialect.name
    drop_triggers(dialect, OLD_SQLITE_TRIGGERS, OLD_POSTGRES_FUNCTIONS)
    _create_ledger_tables()
    _current_ledger_columns()
    for statement in _personal_ledgers(dialect):
        op.execute(statement)
    _move_owned_rows(dialect)
    _move_expenses(dialect)
    _replace_derived(dialect)
    if dialect == "postgresql":
        op.execute("ANALYZE expenses")


# --- downgrade -------------------------------------------------------------------------

OLDEST_OWNER = (
    "(SELECT m.user_id FROM ledger_members m WHERE m.ledger_id = {table}.ledger_id"
    " AND m.role = 'owner' ORDER BY m.joined_at, m.user_id LIMIT 1)"
)


# What 0008's per-user schema cannot hold: checked before anything changes.
OWNERS = (
    "WITH owners AS (SELECT l.id AS ledger_id, (SELECT m.user_id FROM ledger_members m"
    " WHERE m.ledger_id = l.id AND m.role = 'owner' ORDER BY m.joined_at, m.user_id LIMIT 1)"
    " AS user_id FROM ledgers l) "
)
REFUSALS = {
    "a ledger with rows has no owner": " UNION ALL ".join(
        f"SELECT t.ledger_id FROM {t} t JOIN owners o ON o.ledger_id = t.ledger_id"
        " WHERE o.user_id IS NULL"
        for t in (*OWNED, "expenses")
    ),
    "one user would get two categories or tags of the same name": " UNION ALL ".join(
        f"SELECT o.user_id FROM {t} t JOIN owners o ON o.ledger_id = t.ledger_id"
        " GROUP BY o.user_id, t.name_key HAVING count(*) > 1"
        for t in ("categories", "tags")
    ),
}


def _refuse_unless_personal():
    bind = op.get_bind()
    for reason, query in REFUSALS.items():
        if bind.exec_driver_sql(f"{OWNERS}SELECT count(*) FROM ({query}) AS found").scalar():
            raise RuntimeError(f"cannot downgrade below 0009: {reason}; nothing was changed")


def _earlier(revision):
    """The module of an earlier migration of this directory (for its trigger SQL)."""
    import importlib.util
    from pathlib import Path

    (path,) = Path(__file__).parent.glob(f"{revision}_*.py")
    spec = importlib.util.spec_from_file_location(f"_downgrade_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _owned_rows_back():
    for table in OWNED:
        op.add_column(table, sa.Column("user_id", sa.Uuid(), nullable=True))
        op.execute(f"UPDATE {table} SET user_id = {OLDEST_OWNER.format(table=table)}")
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_ledger_id_ledgers", type_="foreignkey")
            if table in ("categories", "tags"):
                batch.drop_constraint(f"uq_{table}_ledger_id_name_key", type_="unique")
            else:
                batch.drop_index(f"ix_{table}_ledger_id")
            batch.drop_column("ledger_id")
            batch.alter_column("user_id", existing_type=sa.Uuid(), nullable=False)
            batch.create_foreign_key(
                f"fk_{table}_user_id_users", "users", ["user_id"], ["id"], ondelete="CASCADE"
            )
            if table in ("categories", "tags"):
                batch.create_unique_constraint(f"uq_{table}_user_id_name_key", ["user_id", "name_key"])
            else:
                batch.create_index(f"ix_{table}_user_id", ["user_id"])


def _expenses_back(dialect):
    _expense_indexes("ledger_id", dialect, drop=True)
    op.drop_index("ix_expenses_user_id", "expenses")
    op.execute(f"UPDATE expenses SET user_id = {OLDEST_OWNER.format(table='expenses')}")
    with op.batch_alter_table("expenses") as batch:
        batch.drop_constraint("fk_expenses_ledger_id_ledgers", type_="foreignkey")
        batch.drop_constraint("fk_expenses_user_id_users", type_="foreignkey")
        batch.drop_column("ledger_id")
        batch.drop_column("private")
        batch.alter_column("user_id", existing_type=sa.Uuid(), nullable=False)
        batch.create_foreign_key(
            "fk_expenses_user_id_users", "users", ["user_id"], ["id"], ondelete="CASCADE"
        )
    _expense_indexes("user_id", dialect)


def _old_derived(dialect):
    """0005-0007's structures again, filled from the per-user rows."""
    totals, search, versions = _earlier("0005"), _earlier("0006"), _earlier("0007")
    op.drop_table("expense_month_totals")
    totals.upgrade()
    if dialect == "sqlite":
        # 0006's upgrade also drops 0003's search index, which this schema no longer has.
        op.execute(search.SEARCH_INDEX)
        search.upgrade()
    versions.create_triggers(dialect)


def downgrade():
    dialect = op.get_bind().dialect.name
    _refuse_unless_personal()
    drop_triggers(dialect, new_sqlite_triggers(), new_postgres_functions())
    if dialect == "sqlite":
        for table in ("expense_search_text", "expense_search_rows", "expense_search_ledgers"):
            op.execute(f"DROP TABLE IF EXISTS {table}")
    _expenses_back(dialect)
    _owned_rows_back()
    for table, column in (("users", "last_ledger_id"), ("user_sessions", "ledger_id")):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_{column}_ledgers", type_="foreignkey")
            batch.drop_column(column)
    for table in ("ledger_invites", "ledger_members"):
        op.drop_table(table)
    _old_derived(dialect)
    op.drop_table("ledgers")
