"""The Flask class create_app builds: plain Flask minus two costs paid on every request.

- Flask asks `inspect.iscoroutinefunction` about every hook, view and error handler of every
  request (about 14 per request here, each unwrapping partials and checking code flags). The
  answer never changes for a function, so it is remembered.
- The cookie session (used only by the admin console) builds a signing serializer before it even
  looks for the cookie. The JSON API never sends that cookie, so an empty session is made
  directly when the cookie is absent; a request that carries it is handled exactly as before.
"""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface

#: More distinct functions than this means something creates callables per request: stop caching.
_MAX_CACHED = 4096


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, without building a serializer when no cookie was sent."""

    def open_session(self, app, request):
        """An empty session when the request has no session cookie; otherwise Flask's own."""
        # The raw header first: parsing an absent Cookie header still builds a MultiDict.
        if app.secret_key and (
            "HTTP_COOKIE" not in request.environ or not request.cookies.get(self.get_cookie_name(app))
        ):
            return self.session_class()
        return super().open_session(app, request)


class SSCFlask(Flask):
    """Flask with the async check of hooks and views remembered per function."""

    session_interface = CookieSessionInterface()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._sync_callables: dict = {}

    def ensure_sync(self, func):
        """Flask's ensure_sync, computed once per function (the result depends only on it)."""
        try:
            return self._sync_callables[func]
        except KeyError:
            pass
        except TypeError:  # an unhashable callable: nothing to remember it by
            return super().ensure_sync(func)
        result = super().ensure_sync(func)
        if len(self._sync_callables) < _MAX_CACHED:
            self._sync_callables[func] = result
        return result
