"""EXPERIMENT (not in migrations/versions): SQLite search as SQLite's documented FTS5
external-content table, replacing migration 0006's per-user blocks of copied rows.

The pattern of https://sqlite.org/fts5.html section 4.4.3 ("External Content
Tables"): `expense_fts` indexes `expenses.description` and `notes` under the
expense's rowid (`expenses` has a UUID primary key, so it is a rowid table with
an implicit rowid), and three triggers keep it in step: insert, delete, and an
update of the indexed columns, each handing FTS5 the old values to unindex.
Trigram tokenizer, no positions (detail=none) and no column sizes, as 0006's
index, so the two designs differ only by the blocks and the copies.

Caveat a port must keep in mind: an implicit rowid is not stable across
`VACUUM` or a batch migration that recreates `expenses`; either must be
followed by `INSERT INTO expense_fts(expense_fts) VALUES('rebuild')` (the
`check` of the derived structures can compare with 'integrity-check').

Applied to a copy of the bench database by `bench.experiments.search_compare`;
to port it, copy it into migrations/versions (revision 0009).

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

CREATE = (
    "CREATE VIRTUAL TABLE expense_fts USING fts5(description, notes, content='expenses',"
    " content_rowid='rowid', detail='none', columnsize=0, tokenize='trigram')"
)
REBUILD = "INSERT INTO expense_fts(expense_fts) VALUES ('rebuild')"
_INDEX = (
    "INSERT INTO expense_fts(rowid, description, notes)"
    " VALUES (new.rowid, new.description, new.notes);"
)
_UNINDEX = (
    "INSERT INTO expense_fts(expense_fts, rowid, description, notes)"
    " VALUES ('delete', old.rowid, old.description, old.notes);"
)
TRIGGERS = {
    "expense_fts_insert": f"AFTER INSERT ON expenses BEGIN {_INDEX} END",
    "expense_fts_delete": f"AFTER DELETE ON expenses BEGIN {_UNINDEX} END",
    "expense_fts_update": (
        f"AFTER UPDATE OF description, notes ON expenses BEGIN {_UNINDEX} {_INDEX} END"
    ),
}
# Migration 0006's structures, which this replaces.
OLD_TRIGGERS = (
    "expense_search_insert",
    "expense_search_delete",
    "expense_search_retext",
    "expense_search_update",
)
OLD_TABLES = ("expense_search_text", "expense_search_rows", "expense_search_users")


def statements() -> list[str]:
    """The upgrade, as SQL (the experiment runs it on a copy without Alembic)."""
    drops = [f"DROP TRIGGER IF EXISTS {name}" for name in OLD_TRIGGERS]
    drops += [f"DROP TABLE IF EXISTS {name}" for name in OLD_TABLES]
    creates = [f"CREATE TRIGGER {name} {body}" for name, body in TRIGGERS.items()]
    return [*drops, CREATE, REBUILD, *creates]


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in statements():
        op.execute(statement)


def downgrade():
    # A port would run migration 0006's upgrade statements again here.
    raise NotImplementedError("experiment: restore a copy of the database instead")
