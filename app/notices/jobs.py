"""RQ jobs of notices: fan out a published notice, send one batch of WeChat messages, publish due ones."""

from __future__ import annotations

import logging

from rq import Retry

from app.extensions import get_queue, get_redis
from app.jobs import job_app_context
from app.notices import delivery, publishing
from app.redis_client import uses_sentinel

log = logging.getLogger("app.notices.jobs")

#: Dotted names: RQ imports the job by name, so a worker never needs the caller's objects.
DELIVER_BATCH = delivery.DELIVER_BATCH_JOB
JOB_RETRY = Retry(max=3, interval=[10, 30, 60])


def start_delivery(notice_id: int) -> None:
    """Queue the fan-out of a just-published notice (runs at once on the embedded defaults)."""
    delivery.queue_fan_out(get_queue(), notice_id)


def fan_out(notice_id: int) -> dict:
    """Job: inbox entries for every recipient, and one send job per page of WeChat recipients."""
    with job_app_context() as app:
        config = app.config
        queue = get_queue()

        def enqueue_batch(nid: int, first: int, last: int) -> None:
            queue.enqueue(DELIVER_BATCH, nid, first, last, retry=JOB_RETRY, job_timeout=3600)

        result = delivery.fan_out(
            notice_id,
            batch_size=int(config.get("NOTICE_BATCH_SIZE", 1000)),
            default_locale=config["DEFAULT_LOCALE"],
            enqueue_batch=enqueue_batch,
        )
        log.info(
            "notice fanned out",
            extra={"notice_id": notice_id, "recipients": result.recipients, "batches": len(result.batches)},
        )
        return {"recipients": result.recipients, "batches": len(result.batches)}


def make_sender(app) -> delivery.Sender:
    """The WeChat client, quota ledger, rate limiter and settings a batch sends with."""
    from app.wechat import errors as wechat_errors
    from app.wechat import get_wechat

    config = app.config
    redis_client = get_redis()
    return delivery.Sender(
        send=get_wechat().send_subscribe_message,
        errors=wechat_errors,
        redis=redis_client,
        ledger=delivery.SubscriptionLedger(),
        limiter=delivery.SendRateLimiter(redis_client, int(config.get("NOTICE_SENDS_PER_SECOND") or 0)),
        layout=config.get("NOTICE_TEMPLATE_LAYOUT"),
        page=config.get("NOTICE_PAGE", "pages/notices/index"),
        state=config.get("WECHAT_MINIPROGRAM_STATE", "formal"),
        timezone=config.get("DEFAULT_TIMEZONE", "Asia/Shanghai"),
        default_locale=config["DEFAULT_LOCALE"],
        concurrency=int(config.get("NOTICE_SEND_CONCURRENCY", 8)),
        replicas=1 if uses_sentinel(config) else 0,
    )


def deliver_batch(notice_id: int, first_user_id: int, last_user_id: int) -> dict:
    """Job: send the queued WeChat messages of one range of recipients."""
    with job_app_context() as app:
        result = delivery.send_batch(notice_id, first_user_id, last_user_id, make_sender(app))
        return {
            "sent": result.sent,
            "failed": result.failed,
            "no_quota": result.no_quota,
            "cancelled": result.cancelled,
        }


def resume(notice_id: int) -> dict:
    """Job: settle what a dead worker left `sending`, then queue the ranges still waiting."""
    with job_app_context() as app:
        settled = delivery.reconcile(notice_id, get_redis())
        ranges = delivery.queued_ranges(notice_id, int(app.config.get("NOTICE_BATCH_SIZE", 1000)))
        queue = get_queue()
        for first, last in ranges:
            queue.enqueue(DELIVER_BATCH, notice_id, first, last, retry=JOB_RETRY, job_timeout=3600)
        return {**settled, "batches": len(ranges)}


def publish_due() -> list[int]:
    """Job (run every minute by cron or `flask notices publish-due`): publish scheduled notices."""
    with job_app_context():
        published = publishing.due_notices()
        for notice_id in published:
            start_delivery(notice_id)
        return published
