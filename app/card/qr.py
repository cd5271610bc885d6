"""Identity QR codes: a signed payload valid for 60 seconds, single use, bound to one user.

Payload: ``SSC1.<user id>.<issued at>.<nonce>.<signature>``. The signature is an HMAC-SHA256
over the first four parts with a key derived from SECRET_KEY for this purpose only. Nothing is
stored when a code is issued; a code is spent at its first check by claiming its nonce in Redis
with SET NX, so a second check of the same code is refused as a replay.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import segno

from app import clock
from app.accounts.models.service_point import QrCheck, ServicePoint
from app.audit import log as audit
from app.errors import AppError
from app.extensions import db
from app.i18n import _l

VERSION = "SSC1"
TTL_SECONDS = 60
#: Clock skew tolerated between the issuing and the checking worker.
SKEW_SECONDS = 5
MAX_PAYLOAD_LENGTH = 200
_PAYLOAD = re.compile(r"^SSC1\.([0-9]{1,12})\.([0-9]{10})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{43})$")
_USED_KEY = "ssc:qr-used:{nonce}"


class QrInvalid(AppError):
    """The payload is malformed, tampered with, or names nobody we can show."""

    code = "qr.invalid"
    status = 400
    message = _l("This QR code is not valid. Ask the holder to show a new one.")


class QrExpired(AppError):
    """The payload is older than its 60 seconds."""

    code = "qr.expired"
    status = 400
    message = _l("This QR code has expired. Ask the holder to refresh it.")


class QrReplayed(AppError):
    """The payload was already checked once."""

    code = "qr.replayed"
    status = 409
    message = _l(
        "This QR code works only once, and someone has already scanned it. Ask the holder to show a new one."
    )


@dataclass(frozen=True)
class IssuedQr:
    """A freshly issued identity QR."""

    payload: str
    issued_at: datetime
    expires_at: datetime

    def svg_data_uri(self) -> str:
        """The QR image as an SVG data URI (segno; medium error correction)."""
        return segno.make(self.payload, error="m", micro=False).svg_data_uri(scale=4, border=2)


def _key(secret_key: str) -> bytes:
    """The HMAC key for QR payloads, derived from SECRET_KEY (domain-separated)."""
    return hmac.new(secret_key.encode("utf-8"), b"ssc-bridge identity-qr v1", hashlib.sha256).digest()


def _sign(secret_key: str, body: str) -> str:
    """The URL-safe base64 HMAC-SHA256 of a payload body (43 characters)."""
    mac = hmac.new(_key(secret_key), body.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def issue(user_id: int, secret_key: str, now: datetime | None = None) -> IssuedQr:
    """Sign a new single-use payload for a user (the caller has checked the user is verified)."""
    now = now or clock.now()
    issued = int(now.timestamp())
    body = f"{VERSION}.{int(user_id)}.{issued}.{secrets.token_urlsafe(12)}"
    issued_at = datetime.fromtimestamp(issued, tz=UTC)
    return IssuedQr(
        payload=f"{body}.{_sign(secret_key, body)}",
        issued_at=issued_at,
        expires_at=issued_at + timedelta(seconds=TTL_SECONDS),
    )


@dataclass(frozen=True)
class CheckedPayload:
    """A payload whose signature and age were accepted."""

    user_id: int
    issued: int
    nonce: str


def check_signature(payload: str | None, secret_key: str, now: datetime | None = None) -> CheckedPayload:
    """Parse and authenticate a payload and check its age; raises QrInvalid or QrExpired."""
    if not isinstance(payload, str) or len(payload) > MAX_PAYLOAD_LENGTH:
        raise QrInvalid()
    match = _PAYLOAD.match(payload.strip())
    if match is None:
        raise QrInvalid()
    user_id, issued, nonce, signature = match.groups()
    body = f"{VERSION}.{user_id}.{issued}.{nonce}"
    if not hmac.compare_digest(_sign(secret_key, body), signature):
        raise QrInvalid()
    now_ts = (now or clock.now()).timestamp()
    issued_ts = int(issued)
    if issued_ts > now_ts + SKEW_SECONDS:
        raise QrInvalid()
    if now_ts - issued_ts > TTL_SECONDS:
        raise QrExpired()
    return CheckedPayload(user_id=int(user_id), issued=issued_ts, nonce=nonce)


def claim(redis_client, nonce: str) -> bool:
    """Spend a payload's nonce; False if it was spent before (one atomic SET NX)."""
    claimed = redis_client.set(
        _USED_KEY.format(nonce=nonce), b"1", nx=True, ex=TTL_SECONDS + 2 * SKEW_SECONDS
    )
    return bool(claimed)


def record_check(point: ServicePoint, user_id: int | None, result: str, request_id: str | None) -> None:
    """Keep a QrCheck row and an audit entry for one check, and commit them."""
    db.session.add(QrCheck(service_point_id=point.id, user_id=user_id, result=result, request_id=request_id))
    point.last_used_at = clock.now()
    audit.record(
        "qr.check",
        actor_type="service_point",
        actor_id=point.id,
        entity="user",
        entity_id=user_id,
        details={"result": result, "service_point": point.name},
        request_id=request_id,
    )
    db.session.commit()


def verify(
    payload: str | None,
    point: ServicePoint,
    *,
    secret_key: str,
    redis_client,
    holder_lookup,
    request_id: str | None = None,
    now: datetime | None = None,
) -> dict:
    """Check a payload for a service point and return the holder summary; every outcome is recorded.

    `holder_lookup(user_id)` returns the minimal identity summary, or raises AppError when the
    user can no longer be shown (not verified any more).
    """
    user_id = None
    try:
        checked = check_signature(payload, secret_key, now)
        user_id = checked.user_id
        if not claim(redis_client, checked.nonce):
            raise QrReplayed()
        try:
            summary = holder_lookup(checked.user_id)
        except AppError as error:
            raise QrInvalid() from error
    except AppError as error:
        db.session.rollback()
        record_check(point, user_id, error.code, request_id)
        raise
    record_check(point, user_id, "ok", request_id)
    return summary
