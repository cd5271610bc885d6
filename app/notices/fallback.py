"""Which translation a reader sees: their own locale, then English, Simplified Chinese, the source."""

from __future__ import annotations

from app.i18n.locales import SUPPORTED
from app.notices.models.notice import Notice, NoticeTranslation

#: A missing translation is shown in English, then Simplified Chinese, then the source language.
FALLBACK_CHAIN = ("en", "zh_Hans")


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


def content_for(notice: Notice, locale: str) -> tuple[NoticeTranslation | None, bool]:
    """The translation shown to a reader in `locale` and whether it is a fallback."""
    chosen = fallback_locale(notice, locale)
    translation = notice.translation(chosen)
    base = locale.split("@", 1)[0] if locale else locale
    return translation, chosen != base
