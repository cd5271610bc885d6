"""Column types shared by the models: aware UTC timestamps, encrypted identifiers, hashes, money."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import BINARY, DateTime, LargeBinary, Numeric, String
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

    def process_bind_values(self, values: list, dialect) -> list:
        """process_bind_param of a whole column of values at once (bulk writes)."""
        return pii.codec().encrypt_many(values)

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


class HashBytes(TypeDecorator):
    """A keyed SHA-256 look-up hash: hex text in Python, its 32 raw bytes in the database.

    Half the size of the hex and compared byte by byte (no collation), so the unique indexes
    that find people by hash stay small and fast to insert into.
    """

    impl = LargeBinary(32)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        # BINARY(32) on MariaDB; a BLOB on SQLite (where BINARY would read back as NUMERIC).
        return dialect.type_descriptor(BINARY(32) if dialect.name == "mysql" else LargeBinary(32))

    def process_bind_param(self, value, dialect):
        if value is None or isinstance(value, bytes):
            return value
        return bytes.fromhex(value)

    def process_bind_values(self, values: list, dialect) -> list:
        """process_bind_param of a whole column of values at once (bulk writes)."""
        fromhex = bytes.fromhex
        return [value if value is None or isinstance(value, bytes) else fromhex(value) for value in values]

    def process_result_value(self, value, dialect):
        return bytes(value).hex() if value is not None else None


def binary_hash_column(unique: bool = False, nullable: bool = False):
    """A keyed-hash column stored as 32 bytes (HashBytes), indexed or unique."""
    return mapped_column(HashBytes, unique=unique, index=not unique, nullable=nullable)
