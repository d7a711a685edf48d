"""Operator commands: `flask seed-categories`, `purge-trash`, `backup`, `restore`, `demo-data`."""

from __future__ import annotations

from flask import Flask

from .purge import purge_trash_command
from .seed import seed_categories_command


def register_cli(app: Flask) -> None:
    for command in (seed_categories_command, purge_trash_command):
        app.cli.add_command(command)
