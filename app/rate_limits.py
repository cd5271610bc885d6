"""Route rate limits: `@rate_limit("10/minute")` over the `limits` library, counted per client address.

The service sets limits on a few routes only (sign-in), never app-wide, so a request that no
limit names costs nothing. Counters live in `RATELIMIT_STORAGE_URI` (the app's Redis, through
Redis Sentinel when it is set; memory on the embedded defaults) in fixed windows, under
`limits`' keys for (client address, endpoint):
`LIMITER/<address>/<endpoint>/<amount>/<multiples>/<granularity>`, the keys Flask-Limiter used
before, so counts carry over an upgrade. A breach answers 429 with the error envelope and
`Retry-After`; a storage outage is a 503 like any Redis outage.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, current_app, request
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from app import clock, redis_client

View = TypeVar("View", bound=Callable[..., Any])


class RateLimitExceeded(TooManyRequests):
    """A route's limit was reached; `retry_after` seconds until its window ends."""

    def __init__(self, limit: RateLimitItem, retry_after: int) -> None:
        super().__init__(description=str(limit))
        self.retry_after = retry_after


def init_rate_limits(app: Flask) -> None:
    """Open the counters' storage, or none when `RATELIMIT_ENABLED` is off (tests)."""
    counters = None
    if app.config.get("RATELIMIT_ENABLED", True):
        uri: str | None = app.config.get("RATELIMIT_STORAGE_URI")
        options: dict[str, Any] = {}
        if app.config.get("EMBEDDED_REDIS"):
            uri = "memory://"
        elif not uri and (app.config.get("REDIS_URL") or redis_client.uses_sentinel(app.config)):
            uri, options = redis_client.limits_storage(app.config)
        counters = FixedWindowRateLimiter(storage_from_string(uri or "memory://", **options))
    app.extensions["rate_limits"] = counters


def rate_limit(limit: str, *, methods: Collection[str] | None = None) -> Callable[[View], View]:
    """Limit a view to `limit` (such as "10/minute") per client address, for `methods` (all when None)."""
    item = parse(limit)

    def decorate(view: View) -> View:
        @wraps(view)
        def limited(*args: Any, **kwargs: Any) -> Any:
            counters: FixedWindowRateLimiter | None = current_app.extensions.get("rate_limits")
            if counters is not None and (methods is None or request.method in methods):
                key = (request.remote_addr or "127.0.0.1", request.endpoint or view.__name__)
                if not counters.hit(item, *key):
                    reset_at = counters.get_window_stats(item, *key).reset_time
                    raise RateLimitExceeded(item, max(1, int(reset_at - clock.now().timestamp()) + 1))
            return view(*args, **kwargs)

        return limited  # type: ignore[return-value]  # wraps keeps the view's signature

    return decorate
