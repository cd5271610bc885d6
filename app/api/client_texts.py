"""GET /api/v1/client-texts: the texts the mini program shows outside screen documents (no sign-in needed)."""

from __future__ import annotations

from flask import Blueprint, jsonify

from app.api.security import load_session
from app.client_texts import client_texts
from app.i18n import locale_meta

bp = Blueprint("client_texts", __name__)


@bp.get("/client-texts")
def show():
    """The privacy pop-up, the new-version dialog and the icon names, in the caller's language."""
    load_session()  # public, but a signed-in user reads them in their saved language
    return jsonify({**locale_meta(), **client_texts()})
