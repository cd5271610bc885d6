"""The record of PII key rotations: which key replaced which, how far the re-encryption is, when the old one retired."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.columns import UTCDateTime, utcnow
from app.extensions import Model


class PiiKeyRotation(Model):
    """One rotation from the key `from_key_id` to `to_key_id` (key ids as ciphertexts carry them)."""

    __tablename__ = "pii_key_rotations"
    __table_args__ = (UniqueConstraint("from_key_id", "to_key_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    from_key_id: Mapped[str] = mapped_column(String(16))
    to_key_id: Mapped[str] = mapped_column(String(16))
    #: The first run of `pii rotate-key`: every process had the new key by then (docs/deploy.md, §4).
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Values re-encrypted so far, counted in the transaction of each batch (so exact across kills).
    values_reencrypted: Mapped[int] = mapped_column(default=0)
    #: When a run last found no value left under another key.
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
