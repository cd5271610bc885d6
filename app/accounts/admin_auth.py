"""Console accounts: argon2 passwords, per-account lockout, roles and what each role may do.

Signing in (`authenticate`) counts every try before the password is checked, so parallel guesses
cannot pass the limit: an account's count is one conditional UPDATE (`failed_logins + 1`, only
while the account is not locked), and every MAX_FAILED_LOGINS-th counted try locks it for LOCKOUT.
A username that is no account (or no active one) is counted the same way in Redis
(app/accounts/sign_in_throttle.py), so it answers exactly as an account does: the same message,
the same lock, the same password hashing. Each address is also slowed down after repeated
failures, with a growing wait, so nobody can keep an account locked from one address. Every lock,
and every wait an address is given, is audited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import case, or_, select, update

from app import clock
from app.accounts import admin_sessions, sign_in_throttle
from app.accounts.models.admin import ADMIN_ROLES, AdminUser
from app.accounts.sign_in_throttle import CountedTry, NameLocked
from app.audit import log as audit
from app.errors import AppError, Forbidden, NotFound, ValidationFailed
from app.extensions import db, get_redis, rows_changed
from app.i18n import _l, lazy_ngettext

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")

#: What each role may do. Translators work on wording only; publishers send; superadmins run the registry.
PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset({"notices.view", "stats.view"}),
    "translator": frozenset({"notices.view", "notices.translate", "translations.view"}),
    "editor": frozenset(
        {
            "notices.view",
            "stats.view",
            "notices.edit",
            "notices.translate",
            "translations.view",
        }
    ),
    "publisher": frozenset(
        {
            "notices.view",
            "stats.view",
            "notices.edit",
            "notices.translate",
            "notices.publish",
            "translations.view",
            "audit.view",
        }
    ),
    "superadmin": frozenset(
        {
            "notices.view",
            "stats.view",
            "notices.edit",
            "notices.translate",
            "notices.publish",
            "translations.view",
            "audit.view",
            "registry.import",
            "verifications.confirm",
            "admins.manage",
        }
    ),
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

    def __init__(self, *, minutes: int, **kwargs):
        super().__init__(
            # TRANSLATORS: %(num)d is a whole number of minutes.
            lazy_ngettext(
                "Too many failed sign-ins. Try again in %(num)d minute.",
                "Too many failed sign-ins. Try again in %(num)d minutes.",
                minutes,
            ),
            **kwargs,
        )


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


def create_admin(
    username: str,
    password: str,
    role: str,
    *,
    display_name: str | None = None,
    created_by: Actor | None = None,
) -> AdminUser:
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
    admin = AdminUser(
        username=username, display_name=display_name, role=role, password_hash=hash_password(password)
    )
    db.session.add(admin)
    db.session.flush()
    audit.record(
        "admin.create",
        actor_type="admin" if created_by else "system",
        actor_id=created_by.admin_id if created_by else None,
        entity="admin_user",
        entity_id=admin.id,
        details={"username": username, "role": role},
        request_id=created_by.request_id if created_by else None,
    )
    db.session.commit()
    return admin


def authenticate(
    username: str,
    password: str,
    *,
    address: str | None = None,
    request_id: str | None = None,
    now: datetime | None = None,
) -> AdminUser:
    """The admin for these credentials; raises InvalidCredentials or AccountLocked (see the module docstring)."""
    now = now or clock.now()
    admin = _check_password(username, password, address, now, request_id)
    admin.last_login_at = now
    audit.record(
        "admin.login",
        actor_type="admin",
        actor_id=admin.id,
        entity="admin_user",
        entity_id=admin.id,
        request_id=request_id,
    )
    db.session.commit()
    return admin


def _check_password(
    username: str, password: str, address: str | None, now: datetime, request_id: str | None
) -> AdminUser:
    """The active admin whose password this is (the try counted and throttled), or raise."""
    username = (username or "").strip().lower()[:64]
    redis_client = get_redis()
    waiting = sign_in_throttle.address_wait(redis_client, address, now)
    if waiting is not None:
        raise _locked(waiting, now)
    admin = db.session.scalar(select(AdminUser).where(AdminUser.username == username)) if username else None
    if admin is not None and not admin.active:
        admin = None
    try:
        counted = (
            _count_account_try(admin.id, now)
            if admin is not None
            else sign_in_throttle.count_name_try(
                redis_client, username, now, max_failures=MAX_FAILED_LOGINS, lockout=LOCKOUT
            )
        )
    except NameLocked as locked:
        db.session.rollback()
        raise _locked(locked.until, now) from None
    # An unknown name checks a password too: it costs the same time as a wrong one.
    if (
        _verify(admin.password_hash if admin is not None else _dummy_hash(), password or "")
        and admin is not None
    ):
        return _passed(admin, password)
    _failed(admin, username, counted, address, now, request_id)
    raise InvalidCredentials()


def _locked(until: datetime, now: datetime) -> AccountLocked:
    """The answer to a try while a lock or an address's wait lasts (whole minutes, rounded up)."""
    seconds = max(int((until - now).total_seconds()), 1)
    return AccountLocked(details={"retry_after_seconds": seconds}, minutes=max(1, -(-seconds // 60)))


def _count_account_try(admin_id: int, now: datetime) -> CountedTry:
    """Count a try against an account in one UPDATE (none while it is locked); the lock it starts, if any."""
    forgotten = or_(
        AdminUser.last_failed_login_at.is_(None),
        AdminUser.last_failed_login_at < now - sign_in_throttle.NAME_MEMORY,
    )
    # The count is assigned before the time it reads (MySQL assigns left to right, with new values).
    counted = rows_changed(
        update(AdminUser)
        .where(AdminUser.id == admin_id, or_(AdminUser.locked_until.is_(None), AdminUser.locked_until <= now))
        .ordered_values(
            (AdminUser.failed_logins, case((forgotten, 1), else_=AdminUser.failed_logins + 1)),
            (AdminUser.last_failed_login_at, now),
        )
        .execution_options(synchronize_session=False)
    )
    if counted != 1:
        # A locking read: the lock a parallel try has just committed, not this transaction's snapshot.
        until = db.session.scalar(
            select(AdminUser.locked_until).where(AdminUser.id == admin_id).with_for_update()
        )
        db.session.rollback()
        # None: the lock ended (or the account went) between the two statements; try again shortly.
        raise _locked(until or now, now)
    # The row stays locked by this transaction until the commit: the count read is this try's own.
    count = db.session.execute(select(AdminUser.failed_logins).where(AdminUser.id == admin_id)).scalar_one()
    until = None
    if sign_in_throttle.locks_at(count, MAX_FAILED_LOGINS):
        until = now + LOCKOUT
        db.session.execute(
            update(AdminUser)
            .where(AdminUser.id == admin_id)
            .values(locked_until=until)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    return CountedTry(count=count, locked_until=until)


def _passed(admin: AdminUser, password: str) -> AdminUser:
    """The right password: clear the count and any lock, rehash an old password hash (the caller commits)."""
    db.session.refresh(admin)
    if _hasher.check_needs_rehash(admin.password_hash):
        admin.password_hash = hash_password(password)
    admin.failed_logins = 0
    admin.locked_until = None
    admin.last_failed_login_at = None
    return admin


def _failed(
    admin: AdminUser | None,
    username: str,
    counted: CountedTry,
    address: str | None,
    now: datetime,
    request_id: str | None,
) -> None:
    """Count the failure against the address and audit it, with the lock or backoff it started."""
    waits_until = sign_in_throttle.count_address_failure(get_redis(), address, now)
    about = (
        {"actor_id": admin.id, "entity_id": admin.id}
        if admin is not None
        else {"actor_id": None, "entity_id": None}
    )
    reason = {"reason": "password"} if admin is not None else {"username": username, "reason": "unknown"}
    audit.record(
        "admin.login_failed",
        actor_type="admin",
        entity="admin_user",
        details=reason,
        request_id=request_id,
        **about,
    )
    if counted.locked_until is not None:
        audit.record(
            "admin.locked",
            actor_type="system",
            entity="admin_user",
            entity_id=about["entity_id"],
            details={**reason, "failures": counted.count, "until": counted.locked_until.isoformat()},
            request_id=request_id,
        )
    if waits_until is not None and address:
        audit.record(
            "admin.address_throttled",
            actor_type="system",
            entity="address",
            entity_id=address,
            details={"until": waits_until.isoformat()},
            request_id=request_id,
        )
    db.session.commit()


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
    audit.record(
        "admin.logout",
        actor_type="admin",
        actor_id=actor.admin_id,
        entity="admin_user",
        entity_id=actor.admin_id,
        request_id=actor.request_id,
    )
    db.session.commit()


# ---- changes that end every session ------------------------------------------------------------


class WrongCurrentPassword(AppError):
    """A password change was asked with a current password that is not right."""

    code = "admin.wrong_password"
    status = 401
    message = _l("Your current password is not correct.")


def change_own_password(
    admin: AdminUser, current: str, new: str, *, address: str | None = None, request_id: str | None = None
) -> int:
    """An admin changes their password, proving the current one (counted like a sign-in); sessions ended."""
    _check_new_password(new)
    try:
        _check_password(admin.username, current, address, clock.now(), request_id)
    except InvalidCredentials:
        raise WrongCurrentPassword() from None
    return set_password(admin.id, new, actor=Actor(admin.id, admin.role, request_id))


def set_password(admin_id: int, new: str, *, actor: Actor | None = None) -> int:
    """Give an admin a new password and end every session and API token of theirs; how many ended."""
    _check_new_password(new)
    return _change(
        admin_id,
        "admin.password_changed",
        actor,
        password_hash=hash_password(new),
        failed_logins=0,
        locked_until=None,
        last_failed_login_at=None,
    )


def set_role(admin_id: int, role: str, *, actor: Actor | None = None) -> int:
    """Give an admin another role and end every session and API token of theirs; how many ended."""
    if role not in ADMIN_ROLES:
        raise ValidationFailed(details={"fields": {"role": "invalid"}})
    return _change(admin_id, "admin.role_changed", actor, {"role": role}, role=role)


def sign_out_everywhere(admin_id: int, *, actor: Actor | None = None) -> int:
    """End every console session and API token of an admin; how many ended."""
    return _change(admin_id, "admin.signed_out_everywhere", actor)


def _check_new_password(new: str) -> None:
    if len(new or "") < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(details={"fields": {"password": "too_short"}})


def _change(admin_id: int, action: str, actor: Actor | None, details: dict | None = None, **values) -> int:
    """Apply the change and a new session version, audit it, then end the sessions in Redis.

    The database first: should Redis fail after it, the new session version still refuses every
    console cookie and API token issued before (load_admin compares it).
    """
    admin = db.session.get(AdminUser, admin_id)
    if admin is None:
        raise NotFound()
    for name, value in values.items():
        setattr(admin, name, value)
    admin.session_version += 1
    audit.record(
        action,
        actor_type="admin" if actor else "system",
        actor_id=actor.admin_id if actor else None,
        entity="admin_user",
        entity_id=admin_id,
        details=details,
        request_id=actor.request_id if actor else None,
    )
    db.session.commit()
    return admin_sessions.end_all(admin_id)
