"""WeChat's message pushes (POST /wechat/callback) answered before Flask when jobs go to a real queue.

The POST is WeChat's hot path: answer `success` in milliseconds, at WeChat's volume. This layer
does the same verification and the same one-pipeline hand-off as the Flask route
(app/api/wechat_callback.py, both call `process_push`), without the per-request hooks every
JSON route needs (locale, limiter, sessions), and records the same request metrics. With a
synchronous queue (the embedded defaults, tests) the job runs at once and needs the app
context, so the Flask route answers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from flask import Flask

from app import metrics
from app.api import wechat_callback
from app.api.wechat_callback import ENDPOINT, PATH, refusal
from app.wechat.callback import PushRefused, PushVerifier

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

#: The Flask route's logger, so a push logs the same way whichever of the two answered it.
log = logging.getLogger("app.api.wechat_callback")


class WeChatPushFastPath:
    """Answers POST /wechat/callback (verify, de-duplicate, hand off) when the job queue is a real one.

    Passes on: every other request, and every push while jobs run synchronously.
    """

    def __init__(self, wsgi_app: WSGIApplication, app: Flask):
        self.wsgi_app = wsgi_app
        self.extensions = app.extensions

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        queue = self.extensions["queue"]
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "POST" or not queue.is_async:
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        status, text = self._answer(environ, queue)
        metrics.latency_child(ENDPOINT, "POST").observe(time.perf_counter() - started)
        metrics.requests_child(ENDPOINT, "POST", status).inc()
        body = text.encode("ascii")
        start_response(
            f"{status} {'OK' if status == 200 else 'Refused'}",
            [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
        )
        return [body]

    def _answer(self, environ: WSGIEnvironment, queue: Any) -> tuple[int, str]:
        """(status, plain-text answer) of one push."""
        verifier: PushVerifier = self.extensions["wechat_push"]
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return refusal(PushRefused(400, "bad Content-Length", "bad_query"))
        if length > verifier.max_bytes:
            return refusal(PushRefused(413, "body too large"))
        stream = environ["wsgi.input"]
        raw = stream.read(length) if length else stream.read(verifier.max_bytes + 1)
        args = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        try:
            return wechat_callback.process_push(
                args, raw, verifier=verifier, redis=self.extensions["redis"], queue=queue
            )
        except Exception:  # WeChat must get an answer; it retries on anything but success
            log.exception("wechat push could not be handed off")
            metrics.callback_outcome("unavailable")
            return 503, "unavailable"
