"""`users.data_version`: a value that changes whenever anything a user's pages show changes.

The page cache (`expenses_app/page_cache.py`) keys rendered pages on it, so it
must change with every write, whichever code path makes it: forms, imports,
`demo-data`, restores, cascades, raw SQL. Triggers therefore set it, on the
tables the pages read (expenses, categories, budgets, tags, the expense-tag
links, receipts) and on the user columns the pages show.

The new value is random, not a counter: a counter could come back to a value
it had before (a restore, a deleted and recreated row), and then a page
cached for the old data would be served for the new. Equal values are as good
as impossible (62 random bits).

PostgreSQL sets it once per user per transaction, from a deferred constraint
trigger, i.e. at commit: every writer then takes the user's row lock last, so
it cannot wait in a cycle with another writer's locks on the monthly totals.
SQLite writes one at a time and sets it after each row.

A batch migration that recreates one of these tables on SQLite drops its
triggers: it must run `create_triggers` again (tests check they exist at head).

Revision ID: 0007
Revises: 0006
"""

from alembic import op
import sqlalchemy as sa


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The tables with a `user_id` column whose rows the pages show.
OWNED_TABLES = ("expenses", "categories", "budgets", "tags", "receipts")
LINK_USER = "(SELECT user_id FROM expenses WHERE id = {row}.expense_id)"
SHOWN_USER_COLUMNS = "username, email, full_name"
SQLITE_NEW_VALUE = "random() >> 2"
POSTGRES_NEW_VALUE = "floor(random() * 4611686018427387904)::bigint"


def _sqlite_triggers():
    triggers = {}
    for table in OWNED_TABLES + ("expense_tags",):
        for event, row in (("insert", "NEW"), ("update", "NEW"), ("delete", "OLD")):
            user = LINK_USER.format(row=row) if table == "expense_tags" else f"{row}.user_id"
            triggers[f"{table}_data_version_{event}"] = (
                f"AFTER {event.upper()} ON {table} BEGIN UPDATE users"
                f" SET data_version = {SQLITE_NEW_VALUE} WHERE id = {user}; END"
            )
    triggers["users_data_version_update"] = (
        f"AFTER UPDATE OF {SHOWN_USER_COLUMNS} ON users"
        " WHEN OLD.data_version IS NEW.data_version BEGIN UPDATE users"
        f" SET data_version = {SQLITE_NEW_VALUE} WHERE id = NEW.id; END"
    )
    return triggers


# The ids of the users already given a new value in this transaction live in
# a transaction-local setting, so a 10,000-row import updates the user once.
POSTGRES_FUNCTIONS = [
    f"""
CREATE FUNCTION users_data_version_set(changed uuid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    done text := coalesce(current_setting('expenses_app.data_version_set', true), '');
BEGIN
    IF changed IS NULL OR strpos(done, changed::text) > 0 THEN
        RETURN;
    END IF;
    PERFORM set_config('expenses_app.data_version_set', done || changed::text || ',', true);
    UPDATE users SET data_version = {POSTGRES_NEW_VALUE} WHERE id = changed;
END $$
""",
    """
CREATE FUNCTION users_data_version_owned() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM users_data_version_set(OLD.user_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM users_data_version_set(NEW.user_id);
    END IF;
    RETURN NULL;
END $$
""",
    """
CREATE FUNCTION users_data_version_link() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM users_data_version_set((SELECT user_id FROM expenses WHERE id = OLD.expense_id));
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM users_data_version_set((SELECT user_id FROM expenses WHERE id = NEW.expense_id));
    END IF;
    RETURN NULL;
END $$
""",
    f"""
CREATE FUNCTION users_data_version_shown() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.data_version := {POSTGRES_NEW_VALUE};
    RETURN NEW;
END $$
""",
]


def _row_of(row):
    return ", ".join(f"{row}.{column}" for column in SHOWN_USER_COLUMNS.split(", "))


def _postgres_triggers():
    triggers = {}
    for table in OWNED_TABLES + ("expense_tags",):
        function = "link" if table == "expense_tags" else "owned"
        triggers[f"{table}_data_version"] = (
            f"CREATE CONSTRAINT TRIGGER {table}_data_version"
            f" AFTER INSERT OR UPDATE OR DELETE ON {table}"
            " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
            f" EXECUTE FUNCTION users_data_version_{function}()"
        )
    triggers["users_data_version"] = (
        f"CREATE TRIGGER users_data_version BEFORE UPDATE OF {SHOWN_USER_COLUMNS} ON users"
        " FOR EACH ROW WHEN (OLD.data_version = NEW.data_version"
        f" AND ({_row_of('OLD')}) IS DISTINCT FROM ({_row_of('NEW')}))"
        " EXECUTE FUNCTION users_data_version_shown()"
    )
    return triggers


def trigger_tables(dialect):
    """Trigger name → the table it is on, for the tests that check they exist."""
    names = _sqlite_triggers() if dialect == "sqlite" else _postgres_triggers()
    return {name: name.split("_data_version")[0] for name in names}


def create_triggers(dialect):
    """The triggers (and PostgreSQL functions) that set `data_version`; see the docstring."""
    if dialect == "sqlite":
        for name, body in _sqlite_triggers().items():
            op.execute(f"CREATE TRIGGER {name} {body}")
        return
    for statement in POSTGRES_FUNCTIONS + list(_postgres_triggers().values()):
        op.execute(statement)


def upgrade():
    op.add_column(
        "users",
        sa.Column("data_version", sa.BigInteger(), nullable=False, server_default="0"),
    )
    create_triggers(op.get_bind().dialect.name)


def downgrade():
    dialect = op.get_bind().dialect.name
    for name, table in trigger_tables(dialect).items():
        op.execute(f"DROP TRIGGER {name}" + ("" if dialect == "sqlite" else f" ON {table}"))
    if dialect == "postgresql":
        for function in ("shown", "link", "owned"):
            op.execute(f"DROP FUNCTION users_data_version_{function}()")
        op.execute("DROP FUNCTION users_data_version_set(uuid)")
    op.drop_column("users", "data_version")
