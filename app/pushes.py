"""Admitting WeChat pushes: each one remembered once, handed to a job in the callback's one Redis round trip.

On a real queue the callback does not build an RQ job per push (a job is a hash of a dozen fields
written in a MULTI: most of the callback's cost). It appends the verified message to a Redis list,
the push inbox, in the same round trip as its de-duplication keys. A pump job turns the inbox into
handler jobs in batches, on the workers:

- At most one pump is queued or running: the callback that finds no pump holding PUMP_KEY (SET NX)
  takes the hold and enqueues one (a second round trip, once per pump cycle, not per push).
- The pump moves a batch with one MULTI: enqueue the batch's jobs and trim them from the inbox.
  It WATCHes its hold, so if it lost it (expired), the batch stays for the next pump: a push is
  never enqueued twice, and one the pump did not move stays in the inbox.
- When the inbox is empty the pump lets go; if a push arrived meanwhile it takes the hold again.
- If a pump dies, its hold expires after PUMP_HOLD_SECONDS; the next push, a worker starting, or
  any worker's maintenance round (once a minute, app/cli/worker.py) starts a new pump.
"""

from __future__ import annotations

import json
import secrets

from redis.exceptions import WatchError

#: How long a push's nonce and its message key are remembered (the timestamp window is ±300 s).
PUSH_MEMORY_SECONDS = 600
#: The job that handles an admitted push (enqueued by name: services do not import tasks).
HANDLER = "app.helpdesk.jobs.handle"
#: What RQ shows for these jobs (never the message: it holds openids and user text).
DESCRIPTION = "wechat push"
#: The list of admitted pushes waiting for the pump, and the pump's hold.
INBOX_KEY = "ssc:wechat:push-inbox"
PUMP_KEY = "ssc:wechat:push-pump"
PUMP = "app.helpdesk.jobs.pump"
PUMP_HOLD_SECONDS = 60
PUMP_BATCH = 200


def nonce_key(timestamp: str, nonce: str) -> str:
    """The replay store's key of one signed URL's (timestamp, nonce), shared by pushes and handshakes."""
    return f"ssc:wechat-nonce:{timestamp}:{nonce}"


def accept_push(
    redis, queue, *, message: dict, timestamp: str, nonce: str, digest: str, dedupe_key: str
) -> str:
    """Remember the push and hand it to a job: 'new', 'duplicate' (answer success, do nothing) or 'replay'.

    A nonce is remembered with the digest of the body it came with (or of a handshake's echostr):
    the same body again is WeChat retrying, another body under a used nonce is a replay. Messages
    are remembered by MsgId (or sender + time + event + the items' own ids, see dedupe_key in
    app/wechat/callback.py). On a real queue the two SET NX and the job go to Redis in ONE
    pipeline; the job carries a claim (its token in the message key, its digest in the nonce key)
    and runs only if both still hold, so a duplicate or replayed push that got queued does nothing.
    """
    token = secrets.token_hex(16)
    claim = {
        "message_key": f"ssc:wechat-msg:{dedupe_key}",
        "nonce_key": nonce_key(timestamp, nonce),
        "digest": digest,
        "token": token,
    }
    if queue.is_async:
        entry = json.dumps({"message": message, "claim": claim}, ensure_ascii=False, separators=(",", ":"))
        with redis.pipeline(transaction=False) as pipe:
            _remember(pipe, claim)
            pipe.rpush(INBOX_KEY, entry)
            pipe.set(PUMP_KEY, token, nx=True, ex=PUMP_HOLD_SECONDS)
            previous, fresh, _length, pump_needed = pipe.execute()
        if pump_needed:
            _start_pump(redis, queue, token)
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


def remember_handshake(redis, *, timestamp: str, nonce: str, digest: str) -> bool:
    """Record a GET verification's (timestamp, nonce) like a push's; False when another request used it.

    The same handshake again (same echostr) is WeChat retrying and is answered again; a POST under
    that nonce later finds another digest there and is refused as a replay (see accept_push).
    """
    previous = redis.set(nonce_key(timestamp, nonce), digest, nx=True, get=True, ex=PUSH_MEMORY_SECONDS)
    return previous is None or _text(previous) == digest


def _start_pump(redis, queue, hold: str) -> None:
    """Enqueue the pump for a hold just taken; give the hold back if that fails (then raise)."""
    try:
        queue.enqueue(PUMP, hold, job_id=f"wechat-pump-{hold}", description="wechat push pump")
    except Exception:
        redis.delete(PUMP_KEY)  # so the next push (WeChat retries this one) starts a pump
        raise


def restart_pump(redis, queue) -> bool:
    """Start a pump when pushes wait and none holds the inbox (workers call this at start and each minute)."""
    hold = secrets.token_hex(16)
    if not redis.llen(INBOX_KEY) or not redis.set(PUMP_KEY, hold, nx=True, ex=PUMP_HOLD_SECONDS):
        return False
    _start_pump(redis, queue, hold)
    return True


def pump(redis, queue, hold: str) -> int:
    """Move the inbox into handler jobs, a batch per MULTI, while this pump holds it; the number moved."""
    moved = 0
    while True:
        entries = redis.lrange(INBOX_KEY, 0, PUMP_BATCH - 1)
        if not entries:
            if not _release(redis, hold):
                return moved
            hold = secrets.token_hex(16)
            if not redis.set(PUMP_KEY, hold, nx=True, ex=PUMP_HOLD_SECONDS):
                return moved  # another pump took over the pushes that arrived meanwhile
            continue
        jobs = []
        for raw in entries:
            item = json.loads(raw)
            jobs.append(
                queue.prepare_data(
                    HANDLER,
                    (item["message"], item["claim"]),
                    job_id=item["claim"]["token"],
                    description=DESCRIPTION,
                )
            )
        try:
            with redis.pipeline() as pipe:
                pipe.watch(PUMP_KEY)
                if _text(pipe.get(PUMP_KEY)) != hold:
                    return moved  # the hold expired: leave the batch to the pump that has it
                pipe.multi()
                queue.enqueue_many(jobs, pipeline=pipe)
                pipe.ltrim(INBOX_KEY, len(entries), -1)
                pipe.expire(PUMP_KEY, PUMP_HOLD_SECONDS)
                pipe.execute()
        except WatchError:
            return moved
        moved += len(entries)


def _release(redis, hold: str) -> bool:
    """Let go of the hold; True when pushes arrived meanwhile (the caller may take it again)."""
    with redis.pipeline() as pipe:
        try:
            pipe.watch(PUMP_KEY)
            if _text(pipe.get(PUMP_KEY)) == hold:
                pipe.multi()
                pipe.delete(PUMP_KEY)
                pipe.execute()
        except WatchError:
            pass
    return bool(redis.llen(INBOX_KEY))


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
