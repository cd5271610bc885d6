"""How a notice fared: delivered, read and failed counts, and WeChat's error codes."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.notices.models.notice import NoticeDelivery
from app.notices.store import get_notice


def stats(notice_id) -> dict:
    """Delivered, read and failed counts for a notice, in total and per recipient locale."""
    notice = get_notice(notice_id)
    rows = db.session.execute(
        select(
            NoticeDelivery.locale,
            NoticeDelivery.channel,
            NoticeDelivery.state,
            func.count(),
            func.count(NoticeDelivery.read_at),
        )
        .where(NoticeDelivery.notice_id == notice.id)
        .group_by(NoticeDelivery.locale, NoticeDelivery.channel, NoticeDelivery.state)
    ).all()
    empty = {"delivered": 0, "read": 0, "sent": 0, "failed": 0, "no_quota": 0, "pending": 0, "cancelled": 0}
    totals = dict(empty)
    per_locale: dict[str, dict] = {}
    for locale, channel, state, count, read in rows:
        bucket = per_locale.setdefault(locale or "", dict(empty))
        for target in (totals, bucket):
            if channel == "in_app":
                target["delivered"] += count
                target["read"] += read
            elif state in ("queued", "sending"):
                target["pending"] += count
            elif state in target:
                target[state] += count
    return {
        "notice_id": notice.id,
        "status": notice.status,
        "version": notice.version,
        "totals": totals,
        "per_locale": dict(sorted(per_locale.items())),
    }


def failure_codes(notice_id) -> list[tuple[int | None, int]]:
    """WeChat errcodes of failed messages and how often each occurred."""
    rows = db.session.execute(
        select(NoticeDelivery.errcode, func.count())
        .where(
            NoticeDelivery.notice_id == int(notice_id),
            NoticeDelivery.channel == "wechat",
            NoticeDelivery.state == "failed",
        )
        .group_by(NoticeDelivery.errcode)
        .order_by(func.count().desc())
    ).all()
    return [(code, count) for code, count in rows]
