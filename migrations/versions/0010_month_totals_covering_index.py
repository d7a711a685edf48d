"""On PostgreSQL the monthly totals of a ledger's months are read from an index alone.

Since 0009 the totals are also split by whose private expenses they sum, so a
ledger of ten members holds several times the rows of a one-member ledger
(4,629 against 675 in the bench's shared ledger), and the triggers' constant
updates scatter them over the heap: this year's rows of the shared ledger sat
on 910 pages (95 for the single-user one), and the reports' totals read 1,081
buffers, 6-9 ms. With the summed columns in an index on (ledger, month) the
same query is an index-only scan: 0.5-0.75 ms for the shared ledger, 0.55 ms
for the single-user one (bench/README.md, "Shared ledger"; measured with
`python -m bench.shared_compare` and EXPLAIN (ANALYZE, BUFFERS)).

SQLite keeps its totals in a WITHOUT ROWID table ordered by that same key
(0005), which is already this index, so nothing changes there.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

INDEX = "ix_expense_month_totals_covering"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"CREATE INDEX {INDEX} ON expense_month_totals (ledger_id, month)"
        " INCLUDE (category_id, payment_method, private_of, expense_count, amount_cents)"
    )
    op.execute("ANALYZE expense_month_totals")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP INDEX IF EXISTS {INDEX}")
