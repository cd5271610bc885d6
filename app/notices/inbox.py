"""The user's inbox: their notices in their language, newest first, and marking one read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select

from app import clock
from app.extensions import db
from app.notices.errors import NoticeNotFound
from app.notices.fallback import content_for
from app.notices.models.notice import Notice, NoticeDelivery


def _inbox_conditions(user_id: int):
    """Rows of a user's inbox: their in-app deliveries of published, not withdrawn notices."""
    return (
        NoticeDelivery.user_id == user_id,
        NoticeDelivery.channel == "in_app",
        Notice.status == "published",
    )


def inbox(user_id: int, locale: str, *, page: int = 1, per_page: int = 20) -> dict:
    """One page of a user's notices in their locale (fallback chain), newest first, with counts."""
    conditions = _inbox_conditions(user_id)
    base = (
        select(NoticeDelivery, Notice).join(Notice, Notice.id == NoticeDelivery.notice_id).where(*conditions)
    )
    total, unread = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((NoticeDelivery.read_at.is_(None), 1), else_=0)), 0))
        .select_from(NoticeDelivery)
        .join(Notice, Notice.id == NoticeDelivery.notice_id)
        .where(*conditions)
    ).one()
    rows = db.session.execute(
        base.order_by(Notice.published_at.desc(), Notice.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    items = [notice_item(notice, locale, delivery.read_at) for delivery, notice in rows]
    return {
        "items": items,
        "total": int(total),
        "unread": int(unread),
        "page": page,
        "per_page": per_page,
        "next_page": page + 1 if page * per_page < total else None,
    }


def notice_item(notice: Notice, locale: str, read_at: datetime | None = None) -> dict:
    """A notice as the mini program shows it, in the reader's locale (or its fallback)."""
    translation, fallback = content_for(notice, locale)
    return {
        "id": notice.id,
        "title": translation.title if translation else "",
        "body_html": translation.body_html if translation else "",
        "body_markdown": translation.body_markdown if translation else "",
        "content_locale": translation.locale if translation else notice.source_locale,
        "fallback": fallback,
        "category": notice.category,
        "priority": notice.priority,
        "important": notice.priority in ("important", "urgent"),
        "source": {
            "title": notice.source_title,
            "url": notice.source_url,
            "date": notice.source_date.isoformat(),
        },
        "published_at": notice.published_at.isoformat() if notice.published_at else None,
        "version": notice.version,
        "read": read_at is not None,
        "read_at": read_at.isoformat() if read_at else None,
    }


def mark_read(user_id: int, notice_id, *, now: datetime | None = None) -> datetime:
    """Mark a notice in the user's inbox as read (idempotent); NoticeNotFound if it is not theirs."""
    try:
        notice_id = int(notice_id)
    except (TypeError, ValueError):
        raise NoticeNotFound() from None
    row = db.session.execute(
        select(NoticeDelivery)
        .join(Notice, Notice.id == NoticeDelivery.notice_id)
        .where(NoticeDelivery.notice_id == notice_id, *_inbox_conditions(user_id))
    ).scalar_one_or_none()
    if row is None:
        raise NoticeNotFound()
    if row.read_at is None:
        row.read_at = now or clock.now()
        db.session.commit()
    return row.read_at
