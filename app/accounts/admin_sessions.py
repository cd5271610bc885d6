"""Where console sessions and admin API tokens live (Redis), and ending every one of an admin's."""

from __future__ import annotations

from flask import current_app

from app.accounts.sessions import SessionStore
from app.extensions import get_redis

#: A console session before sign-in (the form's CSRF token, the chosen language) lasts at most this.
ANONYMOUS_TTL_SECONDS = 3600


def console_sessions() -> SessionStore:
    """The console's sessions: a session lasts ADMIN_SESSION_TTL_SECONDS from sign-in, never longer."""
    return SessionStore(get_redis(), "console", int(current_app.config["ADMIN_SESSION_TTL_SECONDS"]))


def api_tokens() -> SessionStore:
    """The admin API's bearer tokens."""
    return SessionStore(get_redis(), "admin", int(current_app.config["ADMIN_SESSION_TTL_SECONDS"]))


def end_all(admin_id: int) -> int:
    """End every console session and admin API token of an admin; how many there were."""
    return console_sessions().revoke_all(admin_id) + api_tokens().revoke_all(admin_id)
