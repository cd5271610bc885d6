"""Notices admins publish: the notice, its translations, its versions and its deliveries."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.columns import Timestamps, UTCDateTime, utcnow
from app.extensions import Model

NOTICE_CATEGORIES = ("policy_change", "deadline", "outage", "how_to", "reminder")
NOTICE_PRIORITIES = ("normal", "important", "urgent")
NOTICE_STATUSES = ("draft", "scheduled", "published", "withdrawn")
CHANNELS = ("in_app", "wechat")
#: in_app rows are `delivered` at once; wechat rows move queued → sending → sent | failed | no_quota,
#: or `cancelled` when the notice is withdrawn before they were sent.
DELIVERY_STATES = ("delivered", "queued", "sending", "sent", "failed", "no_quota", "cancelled")
#: A version is `published` when it was (or is) what readers get; an edit of a published notice is a
#: `draft` until a publisher publishes it, `superseded` by a later edit, or `discarded`.
VERSION_STATES = ("draft", "published", "superseded", "discarded")

# SQLite only auto-increments an INTEGER primary key; MySQL gets a BIGINT for large fan-outs.
BigId = BigInteger().with_variant(Integer, "sqlite")


class Notice(Timestamps, Model):
    """A notice for users: category, priority, audience, source reference and publication state."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str] = mapped_column(String(12), default="normal")
    audience: Mapped[dict] = mapped_column(JSON, default=dict)
    source_locale: Mapped[str] = mapped_column(String(16))
    source_title: Mapped[str] = mapped_column(String(300))
    source_url: Mapped[str] = mapped_column(String(500))
    source_date: Mapped[date] = mapped_column(Date)
    template_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)
    created_by_admin_id: Mapped[int | None] = mapped_column(ForeignKey("admin_users.id"))

    translations: Mapped[list[NoticeTranslation]] = relationship(
        back_populates="notice", order_by="NoticeTranslation.locale", cascade="all, delete-orphan"
    )
    versions: Mapped[list[NoticeVersion]] = relationship(
        back_populates="notice", order_by="NoticeVersion.version", cascade="all, delete-orphan"
    )

    def translation(self, locale: str) -> NoticeTranslation | None:
        """The translation in exactly this locale, if any."""
        return next((t for t in self.translations if t.locale == locale), None)


class NoticeTranslation(Timestamps, Model):
    """A notice's title and Markdown body in one locale, with the sanitised HTML kept beside it."""

    __tablename__ = "notice_translations"
    __table_args__ = (UniqueConstraint("notice_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"))
    locale: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    body_markdown: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    machine_translated: Mapped[bool] = mapped_column(default=False)
    reviewed_by_admin_id: Mapped[int | None] = mapped_column(ForeignKey("admin_users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    notice: Mapped[Notice] = relationship(back_populates="translations")


class NoticeVersion(Model):
    """A frozen copy of a notice (fields and translations): one that went out, or a draft edit of it."""

    __tablename__ = "notice_versions"
    __table_args__ = (UniqueConstraint("notice_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"))
    version: Mapped[int] = mapped_column()
    snapshot: Mapped[dict] = mapped_column(JSON)
    created_by_admin_id: Mapped[int | None] = mapped_column(ForeignKey("admin_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[str] = mapped_column(String(12), default="published")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_admin_id: Mapped[int | None] = mapped_column(ForeignKey("admin_users.id"))

    notice: Mapped[Notice] = relationship(back_populates="versions")


class NoticeDelivery(Model):
    """One notice to one user on one channel; the unique key makes every fan-out idempotent."""

    __tablename__ = "notice_deliveries"
    __table_args__ = (
        UniqueConstraint("notice_id", "user_id", "channel"),
        Index("ix_notice_deliveries_progress", "notice_id", "channel", "state"),
        Index("ix_notice_deliveries_inbox", "user_id", "channel", "notice_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    channel: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(10))
    locale: Mapped[str | None] = mapped_column(String(16))
    errcode: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(default=0)
    claim: Mapped[str | None] = mapped_column(String(32), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    msgid: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
