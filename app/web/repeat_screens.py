"""The hottest GETs answered before Flask, from what Redis keeps: a journey's screen and the card screens.

A repeat `GET /api/v1/flows/<name>` or `GET /api/v1/card[/permit|/insurances|/contributions]`
is answered from bytes the Flask views already rendered and kept (app/journeys/screen_cache.py,
app/view_cache.py). Finding them needs the session and those keys, which come back in
one Redis round trip; what costs time around it is Flask's per-request machinery (contexts,
routing, hooks, Babel's locale selection). This WSGI layer, below headers_and_metrics (request
id, security headers, metrics), does just that round trip:

- the bearer token's session, with the keys the view would read, as `login_required` fetches them;
- the locale negotiated exactly as app/i18n does (saved choice, X-Client-Language, Accept-Language);
- the kept bytes, served only when they are exactly what the view would send now.

Anything else goes to Flask, which answers as always: a query string (other than a contributions
page's plain `year`, `cursor` and `limit`), no or a bad token, another locale than the one
prefetched, nothing kept, a stale kept screen, or an error. So the fast
path never answers differently from Flask, only sooner (tests/journeys/test_fast_screens.py and
tests/card/test_fast_screens.py compare both, header by header).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask
from redis.exceptions import RedisError

from app import clock, view_cache
from app.accounts.sessions import Session, SessionStore, owner_hint
from app.api.security import token_from_header
from app.card.api.card import CARD_SCREENS, cache_parts
from app.i18n import i18n_state, language_headers_for, negotiate
from app.journeys import screen_cache
from app.web.notes import notes_of

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

API = "/api/v1"
FLOWS = f"{API}/flows/"
CONTRIBUTIONS = f"{API}/card/contributions"
#: The only query the fast path reads (a contributions page): these names, once each, with values
#: that need no decoding, so they read exactly as Flask's request.args reads them.
_PLAIN_ARG = re.compile(r"(year|cursor|limit)=([A-Za-z0-9_.-]{1,300})")
_FLOW_NAME = re.compile(r"[a-z][a-z0-9_-]{0,63}")
_NO_STORE = ("Cache-Control", "private, no-store")


@dataclass(frozen=True)
class Answer:
    """A kept screen to send: the route it stands for, its bytes and its language headers."""

    endpoint: str
    body: bytes
    headers: list[tuple[str, str]]


@dataclass(frozen=True)
class Lookup:
    """What one Redis round trip found: the session, the values asked for, and the locale to answer in."""

    session: Session
    fetched: dict[str, bytes | None]
    locale: str
    vary: bool


class RepeatScreens:
    """Answers a repeat GET of a journey or card screen with the bytes Flask kept for it.

    Passes on: every other request, and these GETs whenever the kept bytes are not certainly
    Flask's answer now; a Redis failure met here is passed on in the request's notes.
    """

    def __init__(self, wsgi_app: WSGIApplication, app: Flask):
        self.wsgi_app = wsgi_app
        self.extensions = app.extensions
        self.i18n = i18n_state(app)
        self.ttl = app.config["SESSION_TTL_SECONDS"]
        self.timezone = clock.zone(app.config["DEFAULT_TIMEZONE"])
        self.release: str = app.extensions[screen_cache.RELEASE_EXTENSION]
        self.card_paths = {f"{API}/card{suffix}": (name, endpoint) for name, suffix, endpoint in CARD_SCREENS}

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "GET":
            return self.wsgi_app(environ, start_response)
        path, query = environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", "")
        args = (_plain_args(query) if path == CONTRIBUTIONS else None) if query else {}
        if args is None:
            answer = None
        elif path.startswith(FLOWS):
            answer = self._flow_screen(environ, path[len(FLOWS) :])
        elif path in self.card_paths:
            answer = self._card_screen(environ, *self.card_paths[path], args)
        else:
            answer = None
        if answer is None:
            return self.wsgi_app(environ, start_response)
        notes = notes_of(environ)
        if notes is not None:
            notes.answered_before_flask = answer.endpoint
        start_response(
            "200 OK",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(answer.body))),
                _NO_STORE,
                *answer.headers,
            ],
        )
        return [answer.body]

    def _flow_screen(self, environ: WSGIEnvironment, name: str) -> Answer | None:
        """A journey's kept screen, or None."""
        if not _FLOW_NAME.fullmatch(name):
            return None
        # The kept screen names its locale itself: any negotiated locale may match it.
        found = self._lookup(
            environ, lambda user_id, _locale: screen_cache.keys(user_id, name), by_locale=False
        )
        if found is None or found.session.owner_id is None:
            return None
        body = screen_cache.kept_body(
            found.fetched,
            found.session.owner_id,
            name,
            locale=found.locale,
            first_run=not found.session.data.get("locale"),
            release=self.release,
        )
        return (
            None
            if body is None
            else Answer("api.flows.show", body, language_headers_for(found.locale, found.vary))
        )

    def _card_screen(
        self, environ: WSGIEnvironment, screen: str, endpoint: str, args: dict[str, str]
    ) -> Answer | None:
        """A kept card screen, or None."""
        parts = cache_parts(screen, clock.today(self.timezone), args)
        found = self._lookup(
            environ, lambda user_id, locale: [view_cache.key(user_id, screen, locale, *parts)]
        )
        if found is None:
            return None
        [(cache_key, sealed)] = found.fetched.items()  # the one key asked for, of the session's owner
        body = view_cache.unsealed(cache_key, sealed)
        return (
            None if body is None else Answer(endpoint, body, language_headers_for(found.locale, found.vary))
        )

    def _lookup(
        self, environ: WSGIEnvironment, keys: Callable[[int, str], list[str]], by_locale: bool = True
    ) -> Lookup | None:
        """The session, what was fetched with it and the locale, in one round trip; None leaves it to Flask.

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
            notes = notes_of(environ)
            if notes is not None:
                notes.redis_failure = error
            return None
        except Exception:  # Flask tries again and answers whatever it is
            log.warning("fast screen lookup failed; Flask answers", exc_info=True)
            return None
        if session is None or not fetched:
            return None
        data = session.data
        locale, vary = negotiate(self.i18n, environ, data.get("locale"), data.get("client_locale"))
        return Lookup(session, fetched, locale, vary) if locale == guess or not by_locale else None


def _plain_args(query: str) -> dict[str, str] | None:
    """{name: value} of a contributions page's query, or None when Flask should read it."""
    args: dict[str, str] = {}
    for pair in query.split("&"):
        match = _PLAIN_ARG.fullmatch(pair)
        if match is None or match[1] in args:
            return None
        args[match[1]] = match[2]
    return args
