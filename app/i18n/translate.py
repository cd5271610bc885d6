"""gettext wrappers that never break a request: a bad translation falls back to the source.

Speed matters here: a screen makes dozens of calls. Flask-Babel's own `gettext` re-resolves the
locale and the translations object on every call (about 7 µs); these wrappers find the context's
Translations once, keyed by the Locale object Flask-Babel holds for the context, and keep one
Translations per locale per app.
"""

from __future__ import annotations

import logging

from flask.globals import _cv_app
from flask_babel import LazyString, get_locale, get_translations
from jinja2 import pass_context
from markupsafe import escape

log = logging.getLogger("app.i18n")

_CACHE_KEY = "_ssc_translations"
_APP_CACHE = "ssc_i18n_translations"


def _context_locale(app_ctx):
    """The Locale Flask-Babel holds for this context, running the selector only the first time."""
    babel_state = app_ctx.g.__dict__.get("_flask_babel")
    locale = getattr(babel_state, "babel_locale", None) if babel_state is not None else None
    return locale if locale is not None else get_locale()


def current_translations():
    """The translations of the active locale (None outside an app context)."""
    app_ctx = _cv_app.get(None)
    if app_ctx is None:
        return None
    locale = _context_locale(app_ctx)
    state = app_ctx.g.__dict__
    cached = state.get(_CACHE_KEY)
    if cached is not None and cached[0] is locale:
        return cached[1]
    per_app = app_ctx.app.extensions.setdefault(_APP_CACHE, {})
    key = str(locale) if locale is not None else ""
    translations = per_app.get(key)
    if translations is None:
        translations = per_app[key] = get_translations()
    state[_CACHE_KEY] = (locale, translations)
    return translations


def forget_context_translations() -> None:
    """Drop this context's cached lookup (after the request's locale changed)."""
    app_ctx = _cv_app.get(None)
    if app_ctx is not None:
        app_ctx.g.__dict__.pop(_CACHE_KEY, None)


def current_locale_id() -> str:
    """The active locale id as a string ('en' outside any context)."""
    app_ctx = _cv_app.get(None)
    if app_ctx is None:
        return "en"
    locale = _context_locale(app_ctx)
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
    translated = translations.gettext(msgid) if translations is not None and msgid else msgid
    return _format(translated, msgid, variables)


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """Translate a plural message; %(num)d is always available."""
    variables.setdefault("num", num)
    translations = current_translations()
    if translations is not None:
        translated = translations.ngettext(singular, plural, num)
    else:
        translated = singular if num == 1 else plural
    return _format(translated, singular if num == 1 else plural, variables)


def pgettext(context: str, msgid: str, **variables) -> str:
    """Translate msgid in a disambiguating context."""
    translations = current_translations()
    translated = translations.pgettext(context, msgid) if translations is not None else msgid
    return _format(translated, msgid, variables)


def npgettext(context: str, singular: str, plural: str, num: int, **variables) -> str:
    """Translate a plural message in a context."""
    variables.setdefault("num", num)
    translations = current_translations()
    if translations is not None:
        translated = translations.npgettext(context, singular, plural, num)
    else:
        translated = singular if num == 1 else plural
    return _format(translated, singular if num == 1 else plural, variables)


def lazy_gettext(msgid: str, **variables) -> LazyString:
    """A string translated when it is used (for import-time constants)."""
    return LazyString(gettext, msgid, **variables)


def lazy_pgettext(context: str, msgid: str, **variables) -> LazyString:
    """A context-qualified string translated when it is used."""
    return LazyString(pgettext, context, msgid, **variables)


def lazy_ngettext(singular: str, plural: str, num: int, **variables) -> LazyString:
    """A plural message translated when it is used."""
    return LazyString(ngettext, singular, plural, num, **variables)


def lazy_npgettext(context: str, singular: str, plural: str, num: int, **variables) -> LazyString:
    """A context-qualified plural message translated when it is used."""
    return LazyString(npgettext, context, singular, plural, num, **variables)


def to_text(value) -> str:
    """Turn a lazy string into a plain str at the boundary of the i18n layer."""
    return str(value) if isinstance(value, LazyString) else value


# Jinja: newstyle gettext always %-formats (so `%%` works); these do it safely, and under
# autoescape they escape the translation as well as the values, so translator text can never
# inject markup. HTML belongs in placeholders passed as Markup.


def _jinja_format(context, translated: str, source: str, variables: dict):
    """Format for a template: escape when autoescaping, fall back to the source on errors."""
    if context.eval_ctx.autoescape:
        translated, source = escape(translated), escape(source)
    try:
        return translated % variables
    except (KeyError, ValueError, TypeError) as error:
        log.error(
            "broken translation",
            extra={"locale": current_locale_id(), "msgid": str(source), "error": repr(error)},
        )
        try:
            return source % variables
        except (KeyError, ValueError, TypeError):
            return source


@pass_context
def jinja_gettext(context, msgid: str, **variables):
    """`_()` / `gettext()` / `{% trans %}` in templates."""
    translations = current_translations()
    translated = translations.gettext(msgid) if translations is not None and msgid else msgid
    return _jinja_format(context, translated, msgid, variables)


@pass_context
def jinja_ngettext(context, singular: str, plural: str, num: int, **variables):
    """`ngettext()` / `{% trans count=… %}` in templates."""
    variables.setdefault("num", num)
    translations = current_translations()
    translated = translations.ngettext(singular, plural, num) if translations is not None else (
        singular if num == 1 else plural
    )
    return _jinja_format(context, translated, singular if num == 1 else plural, variables)


@pass_context
def jinja_pgettext(context, msgctxt: str, msgid: str, **variables):
    """`pgettext()` in templates."""
    translations = current_translations()
    translated = translations.pgettext(msgctxt, msgid) if translations is not None else msgid
    return _jinja_format(context, translated, msgid, variables)


@pass_context
def jinja_npgettext(context, msgctxt: str, singular: str, plural: str, num: int, **variables):
    """`npgettext()` in templates."""
    variables.setdefault("num", num)
    translations = current_translations()
    translated = (
        translations.npgettext(msgctxt, singular, plural, num)
        if translations is not None
        else (singular if num == 1 else plural)
    )
    return _jinja_format(context, translated, singular if num == 1 else plural, variables)


_ = gettext
_l = lazy_gettext
