"""Subscribe-message quota: what each user accepted per template, and each accept once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.columns import Timestamps, UTCDateTime
from app.extensions import Model

#: What wx.requestSubscribeMessage (or the popup/change events) can say about a template.
SUBSCRIPTION_STATUSES = ("accept", "acceptWithAudio", "reject", "ban", "filter")


class SubscriptionQuota(Timestamps, Model):
    """One user's sends left for one template (one-time subscriptions: one accept, one send)."""

    __tablename__ = "subscription_quotas"
    __table_args__ = (UniqueConstraint("user_id", "template_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    template_id: Mapped[str] = mapped_column(String(128))
    status: Mapped[str | None] = mapped_column(String(16))
    available: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    accepted_total: Mapped[int] = mapped_column(Integer, default=0)
    sent_total: Mapped[int] = mapped_column(Integer, default=0)
    delivered_total: Mapped[int] = mapped_column(Integer, default=0)
    failed_total: Mapped[int] = mapped_column(Integer, default=0)
    last_errcode: Mapped[str | None] = mapped_column(String(16))


class SubscriptionGrant(Model):
    """One accept, seen by the client report, the popup event, or both (then counted once).

    client_key: the client's report id for this template (a retried report is not counted twice);
    event_key: openid + CreateTime + template of the popup event (a re-sent event is not either).
    """

    __tablename__ = "subscription_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    template_id: Mapped[str] = mapped_column(String(128))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # the retention purge
    client_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    event_key: Mapped[str | None] = mapped_column(String(64), unique=True)


class SubscriptionReceipt(Model):
    """One subscribe message's delivery report (a subscribe_msg_sent_event item), counted once.

    receipt_key: a hash of WeChat's MsgID for that message (unique), so a report WeChat sends again
    never counts a delivery twice in the ledger (kept for the retention period: `privacy purge`).
    """

    __tablename__ = "subscription_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    template_id: Mapped[str] = mapped_column(String(128))
    receipt_key: Mapped[str] = mapped_column(String(64), unique=True)
    error_code: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # the retention purge
