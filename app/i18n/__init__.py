"""The i18n layer: supported locales, the selector, safe gettext, formatting and catalog tools."""

from __future__ import annotations

from flask import g, has_request_context, request
from flask_babel import Babel, force_locale

from .locales import all_locales, bcp47, parse_accept_language, resolve_locale, text_direction
from .translate import (
    _,
    _l,
    current_locale_id,
    gettext,
    lazy_gettext,
    lazy_pgettext,
    ngettext,
    npgettext,
    pgettext,
    to_text,
)

__all__ = [
    "_", "_l", "gettext", "ngettext", "pgettext", "npgettext", "lazy_gettext", "lazy_pgettext",
    "force_locale", "current_locale_id", "to_text", "init_i18n", "text_direction", "bcp47",
    "resolve_locale", "select_locale", "served_locales",
]


def served_locales(config) -> tuple[str, ...]:
    """The locales this app serves (pseudo-locales only when enabled)."""
    return all_locales(pseudo=bool(config.get("PSEUDO_LOCALES")))


def select_locale() -> str | None:
    """Flask-Babel's selector: lang parameter, saved choice, client headers, default."""
    if not has_request_context():
        return None
    from flask import current_app

    cached = g.get("_ssc_locale")
    if cached:
        return cached
    config = current_app.config
    candidates = [request.args.get("lang"), g.get("user_locale"), request.headers.get("X-Client-Language")]
    header = request.headers.get("Accept-Language")
    if header:
        g._ssc_vary_language = True
        candidates.extend(parse_accept_language(header))
    locale = resolve_locale(
        *candidates,
        supported=served_locales(config),
        default=config["DEFAULT_LOCALE"],
        traditional_fallback=config["TRADITIONAL_CHINESE_FALLBACK"],
    )
    g._ssc_locale = locale
    return locale


def set_request_locale(locale_id: str | None) -> None:
    """Forget the locale chosen so far in this request (after login or a saved change)."""
    from flask_babel import refresh

    g.pop("_ssc_locale", None)
    g.pop("_ssc_translations", None)
    g.user_locale = locale_id
    refresh()


def init_i18n(app) -> None:
    """Attach a per-app Babel (its translation cache is not shared) and the language headers."""
    babel = Babel()
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext, pgettext=pgettext)

    @app.after_request
    def add_language_headers(response):
        """Every response says its language; header-driven choices vary on Accept-Language."""
        if request.path.startswith("/wechat/"):
            return response
        locale = current_locale_id()
        response.headers.setdefault("Content-Language", bcp47(locale))
        if g.get("_ssc_vary_language"):
            response.vary.add("Accept-Language")
        return response


def locale_meta(locale_id: str | None = None) -> dict:
    """The locale and direction that every text-carrying response includes."""
    locale = locale_id or current_locale_id()
    return {"locale": locale, "dir": text_direction(locale)}
