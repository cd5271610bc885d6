"""The supported locales, their plural rules, and the one resolver from any language tag to a supported id."""

from __future__ import annotations

import re
from functools import lru_cache

from babel import Locale

#: Canonical Babel ids, also the catalog folder names under translations/.
SUPPORTED = (
    "en",
    "zh_Hans",
    "zh_Hant",
    "ko",
    "ja",
    "ru",
    "fr",
    "de",
    "es",
    "pt",
    "vi",
    "ar",
)
#: Test-only locales, offered when PSEUDO_LOCALES is on.
PSEUDO = ("en@pseudo", "ar@pseudo")
PSEUDO_LOCALES = PSEUDO
SOURCE_LOCALE = "en"
TRADITIONAL_TERRITORIES = frozenset({"TW", "HK", "MO"})
MAX_TAG_LENGTH = 64

#: The project's own gettext plural headers, pinned so a Babel upgrade cannot change them
#: (Babel 2.19 switched fr/es/pt to three forms). fr, es and pt keep GNU gettext's two forms on
#: purpose: CLDR's third form ("many") is only for exact multiples of a million, a count this
#: service never shows, and a translator who misses a third form would make users see English.
#: pt is Brazilian Portuguese (Babel's `pt`), where 0 takes the singular as in French.
PLURAL_FORMS: dict[str, tuple[int, str]] = {
    "en": (2, "(n != 1)"),
    "zh_Hans": (1, "0"),
    "zh_Hant": (1, "0"),
    "ko": (1, "0"),
    "ja": (1, "0"),
    "vi": (1, "0"),
    "ru": (3, "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)"),
    "fr": (2, "(n > 1)"),
    "de": (2, "(n != 1)"),
    "es": (2, "(n != 1)"),
    "pt": (2, "(n > 1)"),
    "ar": (6, "(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5)"),
    "en@pseudo": (2, "(n != 1)"),
    "ar@pseudo": (6, "(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5)"),
}

#: Language subtags that name a supported locale under another code (Cantonese reads Traditional).
LANGUAGE_ALIASES = {"yue": ("zh", "Hant"), "cmn": ("zh", None), "chi": ("zh", None), "zho": ("zh", None)}

_SUBTAG = re.compile(r"^[A-Za-z0-9]{1,8}$")


def all_locales(pseudo: bool = False) -> tuple[str, ...]:
    """Every locale the service can serve, with the pseudo-locales when asked."""
    return SUPPORTED + PSEUDO if pseudo else SUPPORTED


def plural_header(locale_id: str) -> str:
    """The pinned Plural-Forms header value of a locale."""
    count, expression = PLURAL_FORMS[locale_id]
    return f"nplurals={count}; plural={expression};"


@lru_cache(maxsize=64)
def locale_info(locale_id: str) -> Locale:
    """The Babel Locale of a supported id (cached)."""
    return Locale.parse(locale_id)


def text_direction(locale_id: str) -> str:
    """'rtl' or 'ltr' from CLDR."""
    return locale_info(locale_id).text_direction


@lru_cache(maxsize=64)
def native_name(locale_id: str) -> str:
    """The locale's name in its own language (an endonym), e.g. 中文 (简体) or 한국어."""
    base = locale_id.split("@", 1)[0]
    name = locale_info(base).get_display_name(base) or base
    name = name[:1].upper() + name[1:]
    if "@" in locale_id:
        return f"{name} (pseudo)"
    return name


@lru_cache(maxsize=64)
def bcp47(locale_id: str) -> str:
    """The BCP 47 tag of a locale id, for Content-Language: zh_Hans → zh-Hans, en@pseudo → en-XA."""
    if "@" in locale_id:
        language, modifier = locale_id.split("@", 1)
        return {"en@pseudo": "en-XA", "ar@pseudo": "ar-XB"}.get(locale_id, f"{language}-x-{modifier}")
    return locale_id.replace("_", "-")


def wechat_lang(locale_id: str) -> str:
    """The `lang` of a WeChat subscribe message (zh_CN, zh_TW or en_US) for a locale."""
    base = (locale_id or "").split("@", 1)[0]
    if base == "zh_Hans":
        return "zh_CN"
    if base == "zh_Hant":
        return "zh_TW"
    return "en_US"


def _split_tag(tag: str) -> tuple[str, str | None, str | None] | None:
    """(language, script, territory) of a tag such as zh-Hant-HK or en_US.UTF-8, or None for junk."""
    tag = tag.split(".", 1)[0].replace("-", "_")
    parts = tag.split("_")
    if not parts or not all(_SUBTAG.match(part) for part in parts):
        return None
    language = parts[0].lower()
    if not language.isalpha() or not 2 <= len(language) <= 3:
        return None
    script = territory = None
    for part in parts[1:]:
        if script is None and territory is None and len(part) == 4 and part.isalpha():
            script = part.title()
        elif territory is None and (
            (len(part) == 2 and part.isalpha()) or (len(part) == 3 and part.isdigit())
        ):
            territory = part.upper()
    return language, script, territory


def match(
    tag: object, supported: tuple[str, ...] = SUPPORTED, traditional_fallback: str = "zh_Hant"
) -> str | None:
    """The supported id for one language tag, or None when nothing fits. Never raises."""
    if not isinstance(tag, str) or not isinstance(supported, tuple):
        return None
    return _match(tag, supported, traditional_fallback if isinstance(traditional_fallback, str) else "")


@lru_cache(maxsize=4096)
def _match(tag: str, supported: tuple[str, ...], traditional_fallback: str) -> str | None:
    """match() on hashable, type-checked arguments (cached: tags repeat a lot)."""
    tag = tag.strip()
    if not tag or len(tag) > MAX_TAG_LENGTH:
        return None
    if "@" in tag:
        # Pseudo-locales are matched exactly; a modifier on a real tag is ignored.
        exact = tag.replace("-", "_")
        if exact in supported:
            return exact
        tag = tag.split("@", 1)[0]
    parts = _split_tag(tag)
    if parts is None:
        return None
    language, script, territory = parts
    if language in LANGUAGE_ALIASES:
        language, alias_script = LANGUAGE_ALIASES[language]
        script = script or alias_script
    if language == "zh":
        return _match_chinese(script, territory, supported, traditional_fallback)
    if script and f"{language}_{script}" in supported:
        return f"{language}_{script}"
    return language if language in supported else None


def _match_chinese(
    script: str | None, territory: str | None, supported: tuple[str, ...], traditional_fallback: str
) -> str | None:
    """Chinese by script: Traditional for Hant or TW/HK/MO, Simplified otherwise."""
    traditional = script == "Hant" or (script is None and territory in TRADITIONAL_TERRITORIES)
    if traditional:
        if "zh_Hant" in supported:
            return "zh_Hant"
        return traditional_fallback if traditional_fallback in supported else None
    return "zh_Hans" if "zh_Hans" in supported else None


def resolve_locale(
    *candidates: object,
    supported: tuple[str, ...] = SUPPORTED,
    default: str = SOURCE_LOCALE,
    traditional_fallback: str = "zh_Hant",
) -> str:
    """The first candidate tag that maps to a supported locale, else the default. Never raises."""
    supported = tuple(supported) if supported else (SOURCE_LOCALE,)
    for tag in candidates:
        found = match(tag, supported, traditional_fallback)
        if found:
            return found
    return default if default in supported else supported[0]


def parse_accept_language(header: object) -> list[str]:
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
