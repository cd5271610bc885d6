"""Fan-out of a published notice: inbox entries for every recipient, then WeChat messages in claimed batches.

Every (notice, user, channel) has one row, so a repeated fan-out or a retried job adds nothing twice.
A WeChat row moves queued → sending (claimed, committed) → sent | failed | no_quota. The outcome of
each send is written to a Redis journal the moment WeChat answers and to the database in small groups;
a worker killed halfway leaves `sending` rows that `reconcile` settles from the journal. Only a message
whose HTTP call was in flight at the moment of the kill has an unknown outcome: it is marked failed
(`interrupted`) rather than sent again, so nobody gets a notice twice.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, insert, select, update

from app.extensions import db
from app.i18n.locales import SUPPORTED
from app.models.notice import Notice, NoticeDelivery
from app.models.types import utcnow
from app.models.user import UserAccount
from app.services import subscriptions
from app.services.audience import recipients_page
from app.services.notice_messages import message_data, wechat_lang
from app.services.notices import content_for

log = logging.getLogger("app.delivery")

CLAIM_CHUNK = 50
JOURNAL_TTL_SECONDS = 7 * 24 * 3600
STALE_CLAIM = timedelta(minutes=10)
BUSY_RETRIES = 4
BACKOFF_BASE_SECONDS = 0.25


FAN_OUT_JOB = "app.tasks.notices.fan_out"
DELIVER_BATCH_JOB = "app.tasks.notices.deliver_batch"
RESUME_JOB = "app.tasks.notices.resume"


def queue_fan_out(queue, notice_id: int) -> None:
    """Queue the fan-out of a published notice (by dotted name; runs at once on the embedded defaults)."""
    from rq import Retry

    queue.enqueue(FAN_OUT_JOB, notice_id, retry=Retry(max=3, interval=[10, 30, 60]), job_timeout=3600)


def queue_resume(queue, notice_id: int) -> None:
    """Queue the settling and re-sending of what a dead worker left behind."""
    queue.enqueue(RESUME_JOB, notice_id, job_timeout=3600)


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


def fan_out(notice_id: int, *, batch_size: int = 1000, default_locale: str = "en",
            enqueue_batch: Callable[[int, int, int], None] | None = None) -> FanOutResult:
    """Write an inbox entry (and a queued WeChat row) per recipient, page by page; hand each page on."""
    notice = db.session.get(Notice, notice_id)
    result = FanOutResult()
    if notice is None or notice.status != "published":
        return result
    audience, template_id, now = notice.audience, notice.template_id, utcnow()
    table = NoticeDelivery.__table__
    after = 0
    while True:
        page = recipients_page(audience, after, batch_size, default_locale=default_locale)
        if not page:
            break
        rows = [{"notice_id": notice_id, "user_id": user_id, "channel": "in_app", "state": "delivered",
                 "locale": recipient_locale(locale, default_locale), "attempts": 0, "created_at": now}
                for user_id, locale, _openid in page]
        db.session.execute(_insert_ignore(table), rows)
        if template_id:
            for row in rows:
                row["channel"], row["state"] = "wechat", "queued"
            db.session.execute(_insert_ignore(table), rows)
        db.session.commit()
        first, after = page[0][0], page[-1][0]
        result.recipients += len(page)
        if template_id:
            result.batches.append((first, after))
            if enqueue_batch is not None:
                enqueue_batch(notice_id, first, after)
    return result


class SendRateLimiter:
    """At most `per_second` sends per second across every worker (a fixed one-second window in Redis)."""

    def __init__(self, redis_client, per_second: int, *, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time):
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
    """Adapter to the subscription quota ledger: reserve before a send, settle after it."""

    def reserve(self, user_id: int, openid: str, template_id: str) -> bool:
        """Take one accepted subscription; False when the user has none left."""
        return True

    def settle(self, user_id: int, openid: str, template_id: str, outcome: str) -> None:
        """Record what the send did with the reservation ('sent', 'no_quota' or 'failed')."""


class SubscriptionLedger(QuotaLedger):
    """The subscriptions service's ledger: a reservation per send, confirmed or given back after it."""

    def reserve(self, user_id: int, openid: str, template_id: str) -> bool:
        """Take one accepted subscription from the ledger."""
        return subscriptions.reserve_quota(user_id, template_id)

    def settle(self, user_id: int, openid: str, template_id: str, outcome: str) -> None:
        """Confirm a sent message; give back a failed one; zero the quota on WeChat's 43101."""
        if outcome == "sent":
            subscriptions.confirm_quota(user_id, template_id)
        else:
            subscriptions.release_quota(user_id, template_id, exhausted=outcome == "no_quota")


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
    errors: object
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
    flush_every: int = 25


def send_batch(notice_id: int, first_user_id: int, last_user_id: int, sender: Sender, *,
               chunk: int = CLAIM_CHUNK) -> BatchResult:
    """Send the queued WeChat messages of one range of recipients, claiming a few rows at a time."""
    result = BatchResult()
    notice = db.session.get(Notice, notice_id)
    if notice is None:
        return result
    if notice.status != "published" or not notice.template_id:
        result.cancelled = _cancel_range(notice_id, first_user_id, last_user_id)
        return result
    cache: dict[str, dict] = {}
    while True:
        claim, rows = _claim(notice_id, first_user_id, last_user_id, chunk)
        if not rows:
            break
        _send_claimed(notice, claim, rows, sender, cache, result)
        # Stop early when the notice was withdrawn meanwhile; its queued rows are cancelled.
        db.session.expire(notice)
        if notice.status != "published":
            result.cancelled += _cancel_range(notice_id, first_user_id, last_user_id)
            break
    return result


def _cancel_range(notice_id: int, first: int, last: int) -> int:
    """Cancel the still-queued messages of a range (the notice is no longer published)."""
    count = db.session.execute(
        update(NoticeDelivery).where(
            NoticeDelivery.notice_id == notice_id, NoticeDelivery.channel == "wechat",
            NoticeDelivery.state == "queued", NoticeDelivery.user_id.between(first, last),
        ).values(state="cancelled")
    ).rowcount
    db.session.commit()
    return count


def _claim(notice_id: int, first: int, last: int, chunk: int) -> tuple[str, list]:
    """Mark up to `chunk` queued rows as ours (committed before anything is sent)."""
    d = NoticeDelivery
    ids = list(db.session.scalars(
        select(d.id).where(d.notice_id == notice_id, d.channel == "wechat", d.state == "queued",
                           d.user_id.between(first, last)).order_by(d.id).limit(chunk)
    ))
    if not ids:
        db.session.commit()
        return "", []
    claim = secrets.token_hex(8)
    # The state guard makes two workers on the same range take disjoint rows.
    db.session.execute(
        update(d).where(d.id.in_(ids), d.state == "queued")
        .values(state="sending", claim=claim, claimed_at=utcnow(), attempts=d.attempts + 1)
    )
    db.session.commit()
    rows = db.session.execute(
        select(d.id, d.user_id, d.locale, UserAccount.openid).join(UserAccount, UserAccount.id == d.user_id)
        .where(d.claim == claim, d.state == "sending").order_by(d.id)
    ).all()
    db.session.commit()
    return claim, rows


def _send_claimed(notice: Notice, claim: str, rows, sender: Sender, cache: dict, result: BatchResult) -> None:
    """Send each claimed row, journal each outcome at once, and write outcomes to the database in groups."""
    pending: list[dict] = []
    journal = _journal_key(claim)
    for row_id, user_id, locale, openid in rows:
        locale = locale or sender.default_locale
        outcome = _deliver_one(notice, user_id, openid, locale, sender, cache)
        outcome["id"] = row_id
        sender.redis.hset(journal, str(row_id), json.dumps(outcome, default=str))
        pending.append(outcome)
        result.add(outcome["state"])
        if len(pending) >= sender.flush_every:
            _write_outcomes(pending)
            pending = []
    if pending:
        _write_outcomes(pending)
    sender.redis.expire(journal, JOURNAL_TTL_SECONDS)


def _deliver_one(notice: Notice, user_id: int, openid: str, locale: str, sender: Sender, cache: dict) -> dict:
    """Reserve quota, render, send (retrying busy answers with backoff); the row's outcome."""
    errors = sender.errors
    if not sender.ledger.reserve(user_id, openid, notice.template_id):
        return {"state": "no_quota", "errcode": 43101, "error": "no accepted subscription"}
    data = cache.get(locale)
    if data is None:
        translation, _ = content_for(notice, locale)
        data = cache[locale] = message_data(notice, translation.title if translation else "", locale,
                                            sender.layout, sender.timezone)
    page = f"{sender.page}?id={notice.id}" if sender.page else None
    for attempt in range(BUSY_RETRIES + 1):
        if sender.limiter is not None:
            sender.limiter.acquire()
        try:
            msgid = sender.send(openid, notice.template_id, data, page=page, lang=wechat_lang(locale),
                                state=sender.state)
        except errors.WeChatQuotaExhausted as error:
            sender.ledger.settle(user_id, openid, notice.template_id, "no_quota")
            return {"state": "no_quota", "errcode": error.errcode, "error": error.errmsg[:200]}
        except errors.WeChatTokenRejected as error:
            sender.ledger.settle(user_id, openid, notice.template_id, "failed")
            return {"state": "failed", "errcode": error.errcode, "error": error.errmsg[:200]}
        except (errors.WeChatUnavailable, errors.WeChatRateLimited) as error:
            if attempt < BUSY_RETRIES:
                sender.sleep(BACKOFF_BASE_SECONDS * (2 ** attempt))
                continue
            sender.ledger.settle(user_id, openid, notice.template_id, "failed")
            return {"state": "failed", "errcode": error.errcode, "error": error.errmsg[:200]}
        except errors.WeChatError as error:
            sender.ledger.settle(user_id, openid, notice.template_id, "failed")
            return {"state": "failed", "errcode": error.errcode, "error": error.errmsg[:200]}
        sender.ledger.settle(user_id, openid, notice.template_id, "sent")
        return {"state": "sent", "msgid": str(msgid) if msgid is not None else None,
                "sent_at": utcnow().isoformat()}
    raise AssertionError("unreachable")  # pragma: no cover


def _write_outcomes(outcomes: list[dict]) -> None:
    """Apply a group of outcomes to their rows and release the claim."""
    d = NoticeDelivery.__table__
    params = [{
        "row_id": o["id"], "new_state": o["state"], "new_errcode": o.get("errcode"),
        "new_error": o.get("error"), "new_msgid": o.get("msgid"),
        "new_sent_at": datetime.fromisoformat(o["sent_at"]) if o.get("sent_at") else None,
    } for o in outcomes]
    statement = (
        update(d).where(d.c.id == bindparam("row_id"), d.c.state == "sending")
        .values(state=bindparam("new_state"), errcode=bindparam("new_errcode"), error=bindparam("new_error"),
                msgid=bindparam("new_msgid"), sent_at=bindparam("new_sent_at"), claim=None)
    )
    db.session.execute(statement, params)
    db.session.commit()


def reconcile(notice_id: int, redis_client, *, now: datetime | None = None,
              stale_after: timedelta = STALE_CLAIM) -> dict:
    """Settle rows left `sending` by a dead worker: from the journal, else failed as `interrupted`."""
    now = now or utcnow()
    d = NoticeDelivery
    stale = db.session.execute(
        select(d.id, d.claim).where(d.notice_id == notice_id, d.channel == "wechat", d.state == "sending",
                                    d.claimed_at <= now - stale_after)
    ).all()
    recovered, interrupted = [], []
    journals: dict[str, dict] = {}
    for row_id, claim in stale:
        if claim not in journals:
            raw = redis_client.hgetall(_journal_key(claim)) if claim else {}
            journals[claim] = {_text(k): json.loads(_text(v)) for k, v in raw.items()}
        outcome = journals[claim].get(str(row_id))
        if outcome is not None:
            recovered.append({**outcome, "id": row_id})
        else:
            interrupted.append({"id": row_id, "state": "failed", "errcode": None,
                                "error": "interrupted: outcome unknown, not resent"})
    if recovered or interrupted:
        _write_outcomes(recovered + interrupted)
    return {"recovered": len(recovered), "interrupted": len(interrupted)}


def _text(value) -> str:
    """Redis answers bytes; journal keys and values are text."""
    return value.decode() if isinstance(value, bytes) else value


def queued_ranges(notice_id: int, batch_size: int = 1000) -> list[tuple[int, int]]:
    """User-id ranges that still have queued WeChat rows (to hand on again when resuming)."""
    d = NoticeDelivery
    ids = list(db.session.scalars(
        select(d.user_id).where(d.notice_id == notice_id, d.channel == "wechat", d.state == "queued")
        .order_by(d.user_id)
    ))
    return [(ids[i], ids[min(i + batch_size, len(ids)) - 1]) for i in range(0, len(ids), batch_size)]
