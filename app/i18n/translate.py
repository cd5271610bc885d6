"""gettext wrappers that never break a request: a bad translation falls back to the source.

Speed matters here: a screen makes dozens of calls. Flask-Babel's own `gettext` re-resolves the
locale and the translations object on every call (about 7 µs); these wrappers find the context's
lookup once, keyed by the Locale object Flask-Babel holds for the context, keep one lookup per
locale per app, and read the merged catalog's dict directly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from gettext import NullTranslations
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from flask.globals import _cv_app
from flask_babel import LazyString, get_locale, get_translations
from jinja2 import pass_context
from markupsafe import escape

from .bidi import isolate_template
from .locales import locale_info, text_direction

if TYPE_CHECKING:
    from babel import Locale
    from flask.ctx import AppContext
    from jinja2.runtime import Context

log = logging.getLogger("app.i18n")

_CACHE_KEY = "_ssc_translations"
_APP_CACHE = "ssc_i18n_translations"


def _context_locale(app_ctx: AppContext) -> Locale | None:
    """The Locale Flask-Babel holds for this context, selecting it the first time."""
    # Same result as flask_babel.get_locale(), which this stands in for on the first call: the
    # selector's id becomes a cached Locale object stored where Flask-Babel keeps it, so
    # force_locale, refresh and get_locale all keep working, without a Locale.parse per request.
    state = app_ctx.g.__dict__
    babel_state = state.get("_flask_babel")
    held: Locale | None = getattr(babel_state, "babel_locale", None) if babel_state is not None else None
    if held is not None:
        return held
    babel_config = app_ctx.app.extensions.get("babel")
    if babel_config is None or babel_config.locale_selector is None:
        selected: Locale | None = get_locale()
        return selected
    chosen = babel_config.locale_selector() or babel_config.default_locale
    locale = locale_info(str(chosen))
    if babel_state is None:
        babel_state = state["_flask_babel"] = SimpleNamespace()
    babel_state.babel_locale = locale
    return locale


class _Lookup:
    """One locale's merged catalog as a plain dict plus its plural rule: the fast path of every call."""

    __slots__ = ("_indexes", "catalog", "latin_runs", "plural", "rtl", "translations")

    def __init__(self, translations: NullTranslations, locale_id: str = "") -> None:
        self.translations = translations
        # Right-to-left locales isolate values and Latin runs at format time (app/i18n/bidi.py);
        # ar@pseudo keeps its own right-to-left override, so only its values are isolated.
        self.rtl = bool(locale_id) and text_direction(locale_id) == "rtl"
        self.latin_runs = "@" not in locale_id
        # Flask-Babel merges every translations directory into one object; one with a fallback
        # chain is rare and simply asked through its own methods (catalog None).
        direct = getattr(translations, "_fallback", None) is None
        # gettext's own tables: msgid (or "context\x04msgid") or (msgid, plural index) -> translation.
        self.catalog: dict[str | tuple[str, int | None], str] | None = (
            getattr(translations, "_catalog", None) if direct else None
        )
        self.plural: Callable[[int], int] | None = getattr(translations, "plural", None)
        self._indexes: dict[int, int] = {}  # Arabic's six-way rule is worth remembering per count

    def gettext(self, msgid: str) -> str:
        """The translation of msgid, or msgid."""
        if self.catalog is not None:
            return self.catalog.get(msgid, msgid)
        return self.translations.gettext(msgid)

    def _index(self, num: float) -> int | None:
        """The plural form index for num (None when num is not a whole number)."""
        if not isinstance(num, int) or isinstance(num, bool):
            try:
                whole = int(num)
            except (TypeError, ValueError, OverflowError):
                return None
            if whole != num:
                return None  # 2.5 has no gettext plural form: the English form is shown
            num = whole
        index = self._indexes.get(num)
        if index is None:
            if self.plural is None:
                return None
            index = self.plural(num)
            if len(self._indexes) < 1024:
                self._indexes[num] = index
        return index

    def ngettext(self, singular: str, plural: str, num: int) -> str:
        """The plural form for num, or the English form."""
        if self.catalog is not None and self.plural is not None:
            found = self.catalog.get((singular, self._index(num)))
            if found is not None:
                return found
            return singular if num == 1 else plural
        return self.translations.ngettext(singular, plural, num)

    def pgettext(self, context: str, msgid: str) -> str:
        """The translation of msgid in a context, or msgid."""
        if self.catalog is not None:
            return self.catalog.get(f"{context}\x04{msgid}", msgid)
        return self.translations.pgettext(context, msgid)

    def npgettext(self, context: str, singular: str, plural: str, num: int) -> str:
        """The plural form for num in a context, or the English form."""
        if self.catalog is not None and self.plural is not None:
            found = self.catalog.get((f"{context}\x04{singular}", self._index(num)))
            if found is not None:
                return found
            return singular if num == 1 else plural
        return self.translations.npgettext(context, singular, plural, num)


def _current_lookup() -> _Lookup | None:
    """The active locale's lookup: once per context, one per locale per app."""
    app_ctx = _cv_app.get(None)
    if app_ctx is None:
        return None
    locale = _context_locale(app_ctx)
    state = app_ctx.g.__dict__
    cached: tuple[Locale | None, _Lookup] | None = state.get(_CACHE_KEY)
    if cached is not None and cached[0] is locale:
        return cached[1]
    per_app: dict[str, _Lookup] = app_ctx.app.extensions.setdefault(_APP_CACHE, {})
    key = str(locale) if locale is not None else ""
    lookup = per_app.get(key)
    if lookup is None:
        lookup = per_app[key] = _Lookup(get_translations(), key)
    state[_CACHE_KEY] = (locale, lookup)
    return lookup


def current_translations() -> NullTranslations | None:
    """The Babel Translations of the active locale (None outside an app context)."""
    lookup = _current_lookup()
    return lookup.translations if lookup is not None else None


def context_translations_unset() -> bool:
    """True while this context holds no Flask-Babel locale and no cached lookup (nothing to forget)."""
    app_ctx = _cv_app.get(None)
    state = app_ctx.g.__dict__ if app_ctx is not None else {}
    return "_flask_babel" not in state and _CACHE_KEY not in state


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


def _isolated(lookup: _Lookup | None, translated: str, source: str) -> tuple[str, str]:
    """The template and its source with values and Latin runs isolated when the locale is RTL."""
    if lookup is None or not lookup.rtl:
        return translated, source
    return isolate_template(translated, lookup.latin_runs), isolate_template(source, lookup.latin_runs)


def _format(translated: str, source: str, variables: dict[str, Any], lookup: _Lookup | None = None) -> str:
    """%-format a translation; on a translator's mistake log it and format the source."""
    translated, source = _isolated(lookup, translated, source)
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


def gettext(msgid: str, **variables: Any) -> str:
    """Translate msgid in the active locale and fill its named placeholders."""
    translations = _current_lookup()
    translated = translations.gettext(msgid) if translations is not None and msgid else msgid
    return _format(translated, msgid, variables, translations)


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """Translate a plural message; %(num)d is always available."""
    variables.setdefault("num", num)
    translations = _current_lookup()
    if translations is not None:
        translated = translations.ngettext(singular, plural, num)
    else:
        translated = singular if num == 1 else plural
    return _format(translated, singular if num == 1 else plural, variables, translations)


def pgettext(context: str, msgid: str, **variables: Any) -> str:
    """Translate msgid in a disambiguating context."""
    translations = _current_lookup()
    translated = translations.pgettext(context, msgid) if translations is not None else msgid
    return _format(translated, msgid, variables, translations)


def npgettext(context: str, singular: str, plural: str, num: int, **variables: Any) -> str:
    """Translate a plural message in a context."""
    variables.setdefault("num", num)
    translations = _current_lookup()
    if translations is not None:
        translated = translations.npgettext(context, singular, plural, num)
    else:
        translated = singular if num == 1 else plural
    return _format(translated, singular if num == 1 else plural, variables, translations)


def lazy_gettext(msgid: str, **variables: Any) -> LazyString:
    """A string translated when it is used (for import-time constants)."""
    return LazyString(gettext, msgid, **variables)


def lazy_pgettext(context: str, msgid: str, **variables: Any) -> LazyString:
    """A context-qualified string translated when it is used."""
    return LazyString(pgettext, context, msgid, **variables)


def lazy_ngettext(singular: str, plural: str, num: int, **variables: Any) -> LazyString:
    """A plural message translated when it is used."""
    return LazyString(ngettext, singular, plural, num, **variables)


def lazy_npgettext(context: str, singular: str, plural: str, num: int, **variables: Any) -> LazyString:
    """A context-qualified plural message translated when it is used."""
    return LazyString(npgettext, context, singular, plural, num, **variables)


def to_text(value: str | LazyString) -> str:
    """Turn a lazy string into a plain str at the boundary of the i18n layer."""
    return str(value) if isinstance(value, LazyString) else value


# Jinja: newstyle gettext always %-formats (so `%%` works); these do it safely, and under
# autoescape they escape the translation as well as the values, so translator text can never
# inject markup. HTML belongs in placeholders passed as Markup.


def _jinja_format(
    context: Context, translated: str, source: str, variables: dict[str, Any], lookup: _Lookup | None = None
) -> str:
    """Format for a template: escape when autoescaping, fall back to the source on errors."""
    translated, source = _isolated(lookup, translated, source)
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
def jinja_gettext(context: Context, msgid: str, **variables: Any) -> str:
    """`_()` / `gettext()` / `{% trans %}` in templates."""
    translations = _current_lookup()
    translated = translations.gettext(msgid) if translations is not None and msgid else msgid
    return _jinja_format(context, translated, msgid, variables, translations)


@pass_context
def jinja_ngettext(context: Context, singular: str, plural: str, num: int, **variables: Any) -> str:
    """`ngettext()` / `{% trans count=… %}` in templates."""
    variables.setdefault("num", num)
    translations = _current_lookup()
    translated = (
        translations.ngettext(singular, plural, num)
        if translations is not None
        else (singular if num == 1 else plural)
    )
    return _jinja_format(context, translated, singular if num == 1 else plural, variables, translations)


@pass_context
def jinja_pgettext(context: Context, msgctxt: str, msgid: str, **variables: Any) -> str:
    """`pgettext()` in templates."""
    translations = _current_lookup()
    translated = translations.pgettext(msgctxt, msgid) if translations is not None else msgid
    return _jinja_format(context, translated, msgid, variables, translations)


@pass_context
def jinja_npgettext(
    context: Context, msgctxt: str, singular: str, plural: str, num: int, **variables: Any
) -> str:
    """`npgettext()` in templates."""
    variables.setdefault("num", num)
    translations = _current_lookup()
    translated = (
        translations.npgettext(msgctxt, singular, plural, num)
        if translations is not None
        else (singular if num == 1 else plural)
    )
    return _jinja_format(context, translated, singular if num == 1 else plural, variables, translations)


_ = gettext
_l = lazy_gettext
