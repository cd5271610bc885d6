"""Translator pages: catalog completeness per locale, and every journey screen previewed in any locale."""

from __future__ import annotations

from flask import abort, current_app, render_template, request, url_for

from app.admin.console import bp, console_view
from app.i18n import served_locales
from app.i18n.catalogs import CatalogError, all_stats
from app.i18n.locales import SOURCE_LOCALE, native_name, text_direction
from app.journeys.preview import all_screens

#: Keys of a screen document whose string values are interface text (the rest is data).
TEXT_KEYS = frozenset(
    {
        "title",
        "body",
        "label",
        "hint",
        "error",
        "message",
        "placeholder",
        "text",
        "description",
        "note",
        "help",
    }
)


def mark_untranslated(document, reference, *, key: str | None = None):
    """Wrap every interface string as {"text", "untranslated"}: untranslated when it equals the source text."""
    if isinstance(document, dict):
        fields = reference if isinstance(reference, dict) else {}
        return {k: mark_untranslated(v, fields.get(k), key=k) for k, v in document.items()}
    if isinstance(document, list):
        items = reference if isinstance(reference, list) else []
        return [
            mark_untranslated(v, items[i] if i < len(items) else None, key=key)
            for i, v in enumerate(document)
        ]
    if isinstance(document, str) and key in TEXT_KEYS:
        same = document == reference and any(ch.isalpha() for ch in document)
        return {"text": document, "untranslated": same}
    return document


def journey_screens(locale: str) -> list[dict]:
    """Every sample screen of every journey as the mini program receives it in `locale`."""
    return all_screens(locale=locale)


@bp.get("/translations")
@console_view("translations.view")
def translation_stats():
    """Completeness of each catalog, counted the way users see it."""
    try:
        stats = all_stats(current_app.config["TRANSLATIONS_DIR"])
        error = None
    except (CatalogError, OSError) as failure:
        stats, error = [], str(failure)
    return render_template(
        "admin/translations/stats.html",
        stats=stats,
        error=error,
        names={s.locale: native_name(s.locale) for s in stats},
    )


@bp.get("/translations/preview")
@console_view("translations.view")
def translation_preview():
    """Walk every journey screen in a locale (pseudo-locales too), untranslated strings marked."""
    locales = served_locales(current_app.config)
    locale = request.args.get("locale") or SOURCE_LOCALE
    if locale not in locales:
        abort(404)
    screens = journey_screens(locale)
    reference = journey_screens(SOURCE_LOCALE) if locale != SOURCE_LOCALE else [{}] * len(screens)
    marked = [
        {
            "flow": item["flow"],
            "sample": item["sample"],
            "screen": mark_untranslated(
                item["screen"], (reference[i] if i < len(reference) else {}).get("screen")
            ),
        }
        for i, item in enumerate(screens)
    ]
    untranslated = sum(_count_untranslated(item["screen"]) for item in marked)
    return render_template(
        "admin/translations/preview.html",
        locale=locale,
        locales=locales,
        miniprogram_url=miniprogram_preview_url(locale),
        names={loc: native_name(loc) for loc in locales},
        screens=marked,
        dir=text_direction(locale),
        untranslated=untranslated,
        source_locale=SOURCE_LOCALE,
    )


def miniprogram_preview_url(locale: str) -> str | None:
    """The mini program preview in `locale` (app/preview), where this app serves it (never in production)."""
    if "preview" not in current_app.blueprints:
        return None
    return url_for("preview.miniprogram", lang=locale)


def _count_untranslated(value) -> int:
    """How many marked strings in a screen are untranslated."""
    if isinstance(value, dict):
        if set(value) == {"text", "untranslated"}:
            return int(value["untranslated"])
        return sum(_count_untranslated(v) for v in value.values())
    if isinstance(value, list):
        return sum(_count_untranslated(v) for v in value)
    return 0
