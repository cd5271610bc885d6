"""The Flask class create_app builds: plain Flask minus a cost paid on every request.

Flask asks `inspect.iscoroutinefunction` about every hook, view and error handler of every request
(about 14 per request here, each unwrapping partials and checking code flags). The answer never
changes for a function, so it is remembered. (The session interface, kept on the server for the
console, is app/admin/sessions.py: a request without its cookie costs nothing there either.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

#: More distinct functions than this means something creates callables per request: stop caching.
_MAX_CACHED = 4096


class FlaskCachingSyncChecks(Flask):
    """Flask with the async check of hooks and views remembered per function."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._sync_callables: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
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
