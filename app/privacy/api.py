"""The user's privacy rights: export their data, withdraw a consent, delete their account."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from app import clock
from app.accounts import consents
from app.api.security import login_required, user_sessions
from app.extensions import csrf, get_redis
from app.i18n import _, current_locale_id, locale_meta
from app.logs import request_id
from app.privacy import rights as privacy

bp = Blueprint("privacy", __name__, url_prefix="/me")
csrf.exempt(bp)  # bearer-token API: no cookies, so no CSRF


@bp.get("/export")
@login_required
def export():
    """Everything held about the signed-in user, as one JSON document."""
    document = privacy.export_user(g.user_id, locale=current_locale_id(), today=clock.today())
    response = jsonify({**locale_meta(), **document})
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Disposition"] = 'attachment; filename="my-data.json"'
    return response


@bp.post("/consents/<purpose>/withdraw")
@login_required
def withdraw_consent(purpose: str):
    """Withdraw one consent; answers collected under it are deleted."""
    consent = consents.withdraw_consent(g.user_id, purpose)
    assert consent.withdrawn_at is not None  # withdraw_consent sets it
    return jsonify(
        {
            **locale_meta(),
            "purpose": consent.purpose,
            "withdrawn_at": consent.withdrawn_at.isoformat(),
            "message": _("You have withdrawn your consent. We deleted the answers collected under it."),
        }
    )


@bp.delete("")
@login_required
def delete_account():
    """{"confirm": true}: delete the account and the application's data about the user."""
    privacy.require_confirmation(request.get_json(silent=True))
    privacy.delete_account(
        g.user_id, redis_client=get_redis(), sessions=user_sessions(), request_id=request_id()
    )
    return jsonify(
        {
            **locale_meta(),
            "deleted": True,
            "message": _("We deleted your account and the data we held for it."),
        }
    )
