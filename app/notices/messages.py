"""The data of a notice's WeChat subscribe message, in the reader's language, within WeChat's value rules."""

from __future__ import annotations

import re

import regex

from app import clock
from app.i18n import force_locale, pgettext
from app.notices.models.notice import Notice

#: Longest value per keyword type (wechat.md §4). `name` allows 10 when any Chinese character is in it.
KEYWORD_LIMITS = {
    "thing": 20,
    "letter": 32,
    "character_string": 32,
    "car_number": 8,
    "name": 20,
    "phrase": 5,
    "number": 32,
    "symbol": 5,
    "phone_number": 17,
}
#: Which part of a notice fills a keyword when the template's layout is not configured.
DEFAULT_LAYOUT = {"thing1": "title", "thing2": "category", "time3": "published_at"}
ELLIPSIS = "…"

_GRAPHEME = regex.compile(r"\X")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

#: `phrase` keywords accept Chinese characters only, whatever the reader's language.
CATEGORY_PHRASES = {
    "policy_change": "政策变更",
    "deadline": "截止提醒",
    "outage": "服务中断",
    "how_to": "办事指南",
    "reminder": "提醒",
}


def wechat_lang(locale: str | None) -> str:
    """WeChat's `lang` for our locale: zh_Hans → zh_CN, zh_Hant → zh_TW, everything else en_US."""
    base = (locale or "").split("@", 1)[0]
    return {"zh_Hans": "zh_CN", "zh_Hant": "zh_TW"}.get(base, "en_US")


def keyword_type(name: str) -> str:
    """The type of a template keyword from its name: 'thing1' → 'thing'."""
    return name.rstrip("0123456789")


def truncate_graphemes(text: str, limit: int, ellipsis: str = ELLIPSIS) -> str:
    """At most `limit` characters, cut between grapheme clusters (never inside an emoji or accent)."""
    if len(text) <= limit:
        return text
    budget = limit - len(ellipsis)
    kept, used = [], 0
    for cluster in _GRAPHEME.findall(text):
        if used + len(cluster) > budget:
            break
        kept.append(cluster)
        used += len(cluster)
    return "".join(kept).rstrip() + ellipsis


def fit_value(kind: str, text: str) -> str:
    """A value WeChat accepts for a keyword type: one line, within the type's length."""
    text = _CONTROL.sub(" ", text or "").strip()
    limit = KEYWORD_LIMITS.get(kind)
    if kind == "name" and _CJK.search(text):
        limit = 10
    if limit is None:
        return text
    return truncate_graphemes(text, limit, ELLIPSIS if kind in ("thing", "name") else "")


def category_label(category: str) -> str:
    """The notice category in the active locale."""
    labels = {
        "policy_change": pgettext("notice category", "Policy change"),
        "deadline": pgettext("notice category", "Deadline"),
        "outage": pgettext("notice category", "Service outage"),
        "how_to": pgettext("notice category", "How-to"),
        "reminder": pgettext("notice category", "Reminder"),
    }
    return labels.get(category, category)


def priority_label(priority: str) -> str:
    """The notice priority in the active locale."""
    labels = {
        "normal": pgettext("notice priority", "Normal"),
        "important": pgettext("notice priority", "Important"),
        "urgent": pgettext("notice priority", "Urgent"),
    }
    return labels.get(priority, priority)


def message_data(
    notice: Notice,
    title: str,
    locale: str,
    layout: dict[str, str] | None = None,
    timezone: str = "Asia/Shanghai",
) -> dict[str, dict[str, str]]:
    """The template data {keyword: {"value": …}} of a notice for a reader in `locale`."""
    layout = layout or DEFAULT_LAYOUT
    moment = (notice.published_at or clock.now()).astimezone(clock.zone(timezone))
    with force_locale(locale.split("@", 1)[0] if locale else "en"):
        parts = {
            "title": title,
            "category": category_label(notice.category),
            "priority": priority_label(notice.priority),
            "source": notice.source_title,
            "published_at": moment.strftime("%Y-%m-%d %H:%M"),
            "date": moment.strftime("%Y-%m-%d"),
            "reference": f"N{notice.id}",
            "category_phrase": CATEGORY_PHRASES.get(notice.category, "通知"),
        }
    data = {}
    for keyword, part in layout.items():
        kind = keyword_type(keyword)
        if kind == "phrase":
            part = "category_phrase"
        data[keyword] = {"value": fit_value(kind, parts.get(part, ""))}
    return data
