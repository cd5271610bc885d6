"""Publish a notice (now, on schedule, or its draft version), discard a draft, withdraw a notice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import CursorResult, select, update

from app import clock
from app.accounts.admin_auth import Actor, require
from app.audit import log as audit
from app.extensions import db
from app.notices.errors import DraftChanged, NoDraft, NoticeNotPublished, NoticeWithdrawn
from app.notices.fallback import missing_locales
from app.notices.models.notice import Notice, NoticeDelivery, NoticeVersion
from app.notices.store import audit_action, commit_change, locked_notice
from app.notices.versions import apply_version, changed_fields, pending_draft, snapshot


@dataclass(frozen=True)
class PublishResult:
    """What publishing did: the notice, whether its delivery starts now (a new version of a published
    notice sends nothing again), whether a draft version went live, and the locales that fall back."""

    notice: Notice
    started: bool
    missing_translations: list[str]
    new_version: bool = False


def publish(
    notice_id, actor: Actor, *, version: int | None = None, now: datetime | None = None
) -> PublishResult:
    """Publish now (or schedule when publish_at is in the future), or make a published notice's draft
    version live; publishing again changes nothing. `version`: only if that is what would go live."""
    require(actor, "notices.publish")
    now = now or clock.now()
    notice = locked_notice(notice_id)
    if notice.status == "withdrawn":
        raise NoticeWithdrawn()
    draft = pending_draft(notice) if notice.status == "published" else None
    if version is not None and version != (draft or notice).version:
        raise DraftChanged()
    if notice.status == "published":
        if draft is None:
            return PublishResult(notice, True, missing_locales(notice))
        changed = changed_fields(snapshot(notice), draft.snapshot)
        previous = notice.version
        apply_version(notice, draft.snapshot)
        notice.version = draft.version
        draft.state, draft.published_at, draft.published_by_admin_id = "published", now, actor.admin_id
        missing = missing_locales(notice)
        audit_action(
            "notice.publish",
            notice,
            actor,
            {
                "version": draft.version,
                "previous_version": previous,
                "changed": changed,
                "missing_translations": missing,
            },
        )
        commit_change()
        return PublishResult(notice, False, missing, new_version=True)  # nothing is sent again
    missing = missing_locales(notice)
    if notice.publish_at and notice.publish_at > now:
        notice.status = "scheduled"
        audit_action(
            "notice.schedule",
            notice,
            actor,
            {"publish_at": notice.publish_at.isoformat(), "version": notice.version},
        )
        commit_change()
        return PublishResult(notice, False, missing)
    mark_published(notice, now, actor)
    audit_action(
        "notice.publish", notice, actor, {"missing_translations": missing, "version": notice.version}
    )
    commit_change()
    return PublishResult(notice, True, missing)


def mark_published(notice: Notice, now: datetime, actor: Actor | None) -> None:
    """Set a notice live and freeze the version that went out."""
    notice.status = "published"
    notice.published_at = now
    exists_already = any(v.version == notice.version for v in notice.versions)
    if not exists_already:
        admin_id = actor.admin_id if actor else None
        notice.versions.append(
            NoticeVersion(
                version=notice.version,
                snapshot=snapshot(notice),
                state="published",
                created_by_admin_id=admin_id,
                published_at=now,
                published_by_admin_id=admin_id,
            )
        )


def discard_draft(notice_id, actor: Actor, *, version: int | None = None) -> Notice:
    """Drop a published notice's pending draft version; the live text stays as it is."""
    require(actor, "notices.edit")
    notice = locked_notice(notice_id)
    draft = pending_draft(notice)
    if draft is None:
        raise NoDraft()
    if version is not None and version != draft.version:
        raise DraftChanged()
    draft.state = "discarded"
    audit_action(
        "notice.discard_draft", notice, actor, {"version": draft.version, "live_version": notice.version}
    )
    commit_change()
    return notice


def due_notices(now: datetime | None = None) -> list[int]:
    """Publish every scheduled notice whose time has come; the ids published."""
    now = now or clock.now()
    ids = list(
        db.session.scalars(
            select(Notice.id)
            .where(Notice.status == "scheduled", Notice.publish_at <= now)
            .order_by(Notice.id)
        )
    )
    published = []
    for notice_id in ids:
        notice = db.session.get(Notice, notice_id)
        if notice is None or notice.status != "scheduled":
            continue
        mark_published(notice, now, None)
        audit.record(
            "notice.publish",
            actor_type="system",
            entity="notice",
            entity_id=notice.id,
            details={"scheduled": True, "version": notice.version},
        )
        published.append(notice_id)
    db.session.commit()
    return published


def withdraw(notice_id, actor: Actor, *, now: datetime | None = None) -> Notice:
    """Take a notice down: it leaves every inbox and its unsent WeChat messages are cancelled."""
    require(actor, "notices.publish")
    notice = locked_notice(notice_id)
    if notice.status not in ("published", "scheduled"):
        raise NoticeNotPublished()
    draft = pending_draft(notice)
    if draft is not None:
        draft.state = "discarded"  # a withdrawn notice never changes again
    notice.status = "withdrawn"
    notice.withdrawn_at = now or clock.now()
    cancelled = cast(
        CursorResult,
        db.session.execute(
            update(NoticeDelivery)
            .where(
                NoticeDelivery.notice_id == notice.id,
                NoticeDelivery.channel == "wechat",
                NoticeDelivery.state == "queued",
            )
            .values(state="cancelled")
        ),
    ).rowcount
    audit_action(
        "notice.withdraw",
        notice,
        actor,
        {
            "cancelled_messages": cancelled,
            "version": notice.version,
            "discarded_version": draft.version if draft else None,
        },
    )
    commit_change()
    return notice
