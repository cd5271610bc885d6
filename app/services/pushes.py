"""Admitting WeChat pushes: each one remembered once, handed to a job in the callback's one Redis round trip."""

from __future__ import annotations

import secrets

#: How long a push's nonce and its message key are remembered (the timestamp window is ±300 s).
PUSH_MEMORY_SECONDS = 600
#: The job that handles an admitted push (enqueued by name: services do not import tasks).
HANDLER = "app.tasks.wechat_events.handle"
#: What RQ shows for these jobs (never the message: it holds openids and user text).
DESCRIPTION = "wechat push"


def accept_push(redis, queue, *, message: dict, timestamp: str, nonce: str, digest: str, dedupe_key: str) -> str:
    """Remember the push and hand it to a job: 'new', 'duplicate' (answer success, do nothing) or 'replay'.

    A nonce is remembered with the digest of the body it came with: the same body again is WeChat
    retrying, another body under a used nonce is a replay. Messages are remembered by MsgId (or
    sender + time + event). On a real queue the two SET NX and the job go to Redis in ONE pipeline;
    the job carries a claim (its token in the message key, its digest in the nonce key) and runs
    only if both still hold, so a duplicate or replayed push that got queued does nothing.
    """
    token = secrets.token_hex(16)
    claim = {"message_key": f"ssc:wechat-msg:{dedupe_key}", "nonce_key": f"ssc:wechat-nonce:{timestamp}:{nonce}",
             "digest": digest, "token": token}
    if queue.is_async:
        with redis.pipeline() as pipe:
            pipe.multi()  # RQ joins a pipeline only in explicit MULTI mode
            _remember(pipe, claim)
            queue.enqueue(HANDLER, message, claim, job_id=token, description=DESCRIPTION, pipeline=pipe)
            previous, fresh = pipe.execute()[:2]
        verdict = _verdict(previous, fresh, digest)
    else:
        # A synchronous queue runs the job inside enqueue(): remember first, then run.
        with redis.pipeline() as pipe:
            _remember(pipe, claim)
            previous, fresh = pipe.execute()
        verdict = _verdict(previous, fresh, digest)
        if verdict == "new":
            try:
                queue.enqueue(HANDLER, message, claim, job_id=token, description=DESCRIPTION)
            except Exception:
                redis.delete(claim["message_key"])  # so WeChat's retry is not taken for a duplicate
                raise
    if verdict == "replay" and fresh:
        redis.delete(claim["message_key"])  # a refused replay must not shadow the real message
    return verdict


def _remember(pipe, claim: dict) -> None:
    pipe.set(claim["nonce_key"], claim["digest"], nx=True, get=True, ex=PUSH_MEMORY_SECONDS)
    pipe.set(claim["message_key"], claim["token"], nx=True, ex=PUSH_MEMORY_SECONDS)


def _text(value) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def _verdict(previous, fresh, digest: str) -> str:
    if previous is not None and _text(previous) != digest:
        return "replay"
    return "new" if fresh else "duplicate"


def claim_holds(redis, claim: dict | None) -> bool:
    """In the job: whether this push is still the one admitted (not a duplicate or a replay).

    Keys that have expired (a queue more than PUSH_MEMORY_SECONDS behind) count as holding: the
    message is then handled at least once rather than lost.
    """
    if claim is None:
        return True
    with redis.pipeline(transaction=False) as pipe:
        pipe.get(claim["message_key"])
        pipe.get(claim["nonce_key"])
        token, digest = (_text(value) for value in pipe.execute())
    return token in (None, claim["token"]) and digest in (None, claim["digest"])
