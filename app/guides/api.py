"""Guides as screen documents: the list, and any page of one guide (no sign-in needed)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from app.api.security import load_session
from app.errors import AppError, NotFound
from app.guides import journey as guides
from app.i18n import _l, current_locale_id, locale_meta

bp = Blueprint("guides", __name__, url_prefix="/guides")


class GuideNotFound(NotFound):
    """No guide has this slug."""

    code = "guide.not_found"
    message = _l("This guide does not exist.")


class GuidePageNotFound(NotFound):
    """The guide has no page with this name."""

    code = "guide.page_not_found"
    message = _l("This guide has no such page.")


class InvalidCategory(AppError):
    """The category parameter is not A, B or C."""

    code = "guide.invalid_category"
    status = 400
    message = _l("The permit category must be A, B or C.")


def _use_saved_locale() -> None:
    """Guides are public; a signed-in user still reads them in their saved language."""
    load_session()


@bp.get("")
def list_guides():
    """Every guide: slug, title, summary, pages, source."""
    _use_saved_locale()
    return jsonify({**locale_meta(), "guides": [guide.describe() for guide in guides.GUIDES.values()]})


@bp.get("/<slug>")
def show_guide(slug: str):
    """One page of a guide (the first unless ?page= names another), as a screen document."""
    _use_saved_locale()
    guide = guides.get_guide(slug)
    if guide is None:
        raise GuideNotFound(details={"slug": slug[:64]})
    page = request.args.get("page") or None
    if page is not None and page not in guide.steps:
        raise GuidePageNotFound(details={"pages": list(guide.order)})
    category = (request.args.get("category") or "").strip().upper() or None
    if category is not None and category not in guides.PERMIT_CATEGORIES:
        raise InvalidCategory()
    return jsonify(guides.render_page(guide, page, current_locale_id(), category))
