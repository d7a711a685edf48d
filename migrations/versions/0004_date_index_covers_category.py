"""The live-expenses date index also holds category_id.

Date-range totals per category (the dashboard's month, the reports page)
then run on the index alone: before, each expense in the range was read from
the table for its category (measured by `make bench` with 100,000 expenses
for the user). Rebuilt in place: same name, one more column.

Revision ID: 0004
Revises: 0003
"""

from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

NAME = "ix_expenses_live_date"
LIVE = sa.text("deleted_at IS NULL")
BEFORE = ["user_id", "date", "created_at", "id", "amount_cents", "payment_method", "deleted_at"]
AFTER = BEFORE[:-1] + ["category_id", "deleted_at"]


def _rebuild(columns):
    op.drop_index(NAME, table_name="expenses")
    op.create_index(
        NAME, "expenses", columns, unique=False, sqlite_where=LIVE, postgresql_where=LIVE
    )


def upgrade():
    _rebuild(AFTER)


def downgrade():
    _rebuild(BEFORE)
