"""Service points: create one with a new API key, revoke it, and authenticate a request's key."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select

from app import clock
from app.accounts.models.service_point import ServicePoint
from app.errors import AppError, Conflict, NotFound
from app.extensions import db
from app.i18n import _l

KEY_PREFIX = "sp_"
MAX_KEY_LENGTH = 128
MAX_NAME_LENGTH = 120


class InvalidServicePointKey(AppError):
    """The X-Service-Point-Key header is missing or matches no service point."""

    code = "service_point.invalid_key"
    status = 401
    message = _l("This service point key is not valid.")


class RevokedServicePointKey(AppError):
    """The key belonged to a service point whose access was revoked."""

    code = "service_point.revoked"
    status = 403
    message = _l("This service point no longer has access.")


def hash_key(key: str) -> str:
    """The stored form of an API key (SHA-256, hex)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_service_point(name: str) -> tuple[ServicePoint, str]:
    """Create a service point; returns it and its API key, which is never stored in clear."""
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise AppError(
            code="service_point.invalid_name",
            status=400,
            message=_l("Give the service point a name of up to 120 characters."),
        )
    if db.session.scalar(select(ServicePoint.id).where(ServicePoint.name == name)) is not None:
        raise Conflict(
            code="service_point.exists", message=_l("A service point with this name already exists.")
        )
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    point = ServicePoint(name=name, key_hash=hash_key(key), key_prefix=key[:10])
    db.session.add(point)
    db.session.commit()
    return point, key


def revoke_service_point(name: str) -> ServicePoint:
    """Revoke a service point's key at once (by name); idempotent."""
    point = db.session.scalar(select(ServicePoint).where(ServicePoint.name == (name or "").strip()))
    if point is None:
        raise NotFound(
            code="service_point.not_found", message=_l("There is no service point with this name.")
        )
    if point.revoked_at is None:
        point.revoked_at = clock.now()
        db.session.commit()
    return point


def list_service_points() -> list[ServicePoint]:
    """Every service point, oldest first."""
    return list(db.session.scalars(select(ServicePoint).order_by(ServicePoint.id)))


def authenticate(key: str | None) -> ServicePoint:
    """The service point owning this key; refuses unknown and revoked keys with distinct codes."""
    if not key or len(key) > MAX_KEY_LENGTH or not key.startswith(KEY_PREFIX):
        raise InvalidServicePointKey()
    digest = hash_key(key)
    point = db.session.scalar(select(ServicePoint).where(ServicePoint.key_hash == digest))
    # The lookup is by hash; compare again in constant time so a near-miss says nothing.
    if point is None or not hmac.compare_digest(point.key_hash, digest):
        raise InvalidServicePointKey()
    if point.revoked_at is not None:
        raise RevokedServicePointKey()
    return point
