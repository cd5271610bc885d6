"""Notices found by id, locked while they change, committed, and their changes audited."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from app.accounts.admin_auth import Actor
from app.audit import log as audit
from app.extensions import db
from app.notices.errors import ConcurrentEdit, NoticeNotFound
from app.notices.models.notice import Notice


def get_notice(notice_id) -> Notice:
    """The notice with this id, or NoticeNotFound."""
    try:
        notice = db.session.get(Notice, int(notice_id))
    except (TypeError, ValueError):
        notice = None
    if notice is None:
        raise NoticeNotFound()
    return notice


def locked_notice(notice_id) -> Notice:
    """The notice, its row locked until the transaction ends, so changes to it queue behind each other."""
    # A new transaction: under REPEATABLE READ the reads after the lock (versions, translations) then
    # see what the change before this one committed, not a snapshot taken while this one waited.
    db.session.commit()
    try:
        notice = db.session.get(Notice, int(notice_id), with_for_update=True, populate_existing=True)
    except (TypeError, ValueError):
        notice = None
    if notice is None:
        raise NoticeNotFound()
    return notice


def commit_change() -> None:
    """Commit; a version number taken by a simultaneous change is a conflict, never a 500."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ConcurrentEdit() from None


def audit_action(action: str, notice: Notice, actor: Actor, details: dict) -> None:
    """An audit row for an action on a notice."""
    audit.record(
        action,
        actor_type="admin",
        actor_id=actor.admin_id,
        entity="notice",
        entity_id=notice.id,
        details=details,
        request_id=actor.request_id,
    )
