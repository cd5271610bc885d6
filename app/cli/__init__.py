"""CLI commands: every module here exposing `commands` (a list of click commands) is registered."""

from __future__ import annotations

import importlib
import pkgutil


def register_commands(app) -> None:
    """Add each module's commands to `flask --app wsgi …`."""
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for command in getattr(module, "commands", []):
            app.cli.add_command(command)
