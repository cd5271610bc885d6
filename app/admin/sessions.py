"""Console sessions kept on the server (Redis), through Flask's own extension point, a SessionInterface.

The cookie holds only an opaque, random session id; what the session holds (the signed-in admin,
the form's CSRF token, the chosen language, flashed messages) stays in Redis, in the store of
app/accounts/admin_sessions.py. So ending a session on the server ends it everywhere: signing out,
a password or role change and "sign out everywhere" delete it, and a copy of the cookie made
earlier opens nothing.

- Signing in or out changes whose session it is: the session then gets a new id and the old one is
  deleted (no fixation, and the signed-in id is never one that existed before sign-in).
- A signed-in session lasts ADMIN_SESSION_TTL_SECONDS from sign-in, however busy; the cookie
  expires at the same moment. Before sign-in a session lasts an hour at most.
- A request without the cookie (every JSON API request) costs nothing: no Redis round trip.
- Redis unreachable: the console answers 503 with its error page (the session is opened before
  any view, where Flask's error handlers do not reach, so the failure waits for the first hook);
  signing out ends the session within the view, so a sign-out Redis did not take fails visibly.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionInterface, SessionMixin
from redis.exceptions import RedisError
from werkzeug.datastructures import CallbackDict

from app import clock
from app.accounts.admin_sessions import ANONYMOUS_TTL_SECONDS, console_sessions
from app.accounts.sessions import Session

log = logging.getLogger(__name__)

#: The key of the signed-in admin's id in the session (set by the console's sign-in view).
OWNER_KEY = "admin_id"
#: Where open_session leaves the Redis error it met, for the console's first hook to raise.
FAILURE_KEY = "ssc.console_session_failure"


def end_session(session: SessionMixin) -> None:
    """End this browser's session on the server now, then empty it (a new one may keep a language)."""
    if isinstance(session, ConsoleSession) and session.stored is not None and session.token is not None:
        console_sessions().revoke(session.token)
        session.stored = None
    session.clear()


class ConsoleSession(CallbackDict, SessionMixin):
    """A console session: a dict that notes its changes, with the stored session it came from."""

    def __init__(
        self, initial=None, stored: Session | None = None, token: str | None = None, failed: bool = False
    ):
        def changed(_):
            self.modified = True

        super().__init__(initial, changed)
        self.stored, self.token, self.failed = stored, token, failed
        self.modified = False

    @property
    def owner(self) -> int | None:
        """Whose session the stored one is (None before sign-in, or for a new one)."""
        return self.stored.owner_id if self.stored is not None else None


class ConsoleSessionInterface(SessionInterface):
    """Server-side console sessions: open by the cookie's id, save (or rotate, or end) after the view."""

    serializer = TaggedJSONSerializer()  # what Flask's cookie sessions use: tuples, bytes, dates, Markup

    def open_session(self, app, request) -> ConsoleSession:
        """The stored session the cookie names, or a new empty one (no Redis without the cookie)."""
        token = request.cookies.get(self.get_cookie_name(app)) if "HTTP_COOKIE" in request.environ else None
        if not token:
            return ConsoleSession()
        try:
            found = console_sessions().peek(token)
        except RedisError as error:
            request.environ[FAILURE_KEY] = error
            return ConsoleSession(failed=True)
        if found is None:  # ended (signed out, revoked) or expired: start afresh, the cookie is replaced
            return ConsoleSession(token=token)
        stored, _left_ms = found
        try:
            initial = self.serializer.loads(stored.data.get("flask", "{}"))
        except ValueError:
            initial = {}
        return ConsoleSession(initial, stored=stored, token=token)

    # Flask hands back what open_session returned; its SessionInterface is not generic over that type.
    def save_session(self, app, session: ConsoleSession, response) -> None:  # type: ignore[override]
        """Write the session's changes; a new owner gets a new id; an empty session ends it."""
        if session.accessed:
            response.vary.add("Cookie")
        if session.failed:
            return
        try:
            self._save(app, session, response)
        except RedisError:
            # The answer is ready and says what happened; without a saved session the browser
            # is simply not signed in (an ended session was ended within its view).
            log.warning("console session not saved: Redis unavailable", exc_info=True)
            self._forget_cookie(app, response)

    def _save(self, app, session: ConsoleSession, response) -> None:
        owner = session.get(OWNER_KEY)
        if not session:
            if session.token is not None:
                if session.stored is not None:
                    console_sessions().revoke(session.token)
                self._forget_cookie(app, response)
            return
        if session.stored is not None and owner == session.owner:
            if session.modified and not console_sessions().save(session.stored, self._data(session)):
                self._forget_cookie(app, response)  # ended while this request ran: stays ended
            return
        if session.stored is not None and session.token is not None:
            console_sessions().revoke(session.token)
        ttl = self._lifetime(app) if owner is not None else min(ANONYMOUS_TTL_SECONDS, self._lifetime(app))
        token = console_sessions().create(owner, self._data(session), ttl=ttl)
        response.set_cookie(
            self.get_cookie_name(app),
            token,
            expires=clock.now() + timedelta(seconds=ttl),
            httponly=self.get_cookie_httponly(app),
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app),
            partitioned=self.get_cookie_partitioned(app),
        )
        response.vary.add("Cookie")

    def _data(self, session: ConsoleSession) -> dict:
        return {"flask": self.serializer.dumps(dict(session))}

    @staticmethod
    def _lifetime(app) -> int:
        return int(app.config["ADMIN_SESSION_TTL_SECONDS"])

    def _forget_cookie(self, app, response) -> None:
        response.delete_cookie(
            self.get_cookie_name(app),
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            partitioned=self.get_cookie_partitioned(app),
            samesite=self.get_cookie_samesite(app),
            httponly=self.get_cookie_httponly(app),
        )
        response.vary.add("Cookie")
