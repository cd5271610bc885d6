"""Console accounts: argon2 passwords, per-account lockout, roles and what each role may do."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from app import clock
from app.errors import AppError, Forbidden, ValidationFailed
from app.extensions import db
from app.i18n import _l
from app.models.admin import ADMIN_ROLES, AdminUser
from app.services import audit

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")

#: What each role may do. Translators work on wording only; publishers send; superadmins run the registry.
PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset({"notices.view", "stats.view"}),
    "translator": frozenset({"notices.view", "notices.translate", "translations.view"}),
    "editor": frozenset({
        "notices.view", "stats.view", "notices.edit", "notices.translate", "translations.view",
    }),
    "publisher": frozenset({
        "notices.view", "stats.view", "notices.edit", "notices.translate", "notices.publish",
        "translations.view", "audit.view",
    }),
    "superadmin": frozenset({
        "notices.view", "stats.view", "notices.edit", "notices.translate", "notices.publish",
        "translations.view", "audit.view", "registry.import", "verifications.confirm",
        "admins.manage",
    }),
}

_hasher = PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so a miss costs as much time as a wrong password.

    Made on first use, not at import: argon2 takes 64 MiB for a moment, which no worker should pay.
    """
    return _hasher.hash("not-a-real-password")


class InvalidCredentials(AppError):
    """Username or password is wrong (never says which)."""

    code = "admin.invalid_credentials"
    status = 401
    message = _l("The username or password is not correct.")


class AccountLocked(AppError):
    """Too many failed sign-ins: the account waits until the lockout ends."""

    code = "admin.locked"
    status = 429
    # TRANSLATORS: %(minutes)s is a whole number of minutes.
    message = _l("Too many failed sign-ins. Try again in %(minutes)s minutes.")


@dataclass(frozen=True)
class Actor:
    """Who performs a console or admin-API action (for permission checks and the audit log)."""

    admin_id: int
    role: str
    request_id: str | None = None

    def can(self, permission: str) -> bool:
        """True when this actor's role grants the permission."""
        return can(self.role, permission)


def can(role: str, permission: str) -> bool:
    """True when the role grants the permission."""
    return permission in PERMISSIONS.get(role, frozenset())


def require(actor: Actor, permission: str) -> None:
    """Raise Forbidden unless the actor's role grants the permission."""
    if not actor.can(permission):
        raise Forbidden(details={"permission": permission})


def actor_for(admin: AdminUser, request_id: str | None = None) -> Actor:
    """The Actor standing for an admin account."""
    return Actor(admin_id=admin.id, role=admin.role, request_id=request_id)


def hash_password(password: str) -> str:
    """An argon2id hash of a password."""
    return _hasher.hash(password)


def create_admin(username: str, password: str, role: str, *, display_name: str | None = None,
                 created_by: Actor | None = None) -> AdminUser:
    """Add a console account after checking the username, role and password length."""
    username = (username or "").strip().lower()
    errors = {}
    if not USERNAME_PATTERN.match(username):
        errors["username"] = "invalid"
    elif db.session.scalar(select(AdminUser.id).where(AdminUser.username == username)) is not None:
        errors["username"] = "taken"
    if role not in ADMIN_ROLES:
        errors["role"] = "invalid"
    if len(password or "") < MIN_PASSWORD_LENGTH:
        errors["password"] = "too_short"  # noqa: S105 - an error code, not a password
    if errors:
        raise ValidationFailed(details={"fields": errors})
    admin = AdminUser(username=username, display_name=display_name, role=role,
                      password_hash=hash_password(password))
    db.session.add(admin)
    db.session.flush()
    audit.record("admin.create", actor_type="admin" if created_by else "system",
                 actor_id=created_by.admin_id if created_by else None, entity="admin_user",
                 entity_id=admin.id, details={"username": username, "role": role},
                 request_id=created_by.request_id if created_by else None)
    db.session.commit()
    return admin


def authenticate(username: str, password: str, *, request_id: str | None = None,
                 now: datetime | None = None) -> AdminUser:
    """The admin for these credentials; counts failures and locks the account after too many."""
    now = now or clock.now()
    username = (username or "").strip().lower()[:64]
    admin = db.session.scalar(select(AdminUser).where(AdminUser.username == username)) if username else None
    if admin is None or not admin.active:
        _verify(_dummy_hash(), password or "")
        audit.record("admin.login_failed", actor_type="admin", entity="admin_user",
                     details={"username": username, "reason": "unknown"}, request_id=request_id)
        db.session.commit()
        raise InvalidCredentials()
    if admin.locked_until and admin.locked_until > now:
        minutes = max(1, int((admin.locked_until - now).total_seconds() // 60) + 1)
        raise AccountLocked(details={"retry_after_seconds": int((admin.locked_until - now).total_seconds())},
                            minutes=minutes)
    if not _verify(admin.password_hash, password or ""):
        admin.failed_logins += 1
        if admin.failed_logins >= MAX_FAILED_LOGINS:
            admin.locked_until = now + LOCKOUT
            admin.failed_logins = 0
        audit.record("admin.login_failed", actor_type="admin", actor_id=admin.id, entity="admin_user",
                     entity_id=admin.id, details={"reason": "password"}, request_id=request_id)
        db.session.commit()
        raise InvalidCredentials()
    if _hasher.check_needs_rehash(admin.password_hash):
        admin.password_hash = hash_password(password)
    admin.failed_logins = 0
    admin.locked_until = None
    admin.last_login_at = now
    audit.record("admin.login", actor_type="admin", actor_id=admin.id, entity="admin_user",
                 entity_id=admin.id, request_id=request_id)
    db.session.commit()
    return admin


def _verify(password_hash: str, password: str) -> bool:
    """argon2 verification that treats every failure as a plain mismatch."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def load_admin(admin_id, session_version=None) -> AdminUser | None:
    """The active admin with this id (and, if given, this session version), or None."""
    try:
        admin = db.session.get(AdminUser, int(admin_id))
    except (TypeError, ValueError):
        return None
    if admin is None or not admin.active:
        return None
    if session_version is not None and admin.session_version != session_version:
        return None
    return admin


def set_locale(admin: AdminUser, locale: str) -> None:
    """Remember the console language an admin chose."""
    admin.locale = locale
    db.session.commit()


def record_logout(actor: Actor) -> None:
    """Audit a sign-out."""
    audit.record("admin.logout", actor_type="admin", actor_id=actor.admin_id, entity="admin_user",
                 entity_id=actor.admin_id, request_id=actor.request_id)
    db.session.commit()
