"""The admin console (server-rendered, CSRF-protected) and its API."""

from __future__ import annotations


def init_admin(app) -> None:
    """Register the console's blueprints."""
