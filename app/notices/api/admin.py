"""The admin API under /api/v1/admin: bearer admin tokens, notices, publishing and stats."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, current_app, g, jsonify, request

from app.accounts import admin_auth, admin_sessions
from app.api.security import bearer_token
from app.errors import BadRequest, Unauthorized, ValidationFailed
from app.extensions import csrf, get_queue
from app.logs import request_id
from app.notices import audience, delivery, editing, fallback, publishing, store, versions
from app.notices import stats as notice_stats
from app.rate_limits import rate_limit
from app.request_schemas import NoticeVersionIn, parse

bp = Blueprint("admin_api", __name__, url_prefix="/admin")
# Bearer tokens, not cookies: a cross-site form cannot forge these requests.
csrf.exempt(bp)


def json_object() -> dict:
    """The request's JSON object, or a 400."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest()
    return body


def admin_required(permission: str):
    """Refuse the request unless a valid admin token whose role grants `permission` is sent."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            session = admin_sessions.api_tokens().get(bearer_token())
            # A token issued before a password or role change names an older session version.
            admin = admin_auth.load_admin(session.owner_id, session.data.get("sv")) if session else None
            if admin is None:
                raise Unauthorized()
            g.admin_actor = admin_auth.actor_for(admin, request_id())
            admin_auth.require(g.admin_actor, permission)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def optional_json_object() -> dict:
    """The request's JSON object, {} when there is no body, or a 400 when the body is not one."""
    if not request.get_data(cache=True):
        return {}
    return json_object()


def content_json(content: dict) -> dict:
    """A version's content (service snapshot) in the admin API's shape."""
    return {
        "category": content["category"],
        "priority": content["priority"],
        "audience": content["audience"],
        "source_locale": content["source_locale"],
        "template_id": content["template_id"],
        "source": dict(content["source"]),
        "translations": {
            locale: {
                "title": entry["title"],
                "body": entry["body"],
                "machine_translated": bool(entry.get("machine_translated")),
            }
            for locale, entry in sorted(content["translations"].items())
        },
    }


def draft_json(notice) -> dict | None:
    """The draft version waiting for a publisher (null when there is none)."""
    draft = versions.pending_draft(notice)
    if draft is None:
        return None
    return {
        "version": draft.version,
        "created_at": draft.created_at.isoformat(),
        "created_by_admin_id": draft.created_by_admin_id,
        "changed": versions.draft_changes(notice),
        **content_json(draft.snapshot),
    }


def notice_json(notice) -> dict:
    """A notice for the admin API: the live version's fields, and the pending draft under `draft`."""
    return {
        "id": notice.id,
        "status": notice.status,
        "version": notice.version,
        "category": notice.category,
        "priority": notice.priority,
        "audience": notice.audience,
        "source_locale": notice.source_locale,
        "template_id": notice.template_id,
        "source": {
            "title": notice.source_title,
            "url": notice.source_url,
            "date": notice.source_date.isoformat(),
        },
        "translations": {
            t.locale: {"title": t.title, "body": t.body_markdown, "machine_translated": t.machine_translated}
            for t in notice.translations
        },
        "missing_translations": fallback.missing_locales(notice),
        "publish_at": notice.publish_at.isoformat() if notice.publish_at else None,
        "published_at": notice.published_at.isoformat() if notice.published_at else None,
        "withdrawn_at": notice.withdrawn_at.isoformat() if notice.withdrawn_at else None,
        "draft": draft_json(notice),
    }


@bp.post("/auth")
@rate_limit("10/minute")
def auth():
    """{username, password} → {token, expires_in, role}."""
    body = json_object()
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
        raise ValidationFailed(
            details={
                "fields": {
                    k: "required"
                    for k in ("username", "password")
                    if not isinstance(body.get(k), str) or not body.get(k)
                }
            }
        )
    admin = admin_auth.authenticate(username, password, address=request.remote_addr, request_id=request_id())
    token = admin_sessions.api_tokens().create(admin.id, {"role": admin.role, "sv": admin.session_version})
    return jsonify(
        {"token": token, "expires_in": current_app.config["ADMIN_SESSION_TTL_SECONDS"], "role": admin.role}
    )


@bp.post("/logout")
@admin_required("notices.view")
def logout():
    """End this admin token."""
    admin_sessions.api_tokens().revoke(bearer_token())
    admin_auth.record_logout(g.admin_actor)
    return "", 204


@bp.get("/notices")
@admin_required("notices.view")
def list_notices():
    """Notices, newest first; ?status= filters."""
    status = request.args.get("status") or None
    return jsonify({"notices": [notice_json(n) for n in editing.list_notices(status)]})


@bp.post("/notices")
@admin_required("notices.edit")
def create_notice():
    """Create a draft notice (docs/architecture.md, "Notices in the admin API")."""
    notice = editing.create_notice(json_object(), g.admin_actor)
    return jsonify(notice_json(notice)), 201


@bp.get("/notices/<int:notice_id>")
@admin_required("notices.view")
def get_notice(notice_id: int):
    """One notice with its translations."""
    return jsonify(notice_json(store.get_notice(notice_id)))


@bp.put("/notices/<int:notice_id>")
@admin_required("notices.edit")
def update_notice(notice_id: int):
    """Replace a notice's fields (on a published notice: a new draft version, live once published)."""
    return jsonify(notice_json(editing.update_notice(notice_id, json_object(), g.admin_actor)))


@bp.put("/notices/<int:notice_id>/translations/<locale>")
@admin_required("notices.translate")
def put_translation(notice_id: int, locale: str):
    """{title, body, machine_translated?} for one locale (on a published notice: a new draft version)."""
    return jsonify(notice_json(editing.set_translation(notice_id, locale, json_object(), g.admin_actor)))


@bp.post("/notices/<int:notice_id>/publish")
@admin_required("notices.publish")
def publish(notice_id: int):
    """Publish now (or schedule), or make the draft version live; {version?} must be what goes live.
    The delivery runs as jobs. Publishing twice sends nothing twice."""
    wanted = parse(NoticeVersionIn, optional_json_object())
    result = publishing.publish(notice_id, g.admin_actor, version=wanted.version)
    if result.started:
        delivery.queue_fan_out(get_queue(), result.notice.id)
    return jsonify(
        {
            "notice": notice_json(result.notice),
            "started": result.started,
            "new_version": result.new_version,
            "missing_translations": result.missing_translations,
        }
    )


@bp.delete("/notices/<int:notice_id>/draft")
@admin_required("notices.edit")
def discard_draft(notice_id: int):
    """Discard the draft version; {version?} must be the draft meant. The live text stays."""
    wanted = parse(NoticeVersionIn, optional_json_object())
    return jsonify(notice_json(publishing.discard_draft(notice_id, g.admin_actor, version=wanted.version)))


@bp.post("/notices/<int:notice_id>/withdraw")
@admin_required("notices.publish")
def withdraw(notice_id: int):
    """Withdraw a published or scheduled notice."""
    return jsonify(notice_json(publishing.withdraw(notice_id, g.admin_actor)))


@bp.get("/notices/<int:notice_id>/stats")
@admin_required("stats.view")
def stats(notice_id: int):
    """Delivered, read and failed counts, in total and per locale."""
    return jsonify(notice_stats.stats(notice_id))


@bp.post("/audience/count")
@admin_required("notices.view")
def count_audience():
    """{audience} → {count}: how many users it reaches now."""
    spec = audience.parse_audience(json_object().get("audience"))
    return jsonify(
        {
            "audience": spec,
            "count": audience.count_recipients(spec, default_locale=current_app.config["DEFAULT_LOCALE"]),
        }
    )
