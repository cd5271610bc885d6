"""GET /api/v1/locales: the languages a user can pick, named in their own language."""

from __future__ import annotations

from flask import Blueprint, jsonify

from app.i18n import bcp47, locale_statuses, native_name, served_locales, text_direction

bp = Blueprint("locales", __name__)


@bp.get("/locales")
def list_locales():
    """Each offered locale: id, native name, direction, completeness (0–1 and percent), BCP 47 tag."""
    statuses = locale_statuses()
    items = []
    for locale in served_locales():
        status = statuses.get(locale)
        ratio = status.ratio if status is not None else 1.0
        items.append(
            {
                "id": locale,
                "name": native_name(locale),
                "dir": text_direction(locale),
                "complete": ratio,
                "percent": round(ratio * 100, 1),
                "bcp47": bcp47(locale),
            }
        )
    # The contract is a bare list; the names are endonyms, so the response's own language is only
    # in Content-Language (set for every response).
    return jsonify(items)
