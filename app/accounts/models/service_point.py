"""Service points (counters that scan identity QR codes) and the record of each check."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.columns import Timestamps, UTCDateTime, utcnow
from app.extensions import Model


class ServicePoint(Timestamps, Model):
    """A counter or partner allowed to verify identity QR codes with its own API key."""

    __tablename__ = "service_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # The key is shown once at creation; only its SHA-256 is kept (keys are 256-bit random,
    # so a fast hash is enough and keeps the per-request check cheap).
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(16))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    checks: Mapped[list[QrCheck]] = relationship(back_populates="service_point", order_by="QrCheck.id")

    @property
    def is_revoked(self) -> bool:
        """True once the key has been revoked."""
        return self.revoked_at is not None


class QrCheck(Model):
    """One identity-QR check by a service point: who was checked, when, and the outcome code."""

    __tablename__ = "qr_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_point_id: Mapped[int] = mapped_column(ForeignKey("service_points.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    result: Mapped[str] = mapped_column(String(32))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    request_id: Mapped[str | None] = mapped_column(String(64))

    service_point: Mapped[ServicePoint] = relationship(back_populates="checks")
