"""A notice's versions: the live text as a snapshot, the pending draft, what differs, a version made live."""

from __future__ import annotations

import copy
from datetime import date, datetime

from app.notices.markdown import render_markdown
from app.notices.models.notice import Notice, NoticeTranslation, NoticeVersion


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
        "category": notice.category,
        "priority": notice.priority,
        "audience": notice.audience,
        "source_locale": notice.source_locale,
        "template_id": notice.template_id,
        "source": {
            "title": notice.source_title,
            "url": notice.source_url,
            "date": notice.source_date.isoformat() if notice.source_date else None,
        },
        "translations": {
            t.locale: {
                "title": t.title,
                "body": t.body_markdown,
                "machine_translated": bool(t.machine_translated),
                "reviewed_by": t.reviewed_by_admin_id,
                "reviewed_at": t.reviewed_at.isoformat() if t.reviewed_at else None,
            }
            for t in notice.translations
        },
    }


def words(entry: dict | None) -> tuple | None:
    """What readers see of one translation (who reviewed it is no change to the words)."""
    if not entry:
        return None
    return entry.get("title"), entry.get("body"), bool(entry.get("machine_translated"))


def changed_fields(before: dict, after: dict) -> list[str]:
    """Names of the top-level fields (and translation locales) that differ."""
    changed = [key for key in before if key != "translations" and before[key] != after[key]]
    locales = set(before["translations"]) | set(after["translations"])
    changed += [
        f"translations.{loc}"
        for loc in sorted(locales)
        if words(before["translations"].get(loc)) != words(after["translations"].get(loc))
    ]
    return changed


def draft_changes(notice: Notice) -> list[str]:
    """The fields and locales in which the pending draft differs from the live text."""
    draft = pending_draft(notice)
    return changed_fields(snapshot(notice), draft.snapshot) if draft else []


def apply_version(notice: Notice, content: dict) -> None:
    """Make a version's content the live text of a notice."""
    notice.category, notice.priority, notice.audience = (
        content["category"],
        content["priority"],
        content["audience"],
    )
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
