"""Alembic environment for Flask-Migrate.

SQLite needs care: batch migrations recreate tables, and with foreign keys ON,
dropping a parent table (say `categories`) cascades deletes into its children.
So foreign keys are switched off around SQLite migrations (the pragma is a
no-op inside a transaction, hence on the raw connection before it begins),
and `PRAGMA foreign_key_check` must come back empty before the commit.
"""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import BigInteger, DateTime

from expenses_app.models.expense import DIALECT_SPECIFIC_INDEXES
from expenses_app.models.expense_search import SQLITE_SEARCH_TABLES
from expenses_app.models.types import Money, UTCDateTime

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db


def get_engine():
    return target_db.engine


def render_item(type_, obj, autogen_context):
    """Write our column types as their plain SQL equivalents, so migration files
    do not depend on application code that may change later."""
    if type_ == "type" and isinstance(obj, Money):
        return "sa.BigInteger()"
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def compare_type(context, inspected_column, metadata_column, inspected_type, metadata_type):
    if isinstance(metadata_type, Money):
        return not isinstance(inspected_type, BigInteger)
    if isinstance(metadata_type, UTCDateTime):
        return not isinstance(inspected_type, DateTime)
    return None


# Autogenerate must neither drop nor recreate the dialect-specific search indexes,
# nor touch SQLite's search tables (derived, kept by triggers: migration 0006).
def include_name(name, type_, parent_names):
    return not (type_ == "table" and name in SQLITE_SEARCH_TABLES)


def include_object(obj, name, type_, reflected, compare_to):
    if type_ == "table":
        return name not in SQLITE_SEARCH_TABLES
    return not (type_ == "index" and name in DIALECT_SPECIFIC_INDEXES)


def run_migrations_offline():
    context.configure(
        url=get_engine().url.render_as_string(hide_password=False),
        target_metadata=target_db.metadata,
        literal_binds=True,
        render_as_batch=True,
        render_item=render_item,
        include_name=include_name,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def process_revision_directives(context_, revision, directives):
    # An autogenerate run that finds no change writes no empty revision file.
    if getattr(config.cmd_opts, "autogenerate", False):
        script = directives[0]
        if script.upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")


def _set_sqlite_foreign_keys(connection, enabled):
    raw = connection.connection.driver_connection
    raw.execute(f"PRAGMA foreign_keys={'ON' if enabled else 'OFF'}")


def run_migrations_online():
    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args["render_as_batch"] = True
    conf_args["render_item"] = render_item
    conf_args["compare_type"] = compare_type
    conf_args["include_name"] = include_name
    conf_args["include_object"] = include_object

    engine = get_engine()
    is_sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if is_sqlite:
            _set_sqlite_foreign_keys(connection, False)
        try:
            # One transaction for the whole upgrade on both databases (SQLite's DDL
            # is transactional once the driver stops committing behind our back),
            # so a failing migration leaves the schema exactly as it was.
            with connection.begin():
                context.configure(
                    connection=connection,
                    target_metadata=target_db.metadata,
                    transactional_ddl=True,
                    **conf_args,
                )
                with context.begin_transaction():
                    context.run_migrations()
                if is_sqlite:
                    _check_foreign_keys(connection)
        finally:
            if is_sqlite:
                _set_sqlite_foreign_keys(connection, True)


def _check_foreign_keys(connection):
    violations = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if violations:
        raise RuntimeError(
            f"migration left {len(violations)} foreign key violations "
            f"(first: {tuple(violations[0])!r}); nothing was changed"
        )


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
