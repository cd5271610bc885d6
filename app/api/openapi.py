"""GET /api/v1/openapi.json: the API's OpenAPI 3.1 document, from the routes and request models."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from app.accounts.models.user import CONSENT_PURPOSES
from app.api.openapi_spec import build_document
from app.guides import journey as guides
from app.i18n import SUPPORTED
from app.journeys import registry

bp = Blueprint("openapi", __name__)

API_VERSION = "1"


def _path_values() -> dict[str, list[str]]:
    """The known values of path parameters: journeys, guides, consent purposes, locales."""
    return {
        "name": sorted(flow.name for flow in registry.all_flows()),
        "slug": sorted(guides.GUIDES),
        "purpose": list(CONSENT_PURPOSES),
        "locale": list(SUPPORTED),
    }


@bp.get("/openapi.json")
def document():
    """The document, built once per process (the routes do not change while it runs)."""
    cached = current_app.extensions.get("openapi_document")
    if cached is None:
        cached = build_document(
            current_app.url_map.iter_rules(), version=API_VERSION, path_values=_path_values()
        )
        current_app.extensions["openapi_document"] = cached
    response = jsonify(cached)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
