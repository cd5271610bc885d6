"""Bearer-token authentication for the mini-program API."""

from __future__ import annotations

from functools import wraps

from flask import current_app, g, request

from app.errors import Unauthorized
from app.extensions import get_redis
from app.i18n import set_request_locale
from app.services.sessions import SessionStore


def user_sessions() -> SessionStore:
    """The store of mini-program user sessions."""
    return SessionStore(get_redis(), "session", current_app.config["SESSION_TTL_SECONDS"])


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer …` header."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def load_session():
    """Resolve the bearer token to g.session and g.user_id; None when absent or invalid."""
    if "session" in g:
        return g.session
    session = user_sessions().get(bearer_token())
    g.session = session
    if session is not None:
        g.user_id = session.owner_id
        g.token = bearer_token()
        saved_locale = session.data.get("locale")
        g.session_client_locale = session.data.get("client_locale")
        if saved_locale or g.session_client_locale:
            set_request_locale(saved_locale)
    return session


def login_required(view):
    """Refuse the request with 401 unless it carries a valid session token."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if load_session() is None:
            raise Unauthorized()
        return view(*args, **kwargs)

    return wrapper
