"""Column types shared by the models: aware UTC timestamps, encrypted identifiers, money."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import DateTime, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from app import clock, pii
from app.logs import note_identifier


def utcnow() -> datetime:
    """The column default of every timestamp: the app's clock (`app.clock.now`), aware UTC."""
    return clock.now()


class UTCDateTime(TypeDecorator):
    """Stores naive UTC; always returns timezone-aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=UTC) if value is not None else None


class EncryptedString(TypeDecorator):
    """An identifier encrypted at rest with the PII key (AES-GCM); plaintext in Python, never logged."""

    impl = String(255)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return pii.codec().encrypt(value) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        plain = pii.codec().decrypt(value)
        note_identifier(plain)  # an identifier read in this request or job is masked in its logs
        return plain


#: Money in CNY: exact decimals with two places, never floats.
Money = Numeric(12, 2, asdecimal=True)
ZERO = Decimal("0.00")


class Timestamps:
    """created_at and updated_at, aware UTC."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)


def hash_column(unique: bool = False, nullable: bool = False):
    """A 64-character keyed-hash column for finding an encrypted identifier."""
    return mapped_column(String(64), unique=unique, index=not unique, nullable=nullable)
