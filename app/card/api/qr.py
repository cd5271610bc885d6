"""Identity QR: the holder asks for a 60-second single-use code; a service point checks it with its key."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request

from app.accounts import service_points
from app.api.security import login_required
from app.card import card, qr
from app.errors import BadRequest
from app.extensions import csrf, get_redis
from app.i18n import _, locale_meta
from app.logs import request_id

# Bearer tokens and API keys, never cookies: CSRF does not apply to these routes.
bp = Blueprint("qr", __name__)
csrf.exempt(bp)

SERVICE_POINT_HEADER = "X-Service-Point-Key"


@bp.post("/card/qr")
@login_required
def issue_qr():
    """A signed identity payload valid 60 seconds, single use, with its QR image (SVG data URI)."""
    card.require_verified(g.user_id)
    issued = qr.issue(g.user_id, current_app.config["SECRET_KEY"])
    response = jsonify(
        {
            **locale_meta(),
            "payload": issued.payload,
            "image": issued.svg_data_uri(),
            "issued_at": issued.issued_at.isoformat(),
            "expires_at": issued.expires_at.isoformat(),
            "expires_in": qr.TTL_SECONDS,
            "hint": _(
                "Show this code to the staff at the service point. It works once and expires after one "
                "minute."
            ),
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/qr/verify")
def verify_qr():
    """For service points: check a payload once and return the holder's minimal identity summary."""
    point = service_points.authenticate(request.headers.get(SERVICE_POINT_HEADER))
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("payload"), str):
        raise BadRequest(details={"field": "payload"})
    holder = qr.verify(
        body["payload"],
        point,
        secret_key=current_app.config["SECRET_KEY"],
        redis_client=get_redis(),
        holder_lookup=card.holder_summary,
        request_id=request_id(),
    )
    response = jsonify({**locale_meta(), "valid": True, "holder": holder, "service_point": point.name})
    response.headers["Cache-Control"] = "no-store"
    return response
