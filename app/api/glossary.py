"""The official-term glossary: Chinese terms with pinyin and the user's language, searchable in any language."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from app.api.security import load_session
from app.errors import AppError
from app.i18n import _l, current_locale_id, locale_meta
from app.i18n.glossary import search

bp = Blueprint("glossary", __name__, url_prefix="/glossary")

MAX_QUERY_LENGTH = 100
MAX_RESULTS = 50


class QueryTooLong(AppError):
    """The search text is longer than anyone types."""

    code = "glossary.query_too_long"
    status = 400
    message = _l("Please search with at most 100 characters.")


@bp.get("")
def search_glossary():
    """Terms matching ?q= (Chinese, pinyin with or without tones, English or the user's language)."""
    load_session()  # public, but a signed-in user gets their saved language
    query = request.args.get("q", "")
    if len(query) > MAX_QUERY_LENGTH:
        raise QueryTooLong()
    locale = current_locale_id()
    found = search(query, locale)
    return jsonify(
        {
            **locale_meta(),
            "query": query,
            "count": len(found),
            "terms": [term.as_dict(locale) for term in found[:MAX_RESULTS]],
        }
    )
