"""Writing audit records (the caller's transaction commits them)."""

from __future__ import annotations

from app.audit.models import AuditLog
from app.extensions import db
from app.logs import mask_fields


def record(
    action: str,
    *,
    actor_type: str,
    actor_id=None,
    entity=None,
    entity_id=None,
    details: dict | None = None,
    request_id: str | None = None,
) -> AuditLog:
    """Add an audit row; details are masked (by field, origin and pattern, see app.logs) so no
    identifier is kept in clear."""
    masked = mask_fields(details or {})
    entry = AuditLog(
        action=action,
        actor_type=actor_type,
        actor_id=str(actor_id) if actor_id is not None else None,
        entity=entity,
        entity_id=str(entity_id) if entity_id is not None else None,
        details=masked,
        request_id=request_id,
    )
    db.session.add(entry)
    return entry
