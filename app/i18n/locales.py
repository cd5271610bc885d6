"""The supported locales and the one resolver from any language tag to a supported id."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale, UnknownLocaleError

#: Canonical Babel ids, also the catalog folder names under translations/.
SUPPORTED = (
    "en", "zh_Hans", "zh_Hant", "ko", "ja", "ru", "fr", "de", "es", "pt", "vi", "ar",
)
#: Test-only locales, offered when PSEUDO_LOCALES is on.
PSEUDO = ("en@pseudo", "ar@pseudo")
SOURCE_LOCALE = "en"
TRADITIONAL_TERRITORIES = {"TW", "HK", "MO"}
MAX_TAG_LENGTH = 64


def all_locales(pseudo: bool = False) -> tuple[str, ...]:
    """Every locale the service can serve, with the pseudo-locales when asked."""
    return SUPPORTED + PSEUDO if pseudo else SUPPORTED


@lru_cache(maxsize=64)
def locale_info(locale_id: str) -> Locale:
    """The Babel Locale of a supported id (cached)."""
    return Locale.parse(locale_id)


def text_direction(locale_id: str) -> str:
    """'rtl' or 'ltr' from CLDR."""
    return locale_info(locale_id).text_direction


def native_name(locale_id: str) -> str:
    """The locale's name in its own language (an endonym)."""
    base = locale_id.split("@", 1)[0]
    name = locale_info(base).get_display_name(base) or base
    if "@" in locale_id:
        return f"{name} (pseudo)"
    return name[:1].upper() + name[1:]


def bcp47(locale_id: str) -> str:
    """The BCP 47 tag of a locale id, for Content-Language: zh_Hans → zh-Hans."""
    if "@" in locale_id:
        language, modifier = locale_id.split("@", 1)
        return {"en@pseudo": "en-XA", "ar@pseudo": "ar-XB"}.get(locale_id, f"{language}-x-{modifier}")
    return locale_id.replace("_", "-")


@lru_cache(maxsize=4096)
def match(tag, supported: tuple[str, ...], traditional_fallback: str = "zh_Hant") -> str | None:
    """The supported id for one language tag, or None when nothing fits. Never raises."""
    if not isinstance(tag, str):
        return None
    tag = tag.strip().replace("-", "_")
    if not tag or len(tag) > MAX_TAG_LENGTH:
        return None
    if "@" in tag:
        return tag if tag in supported else None
    try:
        parsed = Locale.parse(tag)
    except (ValueError, TypeError, UnknownLocaleError):
        language = tag.split("_", 1)[0].lower()
        if not language.isalpha() or len(language) > 3:
            return None
        try:
            parsed = Locale.parse(language)
        except (ValueError, TypeError, UnknownLocaleError):
            return None
    if parsed.language == "zh":
        return _match_chinese(parsed, supported, traditional_fallback)
    for candidate in (f"{parsed.language}_{parsed.script}" if parsed.script else None, parsed.language):
        if candidate and candidate in supported:
            return candidate
    return None


def _match_chinese(parsed: Locale, supported, traditional_fallback) -> str | None:
    """Chinese by script: Traditional for Hant or TW/HK/MO, Simplified otherwise."""
    traditional = parsed.script == "Hant" or (
        parsed.script is None and parsed.territory in TRADITIONAL_TERRITORIES
    )
    if traditional:
        if "zh_Hant" in supported:
            return "zh_Hant"
        return traditional_fallback if traditional_fallback in supported else None
    return "zh_Hans" if "zh_Hans" in supported else None


def resolve_locale(
    *candidates,
    supported: tuple[str, ...] = SUPPORTED,
    default: str = SOURCE_LOCALE,
    traditional_fallback: str = "zh_Hant",
) -> str:
    """The first candidate tag that maps to a supported locale, else the default. Never raises."""
    for tag in candidates:
        found = match(tag, supported, traditional_fallback)
        if found:
            return found
    return default if default in supported else supported[0]


def parse_accept_language(header) -> list[str]:
    """The language tags of an Accept-Language header, best first; junk is dropped."""
    if not isinstance(header, str) or len(header) > 1024:
        return []
    weighted = []
    for position, part in enumerate(header.split(",")[:32]):
        pieces = part.strip().split(";")
        tag = pieces[0].strip()
        quality = 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and quality > 0:
            weighted.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(weighted)]
