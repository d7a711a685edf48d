"""Operator commands: `flask seed-categories`, `purge-trash`, `backup`, `restore`, `demo-data`,
`db check-derived`, `users`, `recurring run`, `jobs run`."""

from __future__ import annotations

from flask import Flask

from .backup import backup_command, restore_command
from .demo import demo_data_command
from .derived import attach_to_migrate_group
from .jobs import jobs_group
from .purge import purge_trash_command
from .recurring import recurring_group  # issue 14
from .seed import seed_categories_command
from .users import users_group  # issue 15

COMMANDS = (
    seed_categories_command,
    purge_trash_command,
    backup_command,
    restore_command,
    demo_data_command,
    users_group,  # issue 15
    recurring_group,
    jobs_group,
)


def register_cli(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)
    attach_to_migrate_group(app)
