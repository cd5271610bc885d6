"""What the user chose in wx.requestSubscribeMessage."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from app.api.security import login_required
from app.errors import BadRequest
from app.extensions import csrf
from app.notices import subscriptions

bp = Blueprint("subscriptions", __name__, url_prefix="/subscriptions")
csrf.exempt(bp)  # bearer-token API: no cookies, so no CSRF


@bp.post("")
@login_required
def report():
    """{results: {template_id: accept|reject|ban|filter|acceptWithAudio}, report_id?} → the ledger rows."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or "results" not in body:
        raise BadRequest()
    rows = subscriptions.record_client_report(g.user_id, body["results"], body.get("report_id"))
    return jsonify({"subscriptions": rows})
