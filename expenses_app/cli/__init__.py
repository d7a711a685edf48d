"""Operator commands: `flask seed-categories`, `backup`, `restore`, `demo-data`."""

from __future__ import annotations

from flask import Flask

from .backup import backup_command, restore_command
from .demo import demo_data_command
from .seed import seed_categories_command


def register_cli(app: Flask) -> None:
    for command in (seed_categories_command, backup_command, restore_command, demo_data_command):
        app.cli.add_command(command)
