"""/wechat/callback: WeChat's message push. Answers in plain text, as WeChat expects, never the envelope.

The POST is WeChat's hot path (answer `success` in milliseconds, at WeChat's volume), so in
production it is served by a small WSGI layer in front of Flask (app/web/wechat_push_fast_path.py): the same
verification and the same one-pipeline hand-off, without the per-request hooks every JSON route
needs (locale, sessions). It records the same request metrics. With a synchronous queue
(the embedded defaults, tests) the Flask route below serves it, since the job then runs at once
and needs the app context.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request

from app import metrics, pushes
from app.extensions import csrf, get_queue, get_redis
from app.wechat import push_verifier
from app.wechat.callback import PushRefused, PushVerifier

log = logging.getLogger("app.api.wechat_callback")

PATH = "/wechat/callback"
#: The metrics label of pushes answered by the fast path (the Flask route's endpoint name).
ENDPOINT = "wechat_callback.receive"
root_bp = Blueprint("wechat_callback", __name__)
csrf.exempt(root_bp)  # WeChat signs its pushes; there is no browser session to protect
_REFUSALS = {400: "bad request", 403: "forbidden", 413: "too large"}


def process_push(args, raw: bytes, *, verifier: PushVerifier, redis, queue) -> tuple[int, str]:
    """The whole POST: verify, decrypt, parse, de-duplicate, hand off. (status, plain-text answer)."""
    try:
        push = verifier.verify(args, raw)
    except PushRefused as problem:
        return refusal(problem)
    verdict = pushes.accept_push(
        redis,
        queue,
        message=push.message,
        timestamp=push.timestamp,
        nonce=push.nonce,
        digest=push.digest,
        dedupe_key=push.dedupe_key,
    )
    if verdict == "replay":
        return refusal(PushRefused(403, "nonce reused with another body", "replay"))
    metrics.callback_outcome("accepted" if verdict == "new" else "duplicate")
    return 200, "success"


def refusal(problem: PushRefused) -> tuple[int, str]:
    """Log and count a refused push; (status, plain-text answer)."""
    log.warning(
        "wechat push refused",
        extra={"reason": problem.reason, "status": problem.status, "outcome": problem.outcome},
    )
    metrics.callback_outcome(problem.outcome)
    return problem.status, _REFUSALS.get(problem.status, "refused")


def _plain(text: str, status: int = 200) -> Response:
    return Response(text, status=status, mimetype="text/plain")


def process_handshake(args, *, verifier: PushVerifier, redis) -> tuple[int, str]:
    """The GET verification: check the signature and remember its (timestamp, nonce) as a push's are.

    In plaintext mode the URL signature covers no body, so a signed handshake URL replayed as a
    POST would pass the signature check; remembering its nonce makes that POST a replay.
    """
    try:
        handshake = verifier.handshake(args)
    except PushRefused as problem:
        return refusal(problem)
    if not pushes.remember_handshake(
        redis, timestamp=handshake.timestamp, nonce=handshake.nonce, digest=handshake.digest
    ):
        return refusal(PushRefused(403, "nonce reused by another request", "replay"))
    metrics.callback_outcome("handshake")
    return 200, handshake.echostr


@root_bp.get(PATH)
def handshake():
    """The push-configuration check: echo echostr when the signature is right and its nonce is new."""
    status, text = process_handshake(request.args, verifier=push_verifier(), redis=get_redis())
    return _plain(text, status)


@root_bp.post(PATH)
def receive():
    """Verify, de-duplicate and hand the push to a job (one Redis round trip); answer `success` at once."""
    verifier = push_verifier()
    if (request.content_length or 0) > verifier.max_bytes:
        return _plain(*reversed(refusal(PushRefused(413, "body too large"))))
    raw = request.stream.read(verifier.max_bytes + 1)
    status, text = process_push(request.args, raw, verifier=verifier, redis=get_redis(), queue=get_queue())
    return _plain(text, status)


__all__ = ["ENDPOINT", "PATH", "process_handshake", "process_push", "refusal", "root_bp"]
