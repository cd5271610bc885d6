"""Compose and change notices: drafts, translations, and new draft versions of published notices.

What readers get (inbox, WeChat messages, the export) is the notice's own row and translations: the
live version. Once a notice is published those change only when a publisher publishes a version; an
edit (any field, any locale) is kept as a new draft version beside the live text. Each edit is its own
version, so a publisher publishes exactly the draft they reviewed. An edit of a scheduled notice takes
it off the schedule: a publisher has to publish it again.
"""

from __future__ import annotations

import copy

from pydantic import ValidationError
from sqlalchemy import select

from app import clock
from app.accounts.admin_auth import Actor, require
from app.errors import ValidationFailed
from app.extensions import db
from app.i18n.locales import SUPPORTED
from app.notices.errors import INVALID_NOTICE, NoticeWithdrawn
from app.notices.markdown import render_markdown
from app.notices.models.notice import Notice, NoticeTranslation, NoticeVersion
from app.notices.parsing import field_errors, parse_notice
from app.notices.schemas import TranslationIn
from app.notices.store import audit_action, commit_change, locked_notice
from app.notices.versions import changed_fields, pending_draft, snapshot, words, working_copy


def _put_translation(notice: Notice, locale: str, item: TranslationIn, actor: Actor) -> bool:
    """Add or replace one translation; True when its text changed."""
    existing = notice.translation(locale)
    if existing is None:
        existing = NoticeTranslation(
            locale=locale, title=item.title, body_markdown=item.body, body_html=render_markdown(item.body)
        )
        notice.translations.append(existing)
        changed = True
    else:
        changed = (existing.title, existing.body_markdown) != (item.title, item.body)
        existing.title, existing.body_markdown = item.title, item.body
        existing.body_html = render_markdown(item.body)
    existing.machine_translated = item.machine_translated
    if changed and not item.machine_translated:
        existing.reviewed_by_admin_id, existing.reviewed_at = actor.admin_id, clock.now()
    return changed


def create_notice(data, actor: Actor) -> Notice:
    """A new draft notice from validated input (source locale, translations, source, audience…)."""
    require(actor, "notices.edit")
    parsed = parse_notice(data)
    notice = Notice(
        category=parsed.category,
        priority=parsed.priority,
        audience=parsed.audience,
        source_locale=parsed.source_locale,
        source_title=parsed.source.title,
        source_url=parsed.source.url,
        source_date=parsed.source.date,
        template_id=parsed.template_id,
        publish_at=parsed.publish_at,
        status="draft",
        created_by_admin_id=actor.admin_id,
    )
    db.session.add(notice)
    for locale, item in parsed.translations.items():
        _put_translation(notice, locale, item, actor)
    db.session.flush()
    audit_action(
        "notice.create",
        notice,
        actor,
        {
            "locales": sorted(parsed.translations),
            "version": notice.version,
            "category": parsed.category,
            "priority": parsed.priority,
        },
    )
    db.session.commit()
    return notice


def update_notice(notice_id, data, actor: Actor) -> Notice:
    """Replace a notice's fields; on a published notice the change is a new draft version."""
    require(actor, "notices.edit")
    notice = locked_notice(notice_id)
    if notice.status == "withdrawn":
        raise NoticeWithdrawn()
    parsed = parse_notice(data)
    if notice.status == "published":
        before = working_copy(notice)
        after = copy.deepcopy(before)
        after.update(
            category=parsed.category,
            priority=parsed.priority,
            audience=parsed.audience,
            source_locale=parsed.source_locale,
            template_id=parsed.template_id,
            source={
                "title": parsed.source.title,
                "url": parsed.source.url,
                "date": parsed.source.date.isoformat(),
            },
        )
        for locale, item in parsed.translations.items():
            _draft_translation(after, locale, item, actor)
        _record_draft(notice, "notice.update", before, after, actor, {})
        return notice
    before = snapshot(notice)
    notice.category, notice.priority, notice.audience = parsed.category, parsed.priority, parsed.audience
    notice.source_locale, notice.template_id = parsed.source_locale, parsed.template_id
    notice.source_title, notice.source_url = parsed.source.title, parsed.source.url
    notice.source_date = parsed.source.date
    notice.publish_at = parsed.publish_at
    for locale, item in parsed.translations.items():
        _put_translation(notice, locale, item, actor)
    changed = changed_fields(before, snapshot(notice))
    details = {"changed": changed, "version": notice.version}
    if notice.status == "scheduled" and (changed or notice.publish_at is None):
        # No time left to publish at, or words the publisher did not see: publishing is a manual step again.
        notice.status = "draft"
        details["unscheduled"] = True
    audit_action("notice.update", notice, actor, details)
    commit_change()
    return notice


def set_translation(notice_id, locale: str, data, actor: Actor) -> Notice:
    """Add or change one locale's title and body; on a published notice this is a new draft version."""
    require(actor, "notices.translate")
    notice = locked_notice(notice_id)
    if notice.status == "withdrawn":
        raise NoticeWithdrawn()
    if locale not in SUPPORTED:
        raise ValidationFailed(
            INVALID_NOTICE, code="notice.invalid", details={"fields": {"locale": "unsupported locale"}}
        )
    try:
        item = TranslationIn.model_validate(data)
    except ValidationError as error:
        raise ValidationFailed(
            INVALID_NOTICE, code="notice.invalid", details={"fields": field_errors(error)}
        ) from None
    if notice.status == "published":
        before = working_copy(notice)
        after = copy.deepcopy(before)
        _draft_translation(after, locale, item, actor)
        _record_draft(notice, "notice.translate", before, after, actor, {"locale": locale})
        return notice
    details = {"locale": locale, "version": notice.version}
    if _put_translation(notice, locale, item, actor) and notice.status == "scheduled":
        notice.status = "draft"
        details["unscheduled"] = True
    audit_action("notice.translate", notice, actor, details)
    commit_change()
    return notice


def _draft_translation(content: dict, locale: str, item: TranslationIn, actor: Actor) -> None:
    """Put one locale's text into a draft's content (the reviewer is whoever changed the words)."""
    entry = content["translations"].get(locale) or {}
    new = {
        "title": item.title,
        "body": item.body,
        "machine_translated": item.machine_translated,
        "reviewed_by": entry.get("reviewed_by"),
        "reviewed_at": entry.get("reviewed_at"),
    }
    if words(entry) != words(new) and not item.machine_translated:
        new["reviewed_by"], new["reviewed_at"] = actor.admin_id, clock.now().isoformat()
    content["translations"][locale] = new


def _record_draft(
    notice: Notice, action: str, before: dict, after: dict, actor: Actor, details: dict
) -> None:
    """Keep `after` as a new draft version when it differs from `before`; audit the edit either way."""
    changed = changed_fields(before, after)
    details = {**details, "changed": changed, "live_version": notice.version}
    if changed:
        number = max([v.version for v in notice.versions] + [notice.version]) + 1
        for version in notice.versions:
            if version.state == "draft":
                version.state = "superseded"
        notice.versions.append(
            NoticeVersion(version=number, snapshot=after, state="draft", created_by_admin_id=actor.admin_id)
        )
        details.update(version=number, draft=True)
    else:
        draft = pending_draft(notice)
        details["version"] = draft.version if draft else notice.version
    audit_action(action, notice, actor, details)
    commit_change()


def list_notices(status: str | None = None, *, limit: int = 100, offset: int = 0) -> list[Notice]:
    """Notices, newest first, optionally of one status."""
    query = select(Notice).order_by(Notice.id.desc()).limit(limit).offset(offset)
    if status:
        query = query.where(Notice.status == status)
    return list(db.session.scalars(query))
