"""Bearer-token authentication for the mini-program API."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from flask import current_app, g, request

from app.accounts.sessions import SessionStore
from app.errors import Unauthorized
from app.extensions import get_redis
from app.i18n import set_request_locale
from app.web.notes import notes_of

#: prefetch(user_id, **view_args) -> the Redis keys a view will read about that user.
Prefetch = Callable[..., Iterable[str]]


def user_sessions() -> SessionStore:
    """The store of mini-program user sessions."""
    return SessionStore(get_redis(), "session", current_app.config["SESSION_TTL_SECONDS"])


def bearer_token() -> str | None:
    """The token of this request's `Authorization: Bearer …` header."""
    return token_from_header(request.environ.get("HTTP_AUTHORIZATION", ""))


def token_from_header(header: str) -> str | None:
    """The token of an `Authorization: Bearer …` header value, or None."""
    scheme, _, token = header.partition(" ")
    token = token.strip()
    return token if token and scheme.lower() == "bearer" else None


def load_session(prefetch: Prefetch | None = None):
    """Resolve the bearer token to g.session and g.user_id; None when absent or invalid.

    With `prefetch`, the keys it names come back with the session in one Redis round trip and
    wait in g.prefetched ({key: value or None}) for the view.
    """
    if "session" in g:
        return g.session
    notes = notes_of(request.environ)
    if notes is not None and notes.redis_failure is not None:
        # The repeat-screen layer (app/web/repeat_screens.py) met it: answer it without waiting again.
        raise notes.redis_failure
    token = bearer_token()
    owner_keys = None
    if prefetch is not None:
        view_args = request.view_args or {}

        def owner_keys(user_id):
            return prefetch(user_id, **view_args)

    session, g.prefetched = user_sessions().lookup(token, owner_keys)
    g.session = session
    if session is not None:
        g.user_id = session.owner_id
        g.token = token
        saved_locale = session.data.get("locale")
        g.session_client_locale = session.data.get("client_locale")
        if saved_locale or g.session_client_locale:
            set_request_locale(saved_locale)
    return session


def login_required(view=None, *, prefetch: Prefetch | None = None):
    """Refuse the request with 401 unless it carries a valid session token.

    Used bare (`@login_required`) or with the keys to fetch alongside the session
    (`@login_required(prefetch=...)`).
    """
    if view is None:
        return lambda func: login_required(func, prefetch=prefetch)

    @wraps(view)
    def wrapper(*args, **kwargs):
        if load_session(prefetch) is None:
            raise Unauthorized()
        return view(*args, **kwargs)

    return wrapper


def prefetched() -> dict:
    """What the session lookup fetched for this request's view ({} when nothing)."""
    return g.get("prefetched") or {}
