"""CLI commands: every module here and every domain's `cli` exposing `commands` (a list of click commands) is registered."""

from __future__ import annotations

import importlib
import pkgutil


def register_commands(app) -> None:
    """Add each module's commands to `flask --app wsgi …`."""
    from app.domains import parts

    own = (
        importlib.import_module(f"{__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name)
    )
    for module in (*own, *parts("cli")):
        for command in getattr(module, "commands", []):
            app.cli.add_command(command)
