"""Notices: compose, translate (sanitised Markdown), preview, schedule, publish, withdraw, versions, stats.

What readers get (inbox, WeChat messages, the export) is the notice's own row and translations: the
live version. Once a notice is published those change only when a publisher publishes a version; an
edit (any field, any locale) is kept as a new draft version beside the live text. Each edit is its own
version, so a publisher publishes exactly the draft they reviewed. An edit of a scheduled notice takes
it off the schedule: a publisher has to publish it again.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Literal
from urllib.parse import urlparse

import nh3
from markdown_it import MarkdownIt
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError

from app import clock
from app.accounts.admin_auth import Actor, require
from app.audit import log as audit
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.i18n import _l
from app.i18n.locales import SUPPORTED
from app.notices.audience import parse_audience
from app.notices.models.notice import (
    NOTICE_CATEGORIES,
    NOTICE_PRIORITIES,
    Notice,
    NoticeDelivery,
    NoticeTranslation,
    NoticeVersion,
)

#: A missing translation is shown in English, then Simplified Chinese, then the source language.
FALLBACK_CHAIN = ("en", "zh_Hans")
MAX_TITLE = 200
MAX_BODY = 20_000

_ALLOWED_TAGS = {
    "p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre", "h2", "h3", "h4",
    "hr", "table", "thead", "tbody", "tr", "th", "td",
}


class NoticeNotFound(NotFound):
    """No notice with this id."""

    code = "notice.not_found"
    message = _l("This notice does not exist.")


class NoticeWithdrawn(Conflict):
    """A withdrawn notice cannot be changed or published again."""

    code = "notice.withdrawn"
    message = _l("Someone withdrew this notice, so you cannot change it.")


class NoticeNotPublished(Conflict):
    """Only a published or scheduled notice can be withdrawn."""

    code = "notice.not_published"
    message = _l("This notice is not published.")


class DraftChanged(Conflict):
    """The draft a publisher (or editor) acted on is no longer the newest one."""

    code = "notice.draft_changed"
    message = _l("Someone changed the notice after you opened it. Check the newest draft and try again.")


class NoDraft(Conflict):
    """There is no draft version waiting to be published or discarded."""

    code = "notice.no_draft"
    message = _l("This notice has no draft waiting for publication.")


class ConcurrentEdit(Conflict):
    """Two changes to one notice met; the later one was not saved."""

    code = "notice.concurrent_edit"
    message = _l("Someone else changed this notice at the same moment. Reload it and try again.")


INVALID_NOTICE = _l("Some fields of the notice need a correction.")


class TranslationIn(BaseModel):
    """A title and a Markdown body in one locale."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=MAX_TITLE)
    body: str = Field(min_length=1, max_length=MAX_BODY)
    machine_translated: bool = False


class SourceIn(BaseModel):
    """The official document a notice is based on: required before anything is published."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=300)
    url: str = Field(min_length=1, max_length=500)
    date: date

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("the source link must be an http(s) address")
        return value


class NoticeIn(BaseModel):
    """A notice as the admin API and the console send it (design.md §4)."""

    model_config = ConfigDict(extra="forbid")

    source_locale: str
    translations: dict[str, TranslationIn] = Field(min_length=1)
    source: SourceIn
    category: Literal[NOTICE_CATEGORIES]  # type: ignore[valid-type]
    priority: Literal[NOTICE_PRIORITIES] = "normal"  # type: ignore[valid-type]
    audience: dict
    template_id: str | None = Field(default=None, max_length=64)
    publish_at: datetime | None = None

    @field_validator("source_locale")
    @classmethod
    def _source_locale(cls, value: str) -> str:
        if value not in SUPPORTED:
            raise ValueError("unsupported locale")
        return value

    @field_validator("translations")
    @classmethod
    def _translation_locales(cls, value: dict) -> dict:
        unknown = [locale for locale in value if locale not in SUPPORTED]
        if unknown:
            raise ValueError(f"unsupported locales: {', '.join(sorted(unknown))}")
        return value

    @field_validator("template_id")
    @classmethod
    def _template(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        return value or None

    @field_validator("publish_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def _field_errors(error: ValidationError) -> dict:
    """Pydantic errors as {dotted.field: message}."""
    return {".".join(str(p) for p in e["loc"]) or "body": e["msg"] for e in error.errors()}


def parse_notice(data) -> NoticeIn:
    """The validated notice input, or ValidationFailed naming every wrong field."""
    if not isinstance(data, dict):
        raise ValidationFailed(INVALID_NOTICE, code="notice.invalid", details={"fields": {"body": "object"}})
    audience_error = None
    try:
        data = dict(data)
        data["audience"] = parse_audience(data.get("audience"))
    except ValidationFailed as error:
        audience_error = error
    try:
        parsed = NoticeIn.model_validate(data)
    except ValidationError as error:
        fields = _field_errors(error)
        if audience_error:
            fields.update(audience_error.details["fields"])
        raise ValidationFailed(INVALID_NOTICE, code="notice.invalid", details={"fields": fields}) from None
    if audience_error:
        raise ValidationFailed(INVALID_NOTICE, code="notice.invalid", details=audience_error.details)
    if parsed.source_locale not in parsed.translations:
        raise ValidationFailed(INVALID_NOTICE, code="notice.invalid", details={
            "fields": {"translations": f"a translation in the source locale {parsed.source_locale} is required"}
        })
    return parsed


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    """CommonMark with raw HTML off (nh3 cleans what is left anyway) and tables on."""
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render_markdown(text: str) -> str:
    """Markdown to HTML that is safe to show: only harmless tags, http(s)/mailto links, noopener."""
    html = _markdown().render(text or "")
    return nh3.clean(
        html, tags=_ALLOWED_TAGS, attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer",
    )


def get_notice(notice_id) -> Notice:
    """The notice with this id, or NoticeNotFound."""
    try:
        notice = db.session.get(Notice, int(notice_id))
    except (TypeError, ValueError):
        notice = None
    if notice is None:
        raise NoticeNotFound()
    return notice


def _locked_notice(notice_id) -> Notice:
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


def _commit() -> None:
    """Commit; a version number taken by a simultaneous change is a conflict, never a 500."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ConcurrentEdit() from None


def _put_translation(notice: Notice, locale: str, item: TranslationIn, actor: Actor) -> bool:
    """Add or replace one translation; True when its text changed."""
    existing = notice.translation(locale)
    if existing is None:
        existing = NoticeTranslation(locale=locale, title=item.title, body_markdown=item.body,
                                     body_html=render_markdown(item.body))
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
        category=parsed.category, priority=parsed.priority, audience=parsed.audience,
        source_locale=parsed.source_locale, source_title=parsed.source.title,
        source_url=parsed.source.url, source_date=parsed.source.date, template_id=parsed.template_id,
        publish_at=parsed.publish_at, status="draft", created_by_admin_id=actor.admin_id,
    )
    db.session.add(notice)
    for locale, item in parsed.translations.items():
        _put_translation(notice, locale, item, actor)
    db.session.flush()
    _audit("notice.create", notice, actor, {"locales": sorted(parsed.translations), "version": notice.version,
                                            "category": parsed.category, "priority": parsed.priority})
    db.session.commit()
    return notice


def update_notice(notice_id, data, actor: Actor) -> Notice:
    """Replace a notice's fields; on a published notice the change is a new draft version."""
    require(actor, "notices.edit")
    notice = _locked_notice(notice_id)
    if notice.status == "withdrawn":
        raise NoticeWithdrawn()
    parsed = parse_notice(data)
    if notice.status == "published":
        before = working_copy(notice)
        after = copy.deepcopy(before)
        after.update(category=parsed.category, priority=parsed.priority, audience=parsed.audience,
                     source_locale=parsed.source_locale, template_id=parsed.template_id,
                     source={"title": parsed.source.title, "url": parsed.source.url,
                             "date": parsed.source.date.isoformat()})
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
    changed = _changed_fields(before, snapshot(notice))
    details = {"changed": changed, "version": notice.version}
    if notice.status == "scheduled" and (changed or notice.publish_at is None):
        # No time left to publish at, or words the publisher did not see: publishing is a manual step again.
        notice.status = "draft"
        details["unscheduled"] = True
    _audit("notice.update", notice, actor, details)
    _commit()
    return notice


def set_translation(notice_id, locale: str, data, actor: Actor) -> Notice:
    """Add or change one locale's title and body; on a published notice this is a new draft version."""
    require(actor, "notices.translate")
    notice = _locked_notice(notice_id)
    if notice.status == "withdrawn":
        raise NoticeWithdrawn()
    if locale not in SUPPORTED:
        raise ValidationFailed(INVALID_NOTICE, code="notice.invalid",
                               details={"fields": {"locale": "unsupported locale"}})
    try:
        item = TranslationIn.model_validate(data)
    except ValidationError as error:
        raise ValidationFailed(INVALID_NOTICE, code="notice.invalid",
                               details={"fields": _field_errors(error)}) from None
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
    _audit("notice.translate", notice, actor, details)
    _commit()
    return notice


def _draft_translation(content: dict, locale: str, item: TranslationIn, actor: Actor) -> None:
    """Put one locale's text into a draft's content (the reviewer is whoever changed the words)."""
    entry = content["translations"].get(locale) or {}
    new = {"title": item.title, "body": item.body, "machine_translated": item.machine_translated,
           "reviewed_by": entry.get("reviewed_by"), "reviewed_at": entry.get("reviewed_at")}
    if _words(entry) != _words(new) and not item.machine_translated:
        new["reviewed_by"], new["reviewed_at"] = actor.admin_id, clock.now().isoformat()
    content["translations"][locale] = new


def _record_draft(notice: Notice, action: str, before: dict, after: dict, actor: Actor, details: dict) -> None:
    """Keep `after` as a new draft version when it differs from `before`; audit the edit either way."""
    changed = _changed_fields(before, after)
    details = {**details, "changed": changed, "live_version": notice.version}
    if changed:
        number = max([v.version for v in notice.versions] + [notice.version]) + 1
        for version in notice.versions:
            if version.state == "draft":
                version.state = "superseded"
        notice.versions.append(NoticeVersion(version=number, snapshot=after, state="draft",
                                             created_by_admin_id=actor.admin_id))
        details.update(version=number, draft=True)
    else:
        draft = pending_draft(notice)
        details["version"] = draft.version if draft else notice.version
    _audit(action, notice, actor, details)
    _commit()


def pending_draft(notice: Notice) -> NoticeVersion | None:
    """The draft version of a published notice that waits for a publisher, if any."""
    return next((v for v in reversed(notice.versions) if v.state == "draft"), None)


def working_copy(notice: Notice) -> dict:
    """What the next version of a notice holds: its pending draft, or else the live text."""
    draft = pending_draft(notice)
    return copy.deepcopy(draft.snapshot) if draft else snapshot(notice)


def snapshot(notice: Notice) -> dict:
    """Every field and translation of a notice as plain JSON."""
    return {
        "category": notice.category, "priority": notice.priority, "audience": notice.audience,
        "source_locale": notice.source_locale, "template_id": notice.template_id,
        "source": {"title": notice.source_title, "url": notice.source_url,
                   "date": notice.source_date.isoformat() if notice.source_date else None},
        "translations": {t.locale: {
            "title": t.title, "body": t.body_markdown, "machine_translated": bool(t.machine_translated),
            "reviewed_by": t.reviewed_by_admin_id,
            "reviewed_at": t.reviewed_at.isoformat() if t.reviewed_at else None,
        } for t in notice.translations},
    }


def _words(entry: dict | None) -> tuple | None:
    """What readers see of one translation (who reviewed it is no change to the words)."""
    if not entry:
        return None
    return entry.get("title"), entry.get("body"), bool(entry.get("machine_translated"))


def _changed_fields(before: dict, after: dict) -> list[str]:
    """Names of the top-level fields (and translation locales) that differ."""
    changed = [key for key in before if key != "translations" and before[key] != after[key]]
    locales = set(before["translations"]) | set(after["translations"])
    changed += [f"translations.{loc}" for loc in sorted(locales)
                if _words(before["translations"].get(loc)) != _words(after["translations"].get(loc))]
    return changed


def draft_changes(notice: Notice) -> list[str]:
    """The fields and locales in which the pending draft differs from the live text."""
    draft = pending_draft(notice)
    return _changed_fields(snapshot(notice), draft.snapshot) if draft else []


def _apply(notice: Notice, content: dict) -> None:
    """Make a version's content the live text of a notice."""
    notice.category, notice.priority, notice.audience = content["category"], content["priority"], content["audience"]
    notice.source_locale, notice.template_id = content["source_locale"], content["template_id"]
    notice.source_title, notice.source_url = content["source"]["title"], content["source"]["url"]
    notice.source_date = date.fromisoformat(content["source"]["date"])
    for locale, entry in content["translations"].items():
        translation = notice.translation(locale)
        if translation is None:
            translation = NoticeTranslation(locale=locale)
            notice.translations.append(translation)
        translation.title, translation.body_markdown = entry["title"], entry["body"]
        translation.body_html = render_markdown(entry["body"])
        translation.machine_translated = bool(entry.get("machine_translated"))
        reviewed_at = entry.get("reviewed_at")
        translation.reviewed_by_admin_id = entry.get("reviewed_by")
        translation.reviewed_at = datetime.fromisoformat(reviewed_at) if reviewed_at else None


def missing_locales(notice: Notice, locales=SUPPORTED) -> list[str]:
    """The served locales that have no translation yet (they will see the fallback)."""
    have = {t.locale for t in notice.translations}
    return [locale for locale in locales if locale not in have]


def fallback_locale(notice: Notice, locale: str) -> str:
    """The locale whose text a reader in `locale` sees: their own, then en, zh_Hans, the source."""
    have = {t.locale for t in notice.translations}
    for candidate in (locale.split("@", 1)[0] if locale else None, *FALLBACK_CHAIN, notice.source_locale):
        if candidate in have:
            return candidate
    return notice.source_locale


def content_for(notice: Notice, locale: str) -> tuple[NoticeTranslation, bool]:
    """The translation shown to a reader in `locale` and whether it is a fallback."""
    chosen = fallback_locale(notice, locale)
    translation = notice.translation(chosen)
    base = locale.split("@", 1)[0] if locale else locale
    return translation, chosen != base


@dataclass(frozen=True)
class PublishResult:
    """What publishing did: the notice, whether its delivery starts now (a new version of a published
    notice sends nothing again), whether a draft version went live, and the locales that fall back."""

    notice: Notice
    started: bool
    missing_translations: list[str]
    new_version: bool = False


def publish(notice_id, actor: Actor, *, version: int | None = None, now: datetime | None = None) -> PublishResult:
    """Publish now (or schedule when publish_at is in the future), or make a published notice's draft
    version live; publishing again changes nothing. `version`: only if that is what would go live."""
    require(actor, "notices.publish")
    now = now or clock.now()
    notice = _locked_notice(notice_id)
    if notice.status == "withdrawn":
        raise NoticeWithdrawn()
    draft = pending_draft(notice) if notice.status == "published" else None
    if version is not None and version != (draft or notice).version:
        raise DraftChanged()
    if notice.status == "published":
        if draft is None:
            return PublishResult(notice, True, missing_locales(notice))
        changed = _changed_fields(snapshot(notice), draft.snapshot)
        previous = notice.version
        _apply(notice, draft.snapshot)
        notice.version = draft.version
        draft.state, draft.published_at, draft.published_by_admin_id = "published", now, actor.admin_id
        missing = missing_locales(notice)
        _audit("notice.publish", notice, actor, {"version": draft.version, "previous_version": previous,
                                                 "changed": changed, "missing_translations": missing})
        _commit()
        return PublishResult(notice, False, missing, new_version=True)  # nothing is sent again
    missing = missing_locales(notice)
    if notice.publish_at and notice.publish_at > now:
        notice.status = "scheduled"
        _audit("notice.schedule", notice, actor, {"publish_at": notice.publish_at.isoformat(),
                                                  "version": notice.version})
        _commit()
        return PublishResult(notice, False, missing)
    _mark_published(notice, now, actor)
    _audit("notice.publish", notice, actor, {"missing_translations": missing, "version": notice.version})
    _commit()
    return PublishResult(notice, True, missing)


def _mark_published(notice: Notice, now: datetime, actor: Actor | None) -> None:
    """Set a notice live and freeze the version that went out."""
    notice.status = "published"
    notice.published_at = now
    exists_already = any(v.version == notice.version for v in notice.versions)
    if not exists_already:
        admin_id = actor.admin_id if actor else None
        notice.versions.append(NoticeVersion(version=notice.version, snapshot=snapshot(notice), state="published",
                                             created_by_admin_id=admin_id, published_at=now,
                                             published_by_admin_id=admin_id))


def discard_draft(notice_id, actor: Actor, *, version: int | None = None) -> Notice:
    """Drop a published notice's pending draft version; the live text stays as it is."""
    require(actor, "notices.edit")
    notice = _locked_notice(notice_id)
    draft = pending_draft(notice)
    if draft is None:
        raise NoDraft()
    if version is not None and version != draft.version:
        raise DraftChanged()
    draft.state = "discarded"
    _audit("notice.discard_draft", notice, actor, {"version": draft.version, "live_version": notice.version})
    _commit()
    return notice


def due_notices(now: datetime | None = None) -> list[int]:
    """Publish every scheduled notice whose time has come; the ids published."""
    now = now or clock.now()
    ids = list(db.session.scalars(
        select(Notice.id).where(Notice.status == "scheduled", Notice.publish_at <= now).order_by(Notice.id)
    ))
    published = []
    for notice_id in ids:
        notice = db.session.get(Notice, notice_id)
        if notice is None or notice.status != "scheduled":
            continue
        _mark_published(notice, now, None)
        audit.record("notice.publish", actor_type="system", entity="notice", entity_id=notice.id,
                     details={"scheduled": True, "version": notice.version})
        published.append(notice_id)
    db.session.commit()
    return published


def withdraw(notice_id, actor: Actor, *, now: datetime | None = None) -> Notice:
    """Take a notice down: it leaves every inbox and its unsent WeChat messages are cancelled."""
    require(actor, "notices.publish")
    notice = _locked_notice(notice_id)
    if notice.status not in ("published", "scheduled"):
        raise NoticeNotPublished()
    draft = pending_draft(notice)
    if draft is not None:
        draft.state = "discarded"  # a withdrawn notice never changes again
    notice.status = "withdrawn"
    notice.withdrawn_at = now or clock.now()
    cancelled = db.session.execute(
        update(NoticeDelivery)
        .where(NoticeDelivery.notice_id == notice.id, NoticeDelivery.channel == "wechat",
               NoticeDelivery.state == "queued")
        .values(state="cancelled")
    ).rowcount
    _audit("notice.withdraw", notice, actor, {"cancelled_messages": cancelled, "version": notice.version,
                                              "discarded_version": draft.version if draft else None})
    _commit()
    return notice


def list_notices(status: str | None = None, *, limit: int = 100, offset: int = 0) -> list[Notice]:
    """Notices, newest first, optionally of one status."""
    query = select(Notice).order_by(Notice.id.desc()).limit(limit).offset(offset)
    if status:
        query = query.where(Notice.status == status)
    return list(db.session.scalars(query))


def stats(notice_id) -> dict:
    """Delivered, read and failed counts for a notice, in total and per recipient locale."""
    notice = get_notice(notice_id)
    d = NoticeDelivery
    rows = db.session.execute(
        select(d.locale, d.channel, d.state, func.count(), func.count(d.read_at))
        .where(d.notice_id == notice.id)
        .group_by(d.locale, d.channel, d.state)
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
    return {"notice_id": notice.id, "status": notice.status, "version": notice.version,
            "totals": totals, "per_locale": dict(sorted(per_locale.items()))}


def failure_codes(notice_id) -> list[tuple[int | None, int]]:
    """WeChat errcodes of failed messages and how often each occurred."""
    d = NoticeDelivery
    rows = db.session.execute(
        select(d.errcode, func.count()).where(d.notice_id == int(notice_id), d.channel == "wechat",
                                              d.state == "failed")
        .group_by(d.errcode).order_by(func.count().desc())
    ).all()
    return [(code, count) for code, count in rows]


# ---- the user's inbox -------------------------------------------------------------------------

def _inbox_conditions(user_id: int):
    """Rows of a user's inbox: their in-app deliveries of published, not withdrawn notices."""
    return (NoticeDelivery.user_id == user_id, NoticeDelivery.channel == "in_app",
            Notice.status == "published")


def inbox(user_id: int, locale: str, *, page: int = 1, per_page: int = 20) -> dict:
    """One page of a user's notices in their locale (fallback chain), newest first, with counts."""
    conditions = _inbox_conditions(user_id)
    base = select(NoticeDelivery, Notice).join(Notice, Notice.id == NoticeDelivery.notice_id).where(*conditions)
    total, unread = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((NoticeDelivery.read_at.is_(None), 1), else_=0)), 0))
        .select_from(NoticeDelivery).join(Notice, Notice.id == NoticeDelivery.notice_id).where(*conditions)
    ).one()
    rows = db.session.execute(
        base.order_by(Notice.published_at.desc(), Notice.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    items = [notice_item(notice, locale, delivery.read_at) for delivery, notice in rows]
    return {"items": items, "total": int(total), "unread": int(unread), "page": page, "per_page": per_page,
            "next_page": page + 1 if page * per_page < total else None}


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
        "source": {"title": notice.source_title, "url": notice.source_url,
                   "date": notice.source_date.isoformat()},
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
        select(NoticeDelivery).join(Notice, Notice.id == NoticeDelivery.notice_id)
        .where(NoticeDelivery.notice_id == notice_id, *_inbox_conditions(user_id))
    ).scalar_one_or_none()
    if row is None:
        raise NoticeNotFound()
    if row.read_at is None:
        row.read_at = now or clock.now()
        db.session.commit()
    return row.read_at


def _audit(action: str, notice: Notice, actor: Actor, details: dict) -> None:
    """An audit row for an action on a notice."""
    audit.record(action, actor_type="admin", actor_id=actor.admin_id, entity="notice", entity_id=notice.id,
                 details=details, request_id=actor.request_id)
