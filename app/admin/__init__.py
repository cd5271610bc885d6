"""The admin console (server-rendered, CSRF-protected) and its API."""

from __future__ import annotations


def init_admin(app) -> None:
    """Register the console's blueprint and its server-side sessions."""
    from . import account, audit, notices, operations, translators  # noqa: F401 - they add their routes
    from .console import bp
    from .sessions import ConsoleSessionInterface

    app.session_interface = ConsoleSessionInterface()
    app.register_blueprint(bp)
