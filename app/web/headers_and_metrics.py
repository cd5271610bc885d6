"""The layer every answer of the app passes: request id, security and language headers, metrics.

- a request id: the caller's X-Request-ID when sane, else a new one; echoed in X-Request-ID;
- the security headers of app/web/security_headers.py (a value a view set is kept);
- the language headers of app/i18n (Content-Language, and Vary when headers chose it);
- its latency and status in the metrics, by route.

Flask calls `start_response` while the request context is still active, so the language and the
route are known there. Doing this here instead of in four after_request hooks avoids building
and scanning werkzeug Headers objects on every request.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from types import TracebackType
from typing import TYPE_CHECKING

from flask import Flask, request

from app import logs, metrics
from app.i18n import language_headers
from app.web.notes import RequestNotes, attach
from app.web.security_headers import missing_security_headers

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

_ExcInfo = tuple[type[BaseException], BaseException, TracebackType] | tuple[None, None, None]


class HeadersAndMetrics:
    """Answers nothing itself: gives the request its notes (its id) and every answer its headers and metrics.

    Passes on: every request, with `RequestNotes` in the environ (app/web/notes.py).
    """

    def __init__(self, wsgi_app: WSGIApplication, app: Flask):
        self.wsgi_app = wsgi_app
        self.production = app.config.get("APP_ENV") == "production"

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        notes = attach(
            environ, RequestNotes(request_id=logs.new_request_id(environ.get("HTTP_X_REQUEST_ID", "")))
        )
        started = time.perf_counter()

        def respond(status: str, headers: list[tuple[str, str]], exc_info: _ExcInfo | None = None) -> object:
            headers.append(("X-Request-ID", notes.request_id))
            headers.extend(missing_security_headers(environ.get("PATH_INFO", ""), headers, self.production))
            headers.extend(language_headers(headers))
            _observe(environ, notes, status, started)
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, respond)  # type: ignore[arg-type]  # same signature as StartResponse


def _observe(environ: WSGIEnvironment, notes: RequestNotes, status: str, started: float) -> None:
    """Record the request's latency and status under its route."""
    endpoint = notes.answered_before_flask
    if endpoint is not None:  # answered below without Flask (app/web/repeat_screens.py)
        method = environ.get("REQUEST_METHOD", "other")
    else:
        try:
            endpoint, method = request.endpoint or "unmatched", request.method
        except RuntimeError:  # answered outside Flask's request context (not expected)
            endpoint, method = "unmatched", "other"
    metrics.observe_request(endpoint, method, int(status[:3]), time.perf_counter() - started)
