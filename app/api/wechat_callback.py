"""/wechat/callback: WeChat's message push. Answers in plain text, as WeChat expects, never the envelope."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request

from app.extensions import csrf, get_queue, get_redis
from app.services import helpdesk
from app.wechat import push_verifier
from app.wechat.callback import PushRefused

log = logging.getLogger("app.api.wechat_callback")

root_bp = Blueprint("wechat_callback", __name__)
csrf.exempt(root_bp)  # WeChat signs its pushes; there is no browser session to protect
_REFUSALS = {400: "bad request", 403: "forbidden", 413: "too large"}


def _plain(text: str, status: int = 200) -> Response:
    return Response(text, status=status, mimetype="text/plain")


def _refuse(problem: PushRefused) -> Response:
    log.warning("wechat push refused", extra={"reason": problem.reason, "status": problem.status})
    return _plain(_REFUSALS.get(problem.status, "refused"), problem.status)


@root_bp.get("/wechat/callback")
def handshake():
    """The push-configuration check: echo echostr when the signature is right."""
    try:
        return _plain(push_verifier().handshake(request.args))
    except PushRefused as problem:
        return _refuse(problem)


@root_bp.post("/wechat/callback")
def receive():
    """Verify, de-duplicate and hand the push to a job; answer `success` at once."""
    verifier = push_verifier()
    if (request.content_length or 0) > verifier.max_bytes:
        return _refuse(PushRefused(413, "body too large"))
    raw = request.stream.read(verifier.max_bytes + 1)
    try:
        push = verifier.verify(request.args, raw)
    except PushRefused as problem:
        return _refuse(problem)
    redis = get_redis()
    admission = helpdesk.admit_push(redis, timestamp=push.timestamp, nonce=push.nonce,
                                    digest=push.digest, dedupe_key=push.dedupe_key)
    if admission == "replay":
        return _refuse(PushRefused(403, "nonce reused with another body"))
    if admission == "new":
        try:
            get_queue().enqueue("app.tasks.wechat_events.handle", push.message)
        except Exception:
            helpdesk.forget_push(redis, push.dedupe_key)  # so WeChat's retry is not taken for a duplicate
            raise
    return _plain("success")
