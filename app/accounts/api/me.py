"""The signed-in user: who they are and their language."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from app.accounts import auth
from app.accounts.models.user import UserAccount
from app.api.security import login_required
from app.errors import BadRequest, Unauthorized
from app.extensions import csrf, db
from app.i18n import current_locale_id, set_request_locale, text_direction

bp = Blueprint("me", __name__, url_prefix="/me")
csrf.exempt(bp)  # bearer-token API: no cookies, so no CSRF


def _render(user: UserAccount):
    locale = current_locale_id()
    return jsonify({"locale": locale, "dir": text_direction(locale), "user": auth.user_view(user)})


@bp.get("")
@login_required
def show():
    """The user and the locale this answer is in."""
    user = db.session.get(UserAccount, g.user_id)
    if user is None:
        raise Unauthorized()
    return _render(user)


@bp.route("", methods=["PATCH", "PUT"])
@login_required
def update():
    """{locale}: save the user's language; the answer (and later requests) use it.

    PUT does the same as PATCH: the mini program's wx.request cannot send PATCH.
    """
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or "locale" not in body:
        raise BadRequest()
    user = auth.change_locale(g.user_id, body["locale"], token=g.token)
    set_request_locale(user.locale)
    return _render(user)
