"""Notices: compose, translate (sanitised Markdown), preview, schedule, publish, withdraw, versions, stats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Literal
from urllib.parse import urlparse

import nh3
from markdown_it import MarkdownIt
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import case, func, select, update

from app import clock
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.i18n import _l
from app.i18n.locales import SUPPORTED
from app.models.notice import (
    NOTICE_CATEGORIES,
    NOTICE_PRIORITIES,
    Notice,
    NoticeDelivery,
    NoticeTranslation,
    NoticeVersion,
)
from app.services import audit
from app.services.admin_auth import Actor, require
from app.services.audience import parse_audience

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
    message = _l("This notice was withdrawn and cannot be changed.")


class NoticeNotPublished(Conflict):
    """Only a published or scheduled notice can be withdrawn."""

    code = "notice.not_published"
    message = _l("This notice is not published.")


INVALID_NOTICE = _l("Some fields of the notice need to be corrected.")


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
    _audit("notice.create", notice, actor, {"locales": sorted(parsed.translations),
                                            "category": parsed.category, "priority": parsed.priority})
    db.session.commit()
    return notice


def update_notice(notice_id, data, actor: Actor) -> Notice:
    """Replace a notice's fields; editing a published notice makes a new version."""
    require(actor, "notices.edit")
    notice = get_notice(notice_id)
    if notice.status == "withdrawn":
        raise NoticeWithdrawn()
    parsed = parse_notice(data)
    before = snapshot(notice)
    notice.category, notice.priority, notice.audience = parsed.category, parsed.priority, parsed.audience
    notice.source_locale, notice.template_id = parsed.source_locale, parsed.template_id
    notice.source_title, notice.source_url = parsed.source.title, parsed.source.url
    notice.source_date = parsed.source.date
    if notice.status in ("draft", "scheduled"):
        notice.publish_at = parsed.publish_at
        if notice.status == "scheduled" and notice.publish_at is None:
            notice.status = "draft"  # no time left to publish at: publishing is a manual step again
    for locale, item in parsed.translations.items():
        _put_translation(notice, locale, item, actor)
    changed = _changed_fields(before, snapshot(notice))
    if changed and notice.status == "published":
        notice.version += 1
        _store_version(notice, actor)
    _audit("notice.update", notice, actor, {"changed": changed, "version": notice.version})
    db.session.commit()
    return notice


def set_translation(notice_id, locale: str, data, actor: Actor) -> Notice:
    """Add or change one locale's title and body; on a published notice this is a new version."""
    require(actor, "notices.translate")
    notice = get_notice(notice_id)
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
    if _put_translation(notice, locale, item, actor) and notice.status == "published":
        notice.version += 1
        _store_version(notice, actor)
    _audit("notice.translate", notice, actor, {"locale": locale, "version": notice.version})
    db.session.commit()
    return notice


def snapshot(notice: Notice) -> dict:
    """Every field and translation of a notice as plain JSON."""
    return {
        "category": notice.category, "priority": notice.priority, "audience": notice.audience,
        "source_locale": notice.source_locale, "template_id": notice.template_id,
        "source": {"title": notice.source_title, "url": notice.source_url,
                   "date": notice.source_date.isoformat() if notice.source_date else None},
        "translations": {t.locale: {"title": t.title, "body": t.body_markdown} for t in notice.translations},
    }


def _changed_fields(before: dict, after: dict) -> list[str]:
    """Names of the top-level fields (and translation locales) that differ."""
    changed = [key for key in before if key != "translations" and before[key] != after[key]]
    locales = set(before["translations"]) | set(after["translations"])
    changed += [f"translations.{loc}" for loc in sorted(locales)
                if before["translations"].get(loc) != after["translations"].get(loc)]
    return changed


def _store_version(notice: Notice, actor: Actor) -> None:
    """Freeze the notice as it is now under its current version number (once per number)."""
    exists_already = any(v.version == notice.version for v in notice.versions)
    if not exists_already:
        notice.versions.append(NoticeVersion(version=notice.version, snapshot=snapshot(notice),
                                             created_by_admin_id=actor.admin_id))


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
    """What publishing did: the notice, whether it went out now, and the locales that fall back."""

    notice: Notice
    started: bool
    missing_translations: list[str]


def publish(notice_id, actor: Actor, *, now: datetime | None = None) -> PublishResult:
    """Publish now (or schedule when publish_at is in the future); publishing again changes nothing."""
    require(actor, "notices.publish")
    now = now or clock.now()
    notice = get_notice(notice_id)
    if notice.status == "withdrawn":
        raise NoticeWithdrawn()
    missing = missing_locales(notice)
    if notice.status == "published":
        return PublishResult(notice, True, missing)
    if notice.publish_at and notice.publish_at > now:
        notice.status = "scheduled"
        _audit("notice.schedule", notice, actor, {"publish_at": notice.publish_at.isoformat()})
        db.session.commit()
        return PublishResult(notice, False, missing)
    _mark_published(notice, now, actor)
    _audit("notice.publish", notice, actor, {"missing_translations": missing, "version": notice.version})
    db.session.commit()
    return PublishResult(notice, True, missing)


def _mark_published(notice: Notice, now: datetime, actor: Actor | None) -> None:
    """Set a notice live and freeze the version that went out."""
    notice.status = "published"
    notice.published_at = now
    exists_already = any(v.version == notice.version for v in notice.versions)
    if not exists_already:
        notice.versions.append(NoticeVersion(version=notice.version, snapshot=snapshot(notice),
                                             created_by_admin_id=actor.admin_id if actor else None))


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
    notice = get_notice(notice_id)
    if notice.status not in ("published", "scheduled"):
        raise NoticeNotPublished()
    notice.status = "withdrawn"
    notice.withdrawn_at = now or clock.now()
    cancelled = db.session.execute(
        update(NoticeDelivery)
        .where(NoticeDelivery.notice_id == notice.id, NoticeDelivery.channel == "wechat",
               NoticeDelivery.state == "queued")
        .values(state="cancelled")
    ).rowcount
    _audit("notice.withdraw", notice, actor, {"cancelled_messages": cancelled})
    db.session.commit()
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
