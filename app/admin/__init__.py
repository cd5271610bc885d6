"""The admin console (server-rendered, CSRF-protected) and its API."""

from __future__ import annotations

from datetime import timedelta


def init_admin(app) -> None:
    """Register the console's blueprint and its cookie-session lifetime."""
    from . import audit, notices, operations, translators  # noqa: F401 - they add their routes
    from .console import bp

    app.config.setdefault("PERMANENT_SESSION_LIFETIME",
                          timedelta(seconds=int(app.config.get("ADMIN_SESSION_TTL_SECONDS", 8 * 3600))))
    app.register_blueprint(bp)
