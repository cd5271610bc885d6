"""The admin console (server-rendered, CSRF-protected) and its API."""

from __future__ import annotations


def init_admin(app) -> None:
    """Register the console's blueprint and its server-side sessions."""
    from app.admin import audit, translators  # noqa: F401 - they add their routes
    from app.admin.console import bp
    from app.admin.sessions import ConsoleSessionInterface
    from app.domains import parts

    for _ in parts("console"):  # each domain's console pages add their routes to `bp`
        pass

    app.session_interface = ConsoleSessionInterface()
    app.register_blueprint(bp)
