"""The record of identity checks and the one-time references for checking in person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.columns import Timestamps, UTCDateTime, hash_column, utcnow
from app.extensions import Model

ATTEMPT_STEPS = ("identifier_match", "phone", "in_person")
ATTEMPT_RESULTS = ("pass", "fail", "locked")


class VerificationAttempt(Model):
    """One try at proving who someone is: which identifier (hashed), which step, and the outcome.

    A security record: it outlives the account (user_id is emptied when the account is deleted)
    until the retention period ends, and names the WeChat identity only by a keyed hash.
    """

    __tablename__ = "verification_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: Keyed hash of the WeChat openid (verification.wechat_subject): who tried, across accounts.
    wechat_subject: Mapped[str | None] = hash_column(nullable=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    identifier_type: Mapped[str | None] = mapped_column(String(16))
    identifier_hash: Mapped[str | None] = hash_column(nullable=True)
    step: Mapped[str] = mapped_column(String(20))
    result: Mapped[str] = mapped_column(String(10))
    failure_code: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class InPersonReference(Timestamps, Model):
    """A short reference a user shows at a service point; only its keyed hash is stored."""

    __tablename__ = "in_person_references"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    reference_hash: Mapped[str] = hash_column(unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The console user who checked the passport and confirmed the reference.
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("admin_users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
