"""Application users (one per WeChat openid) and their consents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.columns import Timestamps, UTCDateTime
from app.extensions import Model
from app.registry.models import Person

CONSENT_PURPOSES = ("sensitive_identifiers", "notifications")


class UserAccount(Timestamps, Model):
    """A mini-program user: their WeChat identity, saved language and linked registry person."""

    __tablename__ = "users"
    # Ids are never handed out twice: SQLite otherwise reuses the highest id after a deletion, and
    # a token that outlived a deleted account would name the next one (MariaDB never reuses them).
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), unique=True)
    unionid: Mapped[str | None] = mapped_column(String(64), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), unique=True)
    locale: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(12), default="active")
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person | None] = relationship()
    consents: Mapped[list[Consent]] = relationship(back_populates="user", order_by="Consent.id")


class Consent(Timestamps, Model):
    """A consent given (and perhaps withdrawn) for one purpose, to one text version, in one locale."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    text_version: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(16))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[UserAccount] = relationship(back_populates="consents")
