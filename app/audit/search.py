"""Reading the audit log: filtered, newest first, a page at a time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from app.audit.models import AuditLog
from app.extensions import db


def search(
    *,
    action: str | None = None,
    actor_id: str | None = None,
    entity: str | None = None,
    entity_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    page: int = 1,
    per_page: int = 50,
) -> dict:
    """Audit rows matching every given filter (action matches as a prefix, e.g. `notice.`)."""
    conditions = []
    if action:
        conditions.append(AuditLog.action.startswith(action, autoescape=True))
    if actor_id:
        conditions.append(AuditLog.actor_id == str(actor_id))
    if entity:
        conditions.append(AuditLog.entity == entity)
    if entity_id:
        conditions.append(AuditLog.entity_id == str(entity_id))
    if since:
        conditions.append(AuditLog.at >= since)
    if until:
        conditions.append(AuditLog.at < until)
    total = db.session.scalar(select(func.count()).select_from(AuditLog).where(*conditions)) or 0
    rows = list(
        db.session.scalars(
            select(AuditLog)
            .where(*conditions)
            .order_by(AuditLog.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    return {
        "rows": rows,
        "total": total,
        "page": page,
        "per_page": per_page,
        "next_page": page + 1 if page * per_page < total else None,
    }


def known_actions() -> list[str]:
    """Every action name recorded so far (for the filter menu)."""
    return list(db.session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)))
