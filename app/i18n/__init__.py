"""The i18n layer: supported locales, the selector, safe gettext, formatting and catalog tools."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask_babel import Babel
from flask_babel import force_locale as _babel_force_locale

from .locales import (
    PSEUDO_LOCALES,
    SUPPORTED,
    all_locales,
    bcp47,
    match,
    native_name,
    parse_accept_language,
    resolve_locale,
    text_direction,
)
from .release import LocaleStatus, release_status
from .translate import (
    _,
    _l,
    context_translations_unset,
    current_locale_id,
    forget_context_translations,
    gettext,
    jinja_gettext,
    jinja_ngettext,
    jinja_npgettext,
    jinja_pgettext,
    lazy_gettext,
    lazy_ngettext,
    lazy_npgettext,
    lazy_pgettext,
    ngettext,
    npgettext,
    pgettext,
    to_text,
)

__all__ = [
    "PSEUDO_LOCALES",
    "SUPPORTED",
    "_",
    "_l",
    "bcp47",
    "current_locale_id",
    "force_locale",
    "gettext",
    "i18n_state",
    "init_i18n",
    "language_headers",
    "language_headers_for",
    "lazy_gettext",
    "lazy_ngettext",
    "lazy_npgettext",
    "lazy_pgettext",
    "locale_before_session",
    "locale_meta",
    "locale_statuses",
    "match",
    "native_name",
    "negotiate",
    "ngettext",
    "npgettext",
    "pgettext",
    "resolve_locale",
    "select_locale",
    "served_locales",
    "set_request_locale",
    "text_direction",
    "to_text",
]

_STATE = "ssc_i18n"
#: The request headers that choose an answer's language (named in Vary when they did).
VARY_LANGUAGE = ("Accept-Language", "X-Client-Language")


@dataclass(frozen=True)
class I18nState:
    """What init_i18n decided for one app: the served locales and the gate's verdicts."""

    served: tuple[str, ...]
    default: str
    traditional_fallback: str
    gate_enforced: bool
    translations_dir: str
    threshold: float

    def statuses(self) -> dict[str, LocaleStatus]:
        """The gate's verdict per locale (cached by file state, so cheap after the first call)."""
        return release_status(self.translations_dir, self.threshold, SUPPORTED)


def _app_state() -> I18nState | None:
    """This app's I18nState, or None outside an app (or before init_i18n)."""
    if not has_app_context():
        return None
    state: I18nState | None = current_app.extensions.get(_STATE)
    return state


def served_locales(config: Mapping[str, Any] | None = None) -> tuple[str, ...]:
    """The locales this app offers: released ones (all when the gate is off), pseudo when enabled."""
    state = _app_state()
    if state is not None and (config is None or config is current_app.config):
        return state.served
    config = config or {}
    return all_locales(pseudo=bool(config.get("PSEUDO_LOCALES")))


def locale_statuses() -> dict[str, LocaleStatus]:
    """The release gate's verdict per locale for the current app."""
    state = _app_state()
    return dict(state.statuses()) if state is not None else {}


@contextmanager
def force_locale(locale: object) -> Iterator[None]:
    """Run a block in a user's locale (jobs, notices); any tag is resolved to a served locale first."""
    # A stale saved value ('zh_CN', a locale no longer offered) must not crash a job:
    # Flask-Babel's own force_locale raises on ids Babel does not know.
    state = _app_state()
    served = state.served if state is not None else SUPPORTED
    default = state.default if state is not None else "en"
    fallback = state.traditional_fallback if state is not None else "zh_Hant"
    chosen = resolve_locale(
        str(locale) if locale is not None else None,
        supported=served,
        default=default,
        traditional_fallback=fallback,
    )
    with _babel_force_locale(chosen):
        yield


def select_locale() -> str | None:
    """Flask-Babel's selector: lang parameter, saved choice, client headers, default."""
    if not has_request_context():
        return None
    cached: str | None = g.get("ssc_locale")
    if cached:
        return cached
    state = _app_state()
    if state is None:
        return None
    # The header is the client's current WeChat language; the session remembers the one it had
    # at sign-in (set by the API's session loader) for requests that carry no header.
    locale, vary = _request_locale(state, g.get("user_locale"), g.get("session_client_locale"))
    g.ssc_vary_language = vary
    g.ssc_locale = locale
    return locale


def locale_before_session() -> str:
    """The locale this request gets if its session saved no choice (to prefetch by; a guess)."""
    state = _app_state()
    return _request_locale(state, None, None)[0] if state is not None else "en"


def _request_locale(
    state: I18nState, saved: str | None, session_client_locale: str | None
) -> tuple[str, bool]:
    """(the locale, whether it came from language headers) for this request and a session's values."""
    # Raw WSGI values: cheaper than parsing request.args and the header object on every request.
    environ = request.environ
    explicit = request.args.get("lang") if "lang=" in environ.get("QUERY_STRING", "") else None
    return negotiate(state, environ, saved, session_client_locale, explicit)


def negotiate(
    state: I18nState,
    environ: Mapping[str, Any],
    saved: str | None,
    session_client_locale: str | None,
    explicit: str | None = None,
) -> tuple[str, bool]:
    """(the locale, whether language headers chose it) from a WSGI environ and a session's values.

    Needs no Flask context: the WSGI fast path (app/web/repeat_screens.py) negotiates with it too.
    """
    client_language = environ.get("HTTP_X_CLIENT_LANGUAGE") or session_client_locale
    header = environ.get("HTTP_ACCEPT_LANGUAGE")
    locale = _resolve_request(
        explicit,
        saved,
        client_language,
        header,
        state.served,
        state.default,
        state.traditional_fallback,
    )
    return locale, bool(header or client_language)


def i18n_state(app: Flask) -> I18nState:
    """What init_i18n decided for `app` (for code that runs outside Flask's contexts)."""
    state: I18nState = app.extensions[_STATE]
    return state


@lru_cache(maxsize=2048)
def _resolve_request(
    explicit: str | None,
    saved: str | None,
    client_language: str | None,
    header: str | None,
    served: tuple[str, ...],
    default: str,
    traditional_fallback: str,
) -> str:
    """resolve_locale over a request's inputs (cached: the same few headers arrive all day)."""
    candidates: list[str | None] = [explicit, saved, client_language]
    if header:
        candidates.extend(parse_accept_language(header))
    return resolve_locale(
        *candidates, supported=served, default=default, traditional_fallback=traditional_fallback
    )


def set_request_locale(locale_id: str | None) -> None:
    """Forget the locale chosen so far in this request (after login or a saved change)."""
    from flask_babel import refresh

    if "ssc_locale" not in g and context_translations_unset():
        g.user_locale = locale_id  # nothing chosen yet (the usual case): nothing to forget
        return
    g.pop("ssc_locale", None)
    forget_context_translations()
    g.user_locale = locale_id
    refresh()


def _gate_enforced(config: Mapping[str, Any]) -> bool:
    """The gate is on in production unless LOCALE_RELEASE_GATE says otherwise."""
    # Development and tests offer every language, so translators can preview unreleased ones.
    value = config.get("LOCALE_RELEASE_GATE")
    return config.get("APP_ENV") == "production" if value is None else bool(value)


def init_i18n(app: Flask) -> None:
    """Attach a per-app Babel (its translation cache is not shared) and the release gate."""
    babel = Babel()
    babel.init_app(app, locale_selector=select_locale)
    config = app.config
    threshold = float(config.get("LOCALE_RELEASE_THRESHOLD", 0.95))
    enforced = _gate_enforced(config)
    served: tuple[str, ...] = SUPPORTED
    if enforced:
        # Decided once at startup from the template and the compiled catalogs.
        statuses = release_status(config["TRANSLATIONS_DIR"], threshold, SUPPORTED)
        served = tuple(locale for locale in SUPPORTED if statuses[locale].released)
        hidden = {locale: statuses[locale].reason for locale in SUPPORTED if locale not in served}
        if hidden:
            app.logger.info("locales not offered yet: %s", hidden)
    if config.get("PSEUDO_LOCALES"):
        served += PSEUDO_LOCALES
    default = config["DEFAULT_LOCALE"] if config["DEFAULT_LOCALE"] in served else served[0]
    app.extensions[_STATE] = I18nState(
        served=served,
        default=default,
        traditional_fallback=config.get("TRADITIONAL_CHINESE_FALLBACK") or "zh_Hant",
        gate_enforced=enforced,
        translations_dir=str(config["TRANSLATIONS_DIR"]),
        threshold=threshold,
    )

    # Templates use the same safe functions, with the trimmed policy extraction uses.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.newstyle_gettext = True  # type: ignore[attr-defined]  # added by the i18n extension, untyped
    app.jinja_env.globals.update(
        _=jinja_gettext,
        gettext=jinja_gettext,
        ngettext=jinja_ngettext,
        pgettext=jinja_pgettext,
        npgettext=jinja_npgettext,
        locale_meta=locale_meta,
    )


def language_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The language headers an answer lacks: Content-Language, and Vary when headers chose it.

    Called by the request stack (app/web/headers_and_metrics.py) while the request context is active; WeChat's callback
    answers get none. A Vary the view set is merged into, not repeated.
    """
    if not has_request_context() or request.path.startswith("/wechat/"):
        return []
    present = {name.lower(): (index, value) for index, (name, value) in enumerate(headers)}
    added = [] if "content-language" in present else [("Content-Language", bcp47(current_locale_id()))]
    if g.get("ssc_vary_language"):
        index, value = present.get("vary", (None, ""))
        names = [name.strip() for name in value.split(",") if name.strip()]
        known = {name.lower() for name in names}
        names += [name for name in VARY_LANGUAGE if name.lower() not in known]
        if index is None:
            added.append(("Vary", ", ".join(names)))
        else:
            headers[index] = (headers[index][0], ", ".join(names))
    return added


def language_headers_for(locale_id: str, vary: bool) -> list[tuple[str, str]]:
    """The language headers of an answer built outside Flask (no Vary of its own to merge into)."""
    headers = [("Content-Language", bcp47(locale_id))]
    if vary:
        headers.append(("Vary", ", ".join(VARY_LANGUAGE)))
    return headers


def locale_meta(locale_id: str | None = None) -> dict[str, str]:
    """The locale and direction that every text-carrying response includes."""
    locale = locale_id or current_locale_id()
    return {"locale": locale, "dir": text_direction(locale)}
