"""`flask db check-derived [--rebuild]`: whether the derived structures match their sources."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy.exc import OperationalError

from ..derived import check_all, out_of_step, rebuild_all
from ..extensions import db


def _echo_results(results: dict[str, list[str] | None]) -> None:
    for name, problems in results.items():
        if problems is None:
            click.echo(f"{name}: not on this database")
        elif not problems:
            click.echo(f"{name}: ok")
        else:
            click.echo(f"{name}: differs")
            for problem in problems:
                click.echo(f"  {problem}")


@click.command("check-derived")
@click.option("--rebuild", is_flag=True, help="Rebuild what differs, then check again.")
@with_appcontext
def check_derived_command(rebuild: bool) -> None:
    """Compare each derived structure (monthly totals, search index, page-cache version)
    with a plain recomputation from its source tables, and check its triggers exist.

    Prints one line per structure; exits 1 when any differs. With --rebuild,
    the structures that differ are rebuilt in one transaction and checked again.
    """
    with db.engine.begin() as connection:
        results = check_all(connection)
        _echo_results(results)
        if not out_of_step(results):
            return
        if not rebuild:
            raise SystemExit(1)
        try:
            rebuild_all(connection, only={name for name, problems in results.items() if problems})
        except OperationalError as exc:
            raise click.ClickException(
                f"could not rebuild, nothing was changed: {str(exc.orig).strip()}"
            ) from None
        click.echo("Rebuilt; checking again:")
        results = check_all(connection)
        _echo_results(results)
        if out_of_step(results):
            # Raised inside the transaction: the database stays as it was, not half repaired.
            raise SystemExit(1)


def attach_to_migrate_group(app: Flask) -> None:
    """Add `check-derived` to this app's `flask db` group.

    Flask-Migrate registers one module-level click group for every app in the
    process; adding a command to it would change it for all of them. So the
    app gets its own copy of the group (same options and callback, the same
    commands plus ours) under the same name.
    """
    migrate_group = app.cli.commands["db"]
    group = click.Group(
        name=migrate_group.name,
        commands={**migrate_group.commands, check_derived_command.name: check_derived_command},
        callback=migrate_group.callback,
        params=migrate_group.params,
        help=migrate_group.help,
    )
    app.cli.add_command(group)
