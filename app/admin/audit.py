"""The audit log page: every admin action, filterable by action, admin, record and date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import render_template, request
from sqlalchemy import select

from app.accounts.models.admin import AdminUser
from app.admin.console import bp, console_view
from app.audit import search as audit_search
from app.extensions import db


def _day(value: str | None) -> datetime | None:
    """A YYYY-MM-DD filter value as the start of that day in UTC, or None."""
    try:
        return datetime.strptime(value or "", "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None


@bp.get("/audit")
@console_view("audit.view")
def audit_log():
    """Audit rows, newest first, filtered by the query string."""
    args = request.args
    raw = args.get("page", "")
    page = int(raw) if raw.isascii() and raw.isdigit() and int(raw) > 0 else 1
    until = _day(args.get("until"))
    result = audit_search.search(
        action=args.get("action") or None,
        actor_id=args.get("actor") or None,
        entity=args.get("entity") or None,
        entity_id=args.get("entity_id") or None,
        since=_day(args.get("since")),
        until=until + timedelta(days=1) if until else None,
        page=page,
    )
    admins = {a.id: a.username for a in db.session.scalars(select(AdminUser))}
    filters = {key: args.get(key, "") for key in ("action", "actor", "entity", "entity_id", "since", "until")}
    return render_template(
        "admin/audit.html",
        result=result,
        admins=admins,
        filters=filters,
        actions=audit_search.known_actions(),
    )
