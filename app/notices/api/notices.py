"""The user's inbox of notices: GET /api/v1/notices, POST /api/v1/notices/<id>/read."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from app.api.security import login_required
from app.errors import ValidationFailed
from app.extensions import csrf
from app.i18n import current_locale_id, locale_meta
from app.notices import inbox as notice_inbox

bp = Blueprint("notices", __name__, url_prefix="/notices")
# The mini program authenticates with a bearer token, never a cookie.
csrf.exempt(bp)

MAX_PER_PAGE = 50


def _positive_int(name: str, default: int, maximum: int) -> int:
    """A query parameter that must be a whole number from 1 to `maximum`."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= maximum:
        raise ValidationFailed(details={"fields": {name: f"a whole number from 1 to {maximum}"}})
    return int(raw)


@bp.get("")
@login_required
def inbox():
    """The user's notices in their language (fallback en → zh_Hans), newest first, with read state."""
    page = _positive_int("page", 1, 10_000)
    per_page = _positive_int("per_page", 20, MAX_PER_PAGE)
    result = notice_inbox.inbox(g.user_id, current_locale_id(), page=page, per_page=per_page)
    return jsonify({**locale_meta(), **result})


@bp.post("/<int:notice_id>/read")
@login_required
def mark_read(notice_id: int):
    """Mark one notice read (again is fine)."""
    read_at = notice_inbox.mark_read(g.user_id, notice_id)
    return jsonify({"id": notice_id, "read": True, "read_at": read_at.isoformat()})
