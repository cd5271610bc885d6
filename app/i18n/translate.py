"""gettext wrappers that never break a request: a bad translation falls back to the source."""

from __future__ import annotations

import logging

from flask import g, has_app_context
from flask_babel import LazyString, get_locale, get_translations

log = logging.getLogger("app.i18n")


def current_translations():
    """The translations of the active locale, looked up once per context and locale."""
    if not has_app_context():
        return None
    locale = get_locale()
    key = str(locale) if locale is not None else ""
    cache = g.__dict__.setdefault("_ssc_translations", {})
    translations = cache.get(key)
    if translations is None:
        translations = cache[key] = get_translations()
    return translations


def current_locale_id() -> str:
    """The active locale id as a string ('en' outside any context)."""
    if not has_app_context():
        return "en"
    locale = get_locale()
    return str(locale) if locale is not None else "en"


def _format(translated: str, source: str, variables: dict) -> str:
    """%-format a translation; on a translator's mistake log it and format the source."""
    if not variables:
        return translated
    try:
        return translated % variables
    except (KeyError, ValueError, TypeError) as error:
        log.error(
            "broken translation",
            extra={"locale": current_locale_id(), "msgid": source, "error": repr(error)},
        )
        try:
            return source % variables
        except (KeyError, ValueError, TypeError):
            return source


def gettext(msgid: str, **variables) -> str:
    """Translate msgid in the active locale and fill its named placeholders."""
    translations = current_translations()
    translated = translations.ugettext(msgid) if translations is not None else msgid
    return _format(translated, msgid, variables)


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """Translate a plural message; %(num)d is always available."""
    variables.setdefault("num", num)
    translations = current_translations()
    if translations is not None:
        translated = translations.ungettext(singular, plural, num)
    else:
        translated = singular if num == 1 else plural
    return _format(translated, singular if num == 1 else plural, variables)


def pgettext(context: str, msgid: str, **variables) -> str:
    """Translate msgid in a disambiguating context."""
    translations = current_translations()
    translated = translations.upgettext(context, msgid) if translations is not None else msgid
    return _format(translated, msgid, variables)


def npgettext(context: str, singular: str, plural: str, num: int, **variables) -> str:
    """Translate a plural message in a context."""
    variables.setdefault("num", num)
    translations = current_translations()
    if translations is not None:
        translated = translations.unpgettext(context, singular, plural, num)
    else:
        translated = singular if num == 1 else plural
    return _format(translated, singular if num == 1 else plural, variables)


def lazy_gettext(msgid: str, **variables) -> LazyString:
    """A string translated when it is used (for import-time constants)."""
    return LazyString(gettext, msgid, **variables)


def lazy_pgettext(context: str, msgid: str, **variables) -> LazyString:
    """A context-qualified string translated when it is used."""
    return LazyString(pgettext, context, msgid, **variables)


def to_text(value) -> str:
    """Turn a lazy string into a plain str at the boundary of the i18n layer."""
    return str(value) if isinstance(value, LazyString) else value


_ = gettext
_l = lazy_gettext
