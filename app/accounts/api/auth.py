"""Signing in and out of the mini program."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from app.accounts import auth
from app.api.security import login_required
from app.errors import BadRequest
from app.extensions import csrf
from app.i18n import set_request_locale, text_direction
from app.rate_limits import rate_limit

bp = Blueprint("auth", __name__, url_prefix="/auth")
csrf.exempt(bp)  # bearer-token API: no cookies, so no CSRF


def json_object() -> dict:
    """The request's JSON object, or a 400."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest()
    return body


@bp.post("/login")
@rate_limit("60/minute")
def login():
    """{code, language?} → {token, expires_in, locale, dir, user}."""
    body = json_object()
    language = body.get("language") if isinstance(body.get("language"), str) else None
    result = auth.login(body.get("code"), language)
    set_request_locale(result.locale)
    return jsonify(
        {
            "token": result.token,
            "expires_in": result.expires_in,
            "locale": result.locale,
            "dir": text_direction(result.locale),
            "user": auth.user_view(result.user),
        }
    )


@bp.post("/logout")
@login_required
def logout():
    """End the current session."""
    auth.logout(g.token)
    return "", 204
