"""The hottest GETs answered before Flask, from what Redis keeps: a journey's screen and the card screens.

A repeat `GET /api/v1/flows/<name>` or `GET /api/v1/card[/permit|/insurances|/contributions]`
is answered from bytes the Flask views already rendered and kept (app/journeys/screen_cache.py,
app/view_cache.py). Finding them needs the session and those keys, which come back in
one Redis round trip; what costs time around it is Flask's per-request machinery (contexts,
routing, hooks, Babel's locale selection). This WSGI layer, inside the edge (app/edge.py: request
id, security headers, metrics), does just that round trip:

- the bearer token's session, with the keys the view would read, as `login_required` fetches them;
- the locale negotiated exactly as app/i18n does (saved choice, X-Client-Language, Accept-Language);
- the kept bytes, served only when they are exactly what the view would send now.

Anything else goes to Flask, which answers as always: a query string (other than a contributions
page's plain `year`, `cursor` and `limit`), no or a bad token, another locale than the one
prefetched, nothing kept, a stale kept screen, or an error. So the fast
path never answers differently from Flask, only sooner (tests/flows/test_fast_screens.py and
tests/card/test_fast_screens.py compare both, header by header).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from redis.exceptions import RedisError

from app import clock, view_cache
from app.accounts.sessions import SessionStore, owner_hint
from app.api.security import REDIS_FAILURE_KEY, token_from_header
from app.card.api.card import CARD_SCREENS, cache_parts
from app.edge import ENDPOINT_KEY
from app.i18n import i18n_state, language_headers_for, negotiate
from app.journeys import screen_cache

log = logging.getLogger(__name__)

API = "/api/v1"
FLOWS = f"{API}/flows/"
CONTRIBUTIONS = f"{API}/card/contributions"
#: The only query the fast path reads (a contributions page): these names, once each, with values
#: that need no decoding, so they read exactly as Flask's request.args reads them.
_PLAIN_ARG = re.compile(r"(year|cursor|limit)=([A-Za-z0-9_.-]{1,300})")
_FLOW_NAME = re.compile(r"[a-z][a-z0-9_-]{0,63}")
_NO_STORE = ("Cache-Control", "private, no-store")


class FastScreens:
    """WSGI layer serving kept screens of the hot GETs; everything else passes to the app."""

    def __init__(self, wsgi_app, app):
        self.wsgi_app = wsgi_app
        self.extensions = app.extensions
        self.i18n = i18n_state(app)
        self.ttl = app.config["SESSION_TTL_SECONDS"]
        self.timezone = clock.zone(app.config["DEFAULT_TIMEZONE"])
        self.release = app.extensions[screen_cache.RELEASE_EXTENSION]
        self.card_paths = {f"{API}/card{suffix}": (name, endpoint) for name, suffix, endpoint in CARD_SCREENS}

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "GET":
            return self.wsgi_app(environ, start_response)
        path, query = environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", "")
        args = (_plain_args(query) if path == CONTRIBUTIONS else None) if query else {}
        if args is None:
            answer = None
        elif path.startswith(FLOWS):
            answer = self._flow_screen(environ, path[len(FLOWS):])
        elif path in self.card_paths:
            answer = self._card_screen(environ, *self.card_paths[path], args)
        else:
            answer = None
        if answer is None:
            return self.wsgi_app(environ, start_response)
        endpoint, body, headers = answer
        environ[ENDPOINT_KEY] = endpoint
        start_response("200 OK", [("Content-Type", "application/json"),
                                  ("Content-Length", str(len(body))), _NO_STORE, *headers])
        return [body]

    def _flow_screen(self, environ, name: str):
        """(endpoint, body, headers) of a journey's kept screen, or None."""
        if not _FLOW_NAME.fullmatch(name):
            return None
        # The kept screen names its locale itself: any negotiated locale may match it.
        found = self._lookup(environ, lambda user_id, _locale: screen_cache.keys(user_id, name), by_locale=False)
        if found is None:
            return None
        session, fetched, locale, vary = found
        body = screen_cache.kept_body(fetched, session.owner_id, name, locale=locale,
                                      first_run=not session.data.get("locale"), release=self.release)
        return None if body is None else ("api.flows.show", body, language_headers_for(locale, vary))

    def _card_screen(self, environ, screen: str, endpoint: str, args: dict[str, str]):
        """(endpoint, body, headers) of a kept card screen, or None."""
        parts = cache_parts(screen, clock.today(self.timezone), args)
        found = self._lookup(environ, lambda user_id, locale: [view_cache.key(user_id, screen, locale, *parts)])
        if found is None:
            return None
        _session, fetched, locale, vary = found
        [(cache_key, sealed)] = fetched.items()  # the one key asked for, of the session's owner
        body = view_cache.unsealed(cache_key, sealed)
        return None if body is None else (endpoint, body, language_headers_for(locale, vary))

    def _lookup(self, environ, keys: Callable[[int, str], list[str]], by_locale: bool = True):
        """(session, fetched values, locale, vary) in one round trip, or None to leave it to Flask.

        `keys(user id, locale)` names what to fetch for the locale the headers give; with
        `by_locale`, a session that saved another locale leaves the request to Flask.
        """
        token = token_from_header(environ.get("HTTP_AUTHORIZATION", ""))
        if token is None or owner_hint(token) is None:
            return None
        guess, _ = negotiate(self.i18n, environ, None, None)
        store = SessionStore(self.extensions["redis"], "session", self.ttl)
        try:
            session, fetched = store.lookup(token, lambda user_id: keys(user_id, guess))
        except RedisError as error:
            # Flask answers the failure in the user's language, without waiting for Redis again.
            environ[REDIS_FAILURE_KEY] = error
            return None
        except Exception:  # Flask tries again and answers whatever it is
            log.warning("fast screen lookup failed; Flask answers", exc_info=True)
            return None
        if session is None or not fetched:
            return None
        data = session.data
        locale, vary = negotiate(self.i18n, environ, data.get("locale"), data.get("client_locale"))
        return (session, fetched, locale, vary) if locale == guess or not by_locale else None


def _plain_args(query: str) -> dict[str, str] | None:
    """{name: value} of a contributions page's query, or None when Flask should read it."""
    args: dict[str, str] = {}
    for pair in query.split("&"):
        match = _PLAIN_ARG.fullmatch(pair)
        if match is None or match[1] in args:
            return None
        args[match[1]] = match[2]
    return args


def install_fast_screens(app) -> None:
    """Put the fast path under the edge (call before install_edge); FAST_SCREENS=False leaves it out."""
    app.extensions[screen_cache.RELEASE_EXTENSION] = screen_cache.release_id(
        str(app.root_path), str(app.config["TRANSLATIONS_DIR"])
    )
    if app.config.get("FAST_SCREENS", True):
        app.wsgi_app = FastScreens(app.wsgi_app, app)
