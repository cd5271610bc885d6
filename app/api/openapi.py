"""GET /api/v1/openapi.json: the API's OpenAPI 3.1 document, from the routes and request models."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from app.services.openapi_spec import build_document

bp = Blueprint("openapi", __name__)

API_VERSION = "1"


@bp.get("/openapi.json")
def document():
    """The document, built once per process (the routes do not change while it runs)."""
    cached = current_app.extensions.get("openapi_document")
    if cached is None:
        cached = build_document(current_app.url_map.iter_rules(), version=API_VERSION)
        current_app.extensions["openapi_document"] = cached
    response = jsonify(cached)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
