"""Signing in with WeChat: exchange the code once, keep session_key on the server, issue our token.

Idempotency: the outcome of a code exchange is cached for 5 minutes (a code's lifetime) under a
hash of the code, encrypted with a key derived from the code itself, so a client retrying the same
code gets the same session back instead of WeChat's 40163, and nobody reading Redis can recover
the token without the code. A short lock makes two simultaneous submissions share one exchange;
when that exchange fails, the waiting submission gets the same answer (WeChat busy: 503, a spent
code: 401), read from a short-lived note of the failure's kind.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from app import clock, pii
from app.accounts.models.user import UserAccount
from app.accounts.sessions import PREFIX, SessionStore
from app.errors import Unauthorized, ValidationFailed
from app.extensions import db, get_redis, read_first, write_one
from app.i18n import _, resolve_locale, served_locales
from app.wechat import get_wechat
from app.wechat.errors import WeChatError
from app.wechat_errors import (
    AccountRestricted,
    InvalidWeChatCode,
    WeChatRateLimitedError,
    WeChatUnavailableError,
    as_app_error,
)

CODE_CACHE_SECONDS = 300
CODE_LOCK_SECONDS = 10
CLIENT_LOCALE_SECONDS = 90 * 24 * 3600
MAX_CODE_LENGTH = 128


@dataclass(frozen=True)
class SignedInUser:
    """What signing in needs of a user, read in one statement (not an ORM object)."""

    id: int
    openid: str
    locale: str | None
    status: str
    verified_at: datetime | None


@dataclass(frozen=True)
class LoginResult:
    """A signed-in user and their new (or retried) session token."""

    token: str
    expires_in: int
    user: UserAccount | SignedInUser
    locale: str


def user_sessions() -> SessionStore:
    """The store of mini-program sessions (the same one app.api.security reads)."""
    return SessionStore(get_redis(), "session", current_app.config["SESSION_TTL_SECONDS"])


def _code_digest(code: str, purpose: bytes) -> bytes:
    return hashlib.sha256(purpose + b"\x00" + code.encode("utf-8")).digest()


def code_cache_key(code: str) -> str:
    """Redis key of a code's cached outcome (a hash: the code itself is never stored)."""
    return f"{PREFIX}:login-code:{_code_digest(code, b'key').hex()}"


def session_key_key(user_id: int) -> str:
    """Redis key of a user's latest WeChat session_key (encrypted with the PII key)."""
    return f"{PREFIX}:wechat-session-key:{user_id}"


def client_locale_key(user_id: int) -> str:
    """Redis key of the locale of the user's WeChat client at their last sign-in."""
    return f"{PREFIX}:client-locale:{user_id}"


def _seal(code: str, payload: dict) -> bytes:
    nonce = _code_digest(code, b"nonce")[:12]  # one code is sealed once, so a derived nonce is safe
    return AESGCM(_code_digest(code, b"seal")).encrypt(nonce, json.dumps(payload).encode(), None)


def _open(code: str, sealed: bytes) -> dict | None:
    try:
        nonce = _code_digest(code, b"nonce")[:12]
        return json.loads(AESGCM(_code_digest(code, b"seal")).decrypt(nonce, sealed, None))
    except (InvalidTag, ValueError):
        return None


def check_code(code) -> str:
    """The code as a clean string, or a validation error."""
    if not isinstance(code, str) or not code.strip() or len(code) > MAX_CODE_LENGTH:
        raise ValidationFailed(
            details={
                "errors": [
                    {
                        "field": "code",
                        "message": _("Sign-in failed. Please close the mini program and open it again."),
                    }
                ]
            }
        )
    return code.strip()


def login(code, language: str | None = None) -> LoginResult:
    """Exchange a wx.login code for our session; a retry of the same code returns the same session."""
    code = check_code(code)
    redis, sessions = get_redis(), user_sessions()
    cache_key = code_cache_key(code)
    lock_key = cache_key + ":lock"
    with redis.pipeline() as pipe:
        pipe.get(cache_key)
        pipe.set(lock_key, "1", nx=True, ex=CODE_LOCK_SECONDS)
        cached, locked = pipe.execute()
    if cached is not None:
        return _replay(cached, code, language, sessions)
    if not locked:
        return _wait_for_other(redis, cache_key, code, language, sessions)
    try:
        identity = get_wechat().code_to_session(code)
    except WeChatError as error:
        failure = as_app_error(error)
        _note_failure(redis, cache_key, failure.code)
        raise failure from None
    try:
        user = _upsert_user(identity)
        locale = _response_locale(user, language)
    except AccountRestricted as restricted:
        _note_failure(redis, cache_key, restricted.code)
        raise
    except Exception:
        redis.delete(lock_key, cache_key + ":failed")  # no earlier failure's note may answer for this one
        raise
    ttl = sessions.ttl
    # The session, the code's outcome and the lock's release go in one round trip (one MULTI).
    with redis.pipeline() as pipe:
        # The client's WeChat language is kept with the session, so a request that carries no
        # language header is still answered in it (a saved choice always wins).
        token = sessions.queue_create(
            pipe, user.id, {"openid": user.openid, "locale": user.locale, "client_locale": locale}
        )
        pipe.set(session_key_key(user.id), pii.codec().encrypt(identity["session_key"]), ex=ttl)
        pipe.set(cache_key, _seal(code, {"user_id": user.id, "token": token}), ex=CODE_CACHE_SECONDS)
        pipe.set(client_locale_key(user.id), locale, ex=CLIENT_LOCALE_SECONDS)
        pipe.delete(lock_key, cache_key + ":failed")
        pipe.execute()
    return LoginResult(token=token, expires_in=ttl, user=user, locale=locale)


def _note_failure(redis, cache_key: str, code: str) -> None:
    """Let go of the exchange's lock, noting why it failed for a submission waiting on it."""
    with redis.pipeline() as pipe:
        pipe.set(cache_key + ":failed", code, ex=CODE_LOCK_SECONDS)
        pipe.delete(cache_key + ":lock")
        pipe.execute()


def _replay(cached: bytes, code: str, language, sessions: SessionStore) -> LoginResult:
    """The session an earlier exchange of this code created, if it is still alive."""
    payload = _open(code, cached)
    if payload is None or not sessions.get(payload["token"]):
        raise InvalidWeChatCode()
    user = db.session.get(UserAccount, payload["user_id"])
    if user is None:
        raise InvalidWeChatCode()
    return LoginResult(
        token=payload["token"], expires_in=sessions.ttl, user=user, locale=_response_locale(user, language)
    )


def _wait_for_other(redis, cache_key: str, code: str, language, sessions: SessionStore) -> LoginResult:
    """The same code is being exchanged by a parallel request: wait for its outcome."""
    deadline = time.monotonic() + float(current_app.config.get("WECHAT_TIMEOUT_SECONDS", 5.0)) + 1
    while time.monotonic() < deadline:
        time.sleep(0.05)
        with redis.pipeline() as pipe:  # one consistent read: the outcome, the lock and a failure's note
            pipe.get(cache_key)
            pipe.exists(cache_key + ":lock")
            pipe.get(cache_key + ":failed")
            cached, locked, noted = pipe.execute()
        if cached is not None:
            return _replay(cached, code, language, sessions)
        if not locked:
            raise _failure_of_other(noted)
    raise WeChatUnavailableError()


#: The answers a waiting submission may repeat, by the error code the exchange it waited on failed with.
_SHARED_FAILURES = {
    error.code: error
    for error in (InvalidWeChatCode, WeChatUnavailableError, WeChatRateLimitedError, AccountRestricted)
}


def _failure_of_other(noted) -> Exception:
    """The error of the parallel exchange this submission waited on; a spent code when none was noted."""
    code = noted.decode() if isinstance(noted, bytes) else noted
    return _SHARED_FAILURES.get(code, InvalidWeChatCode)()


@lru_cache(maxsize=1)
def _user_by_openid():
    """SELECT what signing in needs … WHERE openid = ? (built once)."""
    table = UserAccount.__table__
    return select(table.c.id, table.c.openid, table.c.locale, table.c.status, table.c.verified_at).where(
        table.c.openid == bindparam("openid")
    )


@lru_cache(maxsize=1)
def _touch_active_user():
    """UPDATE last sign-in (and unionid, when WeChat gave one) … WHERE id = ? AND still active (built once)."""
    table = UserAccount.__table__
    return (
        update(table)
        .where(table.c.id == bindparam("user_id"), table.c.status == "active")
        .values(
            last_login_at=bindparam("signed_in_at"),
            unionid=func.coalesce(bindparam("new_unionid", type_=table.c.unionid.type), table.c.unionid),
        )
    )


def _upsert_user(identity: dict) -> SignedInUser:
    """The user for this openid, created on first sign-in; unionid and last sign-in refreshed.

    A returning user costs two single statements, each committed on its own: the read, and an
    UPDATE that only touches an account still active (so a restriction made in between wins).
    """
    openid = identity["openid"]
    for _attempt in (1, 2):
        row = read_first(_user_by_openid(), {"openid": openid})
        if row is None:
            return _first_sign_in(identity)
        user = SignedInUser(*row)
        if user.status != "active":
            raise AccountRestricted()
        touched = {
            "user_id": user.id,
            "signed_in_at": clock.now(),
            "new_unionid": identity.get("unionid") or None,
        }
        if write_one(_touch_active_user(), touched):
            return user
        # Restricted or deleted since the read: read again (a deleted account signs up anew).
    raise AccountRestricted()


def _first_sign_in(identity: dict) -> SignedInUser:
    """Create the account of a first sign-in (a parallel first sign-in of the same user may win)."""
    openid = identity["openid"]
    user = UserAccount(openid=openid, unionid=identity.get("unionid"), status="active")
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        user = db.session.scalars(select(UserAccount).where(UserAccount.openid == openid)).one()
    if user.status != "active":
        db.session.rollback()
        raise AccountRestricted()
    user.last_login_at = clock.now()
    signed_in = SignedInUser(user.id, user.openid, user.locale, user.status, user.verified_at)
    db.session.commit()
    return signed_in


def _response_locale(user: UserAccount | SignedInUser, language: str | None) -> str:
    """The user's saved choice, else their WeChat language, else the default."""
    config = current_app.config
    return resolve_locale(
        user.locale,
        language,
        supported=served_locales(config),
        default=config["DEFAULT_LOCALE"],
        traditional_fallback=config["TRADITIONAL_CHINESE_FALLBACK"],
    )


def logout(token: str) -> None:
    """End this session."""
    user_sessions().revoke(token)


def session_key_for(user_id: int) -> str | None:
    """The user's latest WeChat session_key (for decrypting legacy encryptedData), never sent out."""
    sealed = get_redis().get(session_key_key(user_id))
    if not sealed:
        return None
    try:
        return pii.codec().decrypt(sealed.decode() if isinstance(sealed, bytes) else sealed)
    except pii.UnknownPiiKey:  # kept under a PII key since retired: as if WeChat had not given one
        return None


def client_locale(user_id: int) -> str | None:
    """The locale of the user's WeChat client at their last sign-in, if remembered."""
    value = get_redis().get(client_locale_key(user_id))
    return value.decode() if isinstance(value, bytes) else value


def user_view(user: UserAccount | SignedInUser) -> dict:
    """What the mini program may know of its user."""
    return {
        "id": user.id,
        "locale": user.locale,
        "verified": user.verified_at is not None,
        "status": user.status,
    }


def change_locale(user_id: int, locale, *, token: str | None = None) -> UserAccount:
    """Save the user's language (None clears it) and put it in their session for later requests."""
    config = current_app.config
    if locale is not None and (not isinstance(locale, str) or locale not in served_locales(config)):
        raise ValidationFailed(
            details={"errors": [{"field": "locale", "message": _("Choose one of the languages offered.")}]}
        )
    user = db.session.get(UserAccount, user_id)
    if user is None:
        raise Unauthorized()
    user.locale = locale
    db.session.commit()
    if token:
        sessions = user_sessions()
        current = sessions.get(token)
        if current is not None:
            sessions.update(token, {**current.data, "locale": locale})
    return user
