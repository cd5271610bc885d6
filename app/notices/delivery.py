"""Fan-out of a published notice: inbox entries for every recipient, then WeChat messages in claimed batches.

Every (notice, user, channel) has one row, so a repeated fan-out or a retried job adds nothing twice.
A WeChat row moves queued → sending (claimed and committed before anything is sent) → sent | failed |
no_quota. Messages go out a window of `concurrency` at a time, and a Redis journal records each
window in two writes: "attempting" for all of its messages before the first send starts, then their
outcomes once every one has answered; outcomes reach the database once per claimed group. A worker
killed halfway leaves `sending` rows that `reconcile` settles: from the journal when the outcome is
known, back to the queue when the message was never attempted, and as failed (`interrupted`) when it
was journaled "attempting" at the kill: such a message may or may not have reached WeChat, and it is
not sent again, so nobody gets a notice twice. At most one window (`concurrency` messages) per
worker can end up that way. A send that WeChat did not answer in time (it may still have sent it)
is settled the same way at once.

A worker taken for dead while it is only slow cannot send twice either: it stamps its claim again
before a window once a minute has passed since the last stamp, a message's journal entry is written once (HSETNX: the worker's "attempting" or
`reconcile`'s "requeued", whichever comes first), and at the end the worker settles only the rows
still claimed by it, after locking them.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import ModuleType
from typing import Any

from sqlalchemy import Row, bindparam, insert, select, update

from app import clock, metrics
from app.accounts.models.user import UserAccount
from app.extensions import db, rows_changed, table_of
from app.i18n.locales import SUPPORTED
from app.notices.audience import recipients_page
from app.notices.fallback import content_for
from app.notices.messages import message_data, wechat_lang
from app.notices.models.notice import Notice, NoticeDelivery
from app.notices.models.subscription import SubscriptionQuota

log = logging.getLogger("app.delivery")

CLAIM_CHUNK = 200
JOURNAL_TTL_SECONDS = 7 * 24 * 3600
STALE_CLAIM = timedelta(minutes=10)
#: A live worker stamps its claim again once this long has passed since the last stamp (before a
#: window), far inside STALE_CLAIM, so `reconcile` never takes it for dead.
RESTAMP_AFTER = timedelta(minutes=1)
#: With Redis replicas (Redis Sentinel), how long a window waits for its "attempting" entries to reach
#: one before it is sent: a failover that loses the primary's last writes then cannot lose them, and
#: `reconcile` cannot take a sent message for one never attempted and send it again.
REPLICA_WAIT_MS = 1000
BUSY_RETRIES = 4
BACKOFF_BASE_SECONDS = 0.25


FAN_OUT_JOB = "app.notices.jobs.fan_out"
DELIVER_BATCH_JOB = "app.notices.jobs.deliver_batch"
RESUME_JOB = "app.notices.jobs.resume"


def queue_fan_out(queue, notice_id: int) -> None:
    """Queue the fan-out of a published notice (by dotted name; runs at once on the embedded defaults)."""
    from rq import Retry

    queue.enqueue(FAN_OUT_JOB, notice_id, retry=Retry(max=3, interval=[10, 30, 60]), job_timeout=3600)


def queue_resume(queue, notice_id: int) -> None:
    """Queue the settling and re-sending of what a dead worker left behind."""
    queue.enqueue(RESUME_JOB, notice_id, job_timeout=3600)


_ATTEMPTING = json.dumps({"state": "attempting"})
#: What `reconcile` journals for a row it hands back to the queue (its worker may no longer send it).
_REQUEUED = json.dumps({"state": "requeued"})


def _journal_key(claim: str) -> str:
    """Redis hash of the outcomes of one claim: row id → JSON outcome."""
    return f"ssc:notice-claim:{claim}"


def _insert_ignore(table):
    """INSERT that skips rows whose unique key exists (MySQL IGNORE, SQLite OR IGNORE)."""
    return insert(table).prefix_with("IGNORE", dialect="mysql").prefix_with("OR IGNORE", dialect="sqlite")


def recipient_locale(locale: str | None, default_locale: str) -> str:
    """The supported locale a recipient reads in (their saved one, or the default)."""
    return locale if locale in SUPPORTED else default_locale


@dataclass
class FanOutResult:
    """What a fan-out did: recipients seen and the WeChat batches handed on."""

    recipients: int = 0
    batches: list[tuple[int, int]] = field(default_factory=list)


def fan_out(
    notice_id: int,
    *,
    batch_size: int = 1000,
    default_locale: str = "en",
    enqueue_batch: Callable[[int, int, int], None] | None = None,
) -> FanOutResult:
    """Write an inbox entry (and a queued WeChat row) per recipient, page by page; hand each page on."""
    notice = db.session.get(Notice, notice_id)
    result = FanOutResult()
    if notice is None or notice.status != "published":
        return result
    audience, template_id, now = notice.audience, notice.template_id, clock.now()
    table = table_of(NoticeDelivery)
    after = 0
    while True:
        page = recipients_page(audience, after, batch_size, default_locale=default_locale)
        if not page:
            break
        rows = [
            {
                "notice_id": notice_id,
                "user_id": user_id,
                "channel": "in_app",
                "state": "delivered",
                "locale": recipient_locale(locale, default_locale),
                "attempts": 0,
                "created_at": now,
            }
            for user_id, locale, _openid in page
        ]
        db.session.execute(_insert_ignore(table), rows)
        if template_id:
            for row in rows:
                row["channel"], row["state"] = "wechat", "queued"
            db.session.execute(_insert_ignore(table), rows)
        db.session.commit()
        metrics.notice_delivery("delivered", len(rows), channel="inbox")
        first, after = page[0][0], page[-1][0]
        result.recipients += len(page)
        if template_id:
            result.batches.append((first, after))
            if enqueue_batch is not None:
                enqueue_batch(notice_id, first, after)
    return result


class SendRateLimiter:
    """At most `per_second` sends per second across every worker (a fixed one-second window in Redis)."""

    def __init__(
        self,
        redis_client,
        per_second: int,
        *,
        sleep: Callable[[float], None] = time.sleep,
        # A Unix second shared by every worker (a Redis key per second), not a calendar read.
        clock: Callable[[], float] = time.time,  # noqa: TID251 - a Unix second shared by workers
    ):
        self.redis, self.per_second, self.sleep, self.clock = redis_client, per_second, sleep, clock

    def acquire(self) -> None:
        """Wait until one more send fits in the current second."""
        if self.per_second <= 0:
            return
        while True:
            now = self.clock()
            key = f"ssc:notice-rate:{int(now)}"
            with self.redis.pipeline() as pipe:
                pipe.incr(key)
                pipe.expire(key, 2)
                count, _ = pipe.execute()
            if count <= self.per_second:
                return
            self.sleep(max(0.001, int(now) + 1 - now))


class QuotaLedger:
    """The quota ledger seen by a batch: reserve for a group of recipients, settle their outcomes."""

    def reserve_many(self, user_ids: list[int], template_id: str) -> set[int]:
        """Reserve one send for each user who has one left; the users reserved. Everyone, here."""
        return set(user_ids)

    def settle_many(self, outcomes: dict[str, list[int]], template_id: str) -> None:
        """Record what the sends did with the reservations: {"sent"|"failed"|"no_quota": [user ids]}."""


class SubscriptionLedger(QuotaLedger):
    """The subscription quota table (`subscriptions` service semantics), one statement per group.

    A reservation moves one from `available` to `reserved`; a sent message confirms it (`sent_total`),
    a failed one gives it back, WeChat's 43101 zeroes the quota. Doing this for a group of recipients
    at once keeps the database to a few commits per batch instead of two per message.
    """

    def reserve_many(self, user_ids: list[int], template_id: str) -> set[int]:
        """Reserve one send for each user with quota left (rows locked for the update)."""
        if not user_ids:
            return set()
        q = SubscriptionQuota
        found = set(
            db.session.scalars(
                select(q.user_id)
                .where(q.template_id == template_id, q.user_id.in_(user_ids), q.available > 0)
                .with_for_update()
            )
        )
        if found:
            db.session.execute(
                update(q)
                .where(q.template_id == template_id, q.user_id.in_(found), q.available > 0)
                .values(available=q.available - 1, reserved=q.reserved + 1)
                .execution_options(synchronize_session=False)
            )
        db.session.commit()
        return found

    def settle_many(self, outcomes: dict[str, list[int]], template_id: str) -> None:
        """Confirm sent messages, give failed ones back, zero the quota where WeChat said 43101."""
        q = SubscriptionQuota
        changes: dict[str, dict[str, Any]] = {
            "sent": {"reserved": q.reserved - 1, "sent_total": q.sent_total + 1},
            "failed": {"reserved": q.reserved - 1, "available": q.available + 1},
            "no_quota": {"reserved": q.reserved - 1, "available": 0},
        }
        for outcome, user_ids in outcomes.items():
            if user_ids and outcome in changes:
                db.session.execute(
                    update(q)
                    .where(q.template_id == template_id, q.user_id.in_(user_ids), q.reserved > 0)
                    .values(**changes[outcome])
                    .execution_options(synchronize_session=False)
                )
        db.session.commit()


@dataclass
class BatchResult:
    """Counts of what one batch did."""

    sent: int = 0
    failed: int = 0
    no_quota: int = 0
    cancelled: int = 0

    def add(self, state: str) -> None:
        """Count one outcome."""
        setattr(self, state, getattr(self, state) + 1)


@dataclass
class Sender:
    """What a batch needs from the outside world."""

    send: Callable[..., object]
    errors: ModuleType  # app.wechat.errors: the exception classes of the client behind `send`
    redis: object
    ledger: QuotaLedger = field(default_factory=QuotaLedger)
    limiter: SendRateLimiter | None = None
    # Looked up at call time so tests can stand in for time.sleep.
    sleep: Callable[[float], None] = field(default=lambda seconds: time.sleep(seconds))
    layout: dict | None = None
    page: str | None = None
    state: str = "formal"
    timezone: str = "Asia/Shanghai"
    default_locale: str = "en"
    #: Messages in flight at once, and the journal's window (HTTP waits overlap; the database work
    #: stays on one thread).
    concurrency: int = 8
    #: Redis replicas each window's "attempting" entries must reach before it is sent (WAIT): 1 with
    #: Redis Sentinel, 0 with one Redis (nothing to fail over to).
    replicas: int = 0


def send_batch(
    notice_id: int, first_user_id: int, last_user_id: int, sender: Sender, *, chunk: int = CLAIM_CHUNK
) -> BatchResult:
    """Send the queued WeChat messages of one range of recipients, claiming a few rows at a time."""
    result = BatchResult()
    notice = db.session.get(Notice, notice_id)
    if notice is None:
        return result
    if notice.status != "published" or not notice.template_id:
        result.cancelled = _cancel_range(notice_id, first_user_id, last_user_id)
        return result
    cache: dict[str, dict] = {}
    with ThreadPoolExecutor(max_workers=max(1, sender.concurrency), thread_name_prefix="notice-send") as pool:
        while True:
            claim, rows = _claim(notice_id, first_user_id, last_user_id, chunk)
            if not rows:
                break
            _send_claimed(notice, claim, rows, sender, cache, result, pool)
            # Stop early when the notice was withdrawn meanwhile; its queued rows are cancelled.
            db.session.expire(notice)
            if notice.status != "published":
                result.cancelled += _cancel_range(notice_id, first_user_id, last_user_id)
                break
    return result


def _cancel_range(notice_id: int, first: int, last: int) -> int:
    """Cancel the still-queued messages of a range (the notice is no longer published)."""
    count = rows_changed(
        update(NoticeDelivery)
        .where(
            NoticeDelivery.notice_id == notice_id,
            NoticeDelivery.channel == "wechat",
            NoticeDelivery.state == "queued",
            NoticeDelivery.user_id.between(first, last),
        )
        .values(state="cancelled")
    )
    db.session.commit()
    return count


def _claim(
    notice_id: int, first: int, last: int, chunk: int
) -> tuple[str, Sequence[Row[int, int, str | None, str]]]:
    """Mark up to `chunk` queued rows as ours (committed before anything is sent)."""
    d = NoticeDelivery
    ids = list(
        db.session.scalars(
            select(d.id)
            .where(
                d.notice_id == notice_id,
                d.channel == "wechat",
                d.state == "queued",
                d.user_id.between(first, last),
            )
            .order_by(d.id)
            .limit(chunk)
        )
    )
    if not ids:
        db.session.commit()
        return "", []
    claim = secrets.token_hex(8)
    # The state guard makes two workers on the same range take disjoint rows.
    db.session.execute(
        update(d)
        .where(d.id.in_(ids), d.state == "queued")
        .values(state="sending", claim=claim, claimed_at=clock.now(), attempts=d.attempts + 1)
    )
    db.session.commit()
    rows = db.session.execute(
        select(d.id, d.user_id, d.locale, UserAccount.openid)
        .join(UserAccount, UserAccount.id == d.user_id)
        .where(d.claim == claim, d.state == "sending")
        .order_by(d.id)
    ).all()
    db.session.commit()
    return claim, rows


@dataclass(frozen=True)
class _Message:
    """One reserved message of a claimed group, ready to send."""

    row_id: int
    user_id: int
    openid: str
    data: dict
    page: str | None
    lang: str


def _send_claimed(
    notice: Notice,
    claim: str,
    rows,
    sender: Sender,
    cache: dict,
    result: BatchResult,
    pool: ThreadPoolExecutor,
) -> None:
    """Reserve quota for the claimed rows, send them a window at a time (journaled before and after
    each window), then settle the ledger and write every outcome to the database at once."""
    journal = _journal_key(claim)
    template_id = notice.template_id
    assert template_id is not None  # a notice is sent over WeChat only with its template
    reserved = sender.ledger.reserve_many([row.user_id for row in rows], template_id)
    outcomes: list[dict] = []
    messages: list[_Message] = []
    unreserved = {}
    page = f"{sender.page}?id={notice.id}" if sender.page else None
    for row_id, user_id, locale, openid in rows:
        if user_id not in reserved:
            refusal = {
                "state": "no_quota",
                "errcode": 43101,
                "error": "no accepted subscription",
                "reserved": False,
            }
            unreserved[str(row_id)] = json.dumps(refusal)
            outcomes.append({**refusal, "id": row_id, "user_id": user_id})
            continue
        locale = locale or sender.default_locale
        data = cache.get(locale)
        if data is None:
            translation, _ = content_for(notice, locale)
            data = cache[locale] = message_data(
                notice, translation.title if translation else "", locale, sender.layout, sender.timezone
            )
        messages.append(_Message(row_id, user_id, openid, data, page, wechat_lang(locale)))
    if unreserved:
        journaled = _journal(sender.redis, journal, unreserved, first=True)
        outcomes = [outcome for outcome in outcomes if str(outcome["id"]) in journaled]
    size = max(1, sender.concurrency)
    stamped = clock.now()  # _claim stamped the rows a moment ago
    for start in range(0, len(messages), size):
        if clock.now() - stamped >= RESTAMP_AFTER:
            stamped = _still_working(claim)
        sent, answers = _send_window(sender, journal, template_id, messages[start : start + size], pool)
        for message, outcome in zip(sent, answers, strict=True):
            outcomes.append({**outcome, "id": message.row_id, "user_id": message.user_id})
    # Rows `reconcile` settled meanwhile (it took this worker for dead) are its to count, not ours.
    still_ours = _still_claimed(claim, [outcome["id"] for outcome in outcomes])
    outcomes = [outcome for outcome in outcomes if outcome["id"] in still_ours]
    settle: dict[str, list[int]] = {"sent": [], "failed": [], "no_quota": []}
    for outcome in outcomes:
        result.add(outcome["state"])
        if outcome["user_id"] in reserved:
            settle[_ledger_state(outcome)].append(outcome["user_id"])
    _write_outcomes(outcomes)  # first: once committed, `reconcile` no longer sees these rows
    sender.ledger.settle_many(settle, template_id)
    for state, count in Counter(outcome["state"] for outcome in outcomes).items():
        metrics.notice_delivery(state, count, channel="subscribe")


def _send_window(
    sender: Sender, journal: str, template_id: str, window: list[_Message], pool: ThreadPoolExecutor
) -> tuple[list[_Message], list[dict]]:
    """Send a window of messages at once: "attempting" journaled for all of them before the first
    send starts, their outcomes journaled together once every one has answered; the messages sent
    and their outcomes."""
    # After a kill, a row without "attempting" was never sent and can safely be sent again; one with
    # it may have reached WeChat and is never resent. So no send may start before this write. A row
    # whose entry already exists was handed back to the queue by `reconcile` (this worker was taken
    # for dead): it is left to whoever claims it next.
    ours = _journal(
        sender.redis, journal, {str(message.row_id): _ATTEMPTING for message in window}, first=True
    )
    window = [message for message in window if str(message.row_id) in ours]
    if not window:
        return [], []
    if sender.replicas:
        _wait_for_replicas(sender.redis, sender.replicas, journal)
    futures = [
        pool.submit(_attempt, sender, message.openid, template_id, message.data, message.page, message.lang)
        for message in window
    ]
    wait(futures)
    outcomes, answered, problem = [], {}, None
    for message, future in zip(window, futures, strict=True):
        if future.exception() is not None:
            problem = problem or future.exception()
            continue
        outcome = {**future.result(), "reserved": True}
        outcomes.append(outcome)
        answered[str(message.row_id)] = json.dumps(outcome)
    if answered:
        _journal(sender.redis, journal, answered)
    if problem is not None:
        raise problem  # the others' outcomes are journaled; this one stays "attempting" (never resent)
    return window, outcomes


def _still_working(claim: str) -> datetime:
    """Stamp the claim's rows again, so a slow but live worker is never taken for a dead one; the stamp."""
    d = NoticeDelivery
    now = clock.now()
    db.session.execute(update(d).where(d.claim == claim, d.state == "sending").values(claimed_at=now))
    db.session.commit()
    return now


def _still_claimed(claim: str, row_ids: list[int]) -> set[int]:
    """Which of these rows are still this claim's to settle (locked until the outcomes are written)."""
    if not row_ids:
        return set()
    d = NoticeDelivery
    return set(
        db.session.scalars(
            select(d.id).where(d.id.in_(row_ids), d.claim == claim, d.state == "sending").with_for_update()
        )
    )


def _journal(redis_client, journal: str, mapping: dict[str, str], *, first: bool = False) -> set[str]:
    """Write entries of a claim's journal in one round trip (with a fresh expiry); the keys written.

    With `first`, an entry is only written where the row has none yet (HSETNX): a worker's
    "attempting" and `reconcile`'s "requeued" exclude each other, so a row handed back to the queue
    is never also sent by the worker that claimed it.
    """
    with redis_client.pipeline(transaction=False) as pipe:
        if first:
            for row, entry in mapping.items():
                pipe.hsetnx(journal, row, entry)
        else:
            pipe.hset(journal, mapping=mapping)
        pipe.expire(journal, JOURNAL_TTL_SECONDS)
        answers = pipe.execute()
    if not first:
        return set(mapping)
    return {row for row, written in zip(mapping, answers, strict=False) if written}


def _wait_for_replicas(redis_client, replicas: int, journal: str) -> None:
    """Hold a window until its journal entries are on `replicas` replicas (or REPLICA_WAIT_MS passed)."""
    acknowledged = redis_client.wait(replicas, REPLICA_WAIT_MS)
    if acknowledged < replicas:
        # No replica in sync (it is down or far behind): a failover could not promote one that lacks
        # these entries without a full resync, and holding every delivery back would be worse.
        log.warning(
            "notice journal not on a replica in time; sending anyway",
            extra={"journal": journal, "replicas": acknowledged},
        )


def _attempt(sender: Sender, openid: str, template_id: str, data: dict, page: str | None, lang: str) -> dict:
    """The outcome of sending one message: sent (with msgid), no_quota, or failed with the errcode."""
    errors = sender.errors
    for attempt in range(BUSY_RETRIES + 1):
        if sender.limiter is not None:
            sender.limiter.acquire()
        try:
            msgid = sender.send(openid, template_id, data, page=page, lang=lang, state=sender.state)
        except errors.WeChatNoAnswer as error:
            # WeChat may have sent it (a late answer): not tried again, so nobody gets a notice twice.
            return {
                "state": "failed",
                "errcode": None,
                "unknown": True,
                "error": f"no answer ({error.errmsg}): outcome unknown, not resent"[:200],
            }
        except errors.WeChatQuotaExhausted as error:
            return {"state": "no_quota", "errcode": error.errcode, "error": error.errmsg[:200]}
        except errors.WeChatTokenRejected as error:
            return {"state": "failed", "errcode": error.errcode, "error": error.errmsg[:200]}
        except (errors.WeChatUnavailable, errors.WeChatRateLimited) as error:
            if attempt < BUSY_RETRIES:
                sender.sleep(BACKOFF_BASE_SECONDS * (2**attempt))
                continue
            return {"state": "failed", "errcode": error.errcode, "error": error.errmsg[:200]}
        except errors.WeChatError as error:
            return {"state": "failed", "errcode": error.errcode, "error": error.errmsg[:200]}
        return {
            "state": "sent",
            "msgid": str(msgid) if msgid is not None else None,
            "sent_at": clock.now().isoformat(),
        }
    raise AssertionError("unreachable")  # pragma: no cover


def _ledger_state(outcome: dict) -> str:
    """How an outcome settles its quota reservation: one whose result is unknown counts as used."""
    return "sent" if outcome.get("unknown") else outcome["state"]


def _write_outcomes(outcomes: list[dict]) -> None:
    """Apply a group of outcomes to their rows and release the claim."""
    if not outcomes:
        return
    d = table_of(NoticeDelivery)
    params = [
        {
            "row_id": o["id"],
            "new_state": o["state"],
            "new_errcode": o.get("errcode"),
            "new_error": o.get("error"),
            "new_msgid": o.get("msgid"),
            "new_sent_at": datetime.fromisoformat(o["sent_at"]) if o.get("sent_at") else None,
        }
        for o in outcomes
    ]
    statement = (
        update(d)
        .where(d.c.id == bindparam("row_id"), d.c.state == "sending")
        .values(
            state=bindparam("new_state"),
            errcode=bindparam("new_errcode"),
            error=bindparam("new_error"),
            msgid=bindparam("new_msgid"),
            sent_at=bindparam("new_sent_at"),
            claim=None,
        )
    )
    db.session.execute(statement, params)
    db.session.commit()


def reconcile(
    notice_id: int,
    redis_client,
    *,
    now: datetime | None = None,
    stale_after: timedelta = STALE_CLAIM,
    ledger: QuotaLedger | None = None,
) -> dict:
    """Settle rows left `sending` by a dead worker: from the journal, else failed as `interrupted`.

    An interrupted message may or may not have reached WeChat; it is not sent again (no duplicate),
    and its quota reservation is counted as used.
    """
    now = now or clock.now()
    ledger = ledger or SubscriptionLedger()
    d = NoticeDelivery
    notice = db.session.get(Notice, notice_id)
    stale = db.session.execute(
        select(d.id, d.claim, d.user_id)
        .where(
            d.notice_id == notice_id,
            d.channel == "wechat",
            d.state == "sending",
            d.claimed_at <= now - stale_after,
        )
        .with_for_update()
    ).all()
    recovered, interrupted, requeue = [], [], []
    settle: dict[str, list[int]] = {"sent": [], "failed": [], "no_quota": []}
    journals: dict[str | None, dict] = {}  # by claim, which the column allows to be empty
    for row_id, claim, user_id in stale:
        if claim not in journals:
            raw = redis_client.hgetall(_journal_key(claim)) if claim else {}
            journals[claim] = {_text(k): json.loads(_text(v)) for k, v in raw.items()}
        outcome = journals[claim].get(str(row_id))
        if outcome is None and claim:
            # Hand the row on only if its worker, alive after all, has not just started it: whoever
            # writes the row's journal entry first has it.
            key = _journal_key(claim)
            if not _journal(redis_client, key, {str(row_id): _REQUEUED}, first=True):
                outcome = json.loads(_text(redis_client.hget(key, str(row_id))))
        if outcome is None or outcome["state"] == "requeued":
            # Never attempted: give the reservation back and queue it again.
            requeue.append(row_id)
            settle["failed"].append(user_id)
        elif outcome["state"] == "attempting":
            interrupted.append(
                {
                    "id": row_id,
                    "state": "failed",
                    "errcode": None,
                    "error": "interrupted: outcome unknown, not resent",
                }
            )
            settle["sent"].append(user_id)
        else:
            recovered.append({**outcome, "id": row_id})
            if outcome.get("reserved", True):
                settle[_ledger_state(outcome)].append(user_id)
    # The rows first (their lock, taken above, is held until this commit), then the quota: a worker
    # that was alive after all finds them settled and counts none of them again.
    if requeue:
        db.session.execute(
            update(d)
            .where(d.id.in_(requeue), d.state == "sending")
            .values(state="queued", claim=None, claimed_at=None)
        )
    if recovered or interrupted:
        _write_outcomes(recovered + interrupted)
    db.session.commit()
    if notice is not None and notice.template_id and stale:
        ledger.settle_many(settle, notice.template_id)
    return {"recovered": len(recovered), "interrupted": len(interrupted), "requeued": len(requeue)}


def _text(value) -> str:
    """Redis answers bytes; journal keys and values are text."""
    return value.decode() if isinstance(value, bytes) else value


def queued_ranges(notice_id: int, batch_size: int = 1000) -> list[tuple[int, int]]:
    """User-id ranges that still have queued WeChat rows (to hand on again when resuming)."""
    d = NoticeDelivery
    ids = list(
        db.session.scalars(
            select(d.user_id)
            .where(d.notice_id == notice_id, d.channel == "wechat", d.state == "queued")
            .order_by(d.user_id)
        )
    )
    return [(ids[i], ids[min(i + batch_size, len(ids)) - 1]) for i in range(0, len(ids), batch_size)]
