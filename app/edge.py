"""What every answer of the Flask app gets, added at the WSGI edge as plain header tuples.

- a request id: the caller's X-Request-ID when sane, else a new one; echoed in X-Request-ID;
- the security headers of app/security_headers.py (a value a view set is kept);
- the language headers of app/i18n (Content-Language, and Vary when headers chose it);
- its latency and status in the metrics, by route.

Flask calls `start_response` while the request context is still active, so the language and the
route are known there. Doing this here instead of in four after_request hooks avoids building
and scanning werkzeug Headers objects on every request.
"""

from __future__ import annotations

import time

from flask import request

from app import logs, metrics
from app.i18n import language_headers
from app.security_headers import missing_security_headers

#: Where a WSGI layer under the edge that answered without Flask names the endpoint (for metrics).
ENDPOINT_KEY = "ssc.endpoint"


class Edge:
    """WSGI layer around the Flask app: request id, security and language headers, metrics."""

    def __init__(self, wsgi_app, app):
        self.wsgi_app = wsgi_app
        self.production = app.config.get("APP_ENV") == "production"

    def __call__(self, environ, start_response):
        request_id = logs.assign_request_id(environ)
        started = time.perf_counter()

        def respond(status, headers, exc_info=None):
            headers.append(("X-Request-ID", request_id))
            headers.extend(missing_security_headers(environ.get("PATH_INFO", ""), headers, self.production))
            headers.extend(language_headers(headers))
            _observe(environ, status, started)
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, respond)


def _observe(environ, status: str, started: float) -> None:
    """Record the request's latency and status under its route."""
    endpoint = environ.get(ENDPOINT_KEY)
    if endpoint is not None:  # answered under the edge without Flask (app/api/fast_screens.py)
        method = environ.get("REQUEST_METHOD", "other")
    else:
        try:
            endpoint, method = request.endpoint or "unmatched", request.method
        except RuntimeError:  # answered outside Flask's request context (not expected)
            endpoint, method = "unmatched", "other"
    metrics.observe_request(endpoint, method, int(status[:3]), time.perf_counter() - started)


def install_edge(app) -> None:
    """Wrap the app's WSGI callable in the edge (inside any proxy fix-up installed before it)."""
    app.wsgi_app = Edge(app.wsgi_app, app)
