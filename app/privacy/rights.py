"""A user's privacy rights: export everything held about them, delete the account, and retention.

Decisions (docs/security.md, "Privacy rights"):
- Deleting an account deletes the application's data about the user: the user row, consents,
  flow state (answers), in-person references, the subscription ledger, notice deliveries (the
  inbox), and in Redis the sessions, cached card screens, the kept WeChat session_key and the
  client language.
- Verification attempts are a security record and stay for their retention period: they lose the
  account link and keep the keyed hash of the WeChat identity (verification.wechat_subject), like
  the Redis attempt counter keyed by that hash. Deleting the account therefore gives no fresh
  attempts, and the privacy notice (the consent screen) says so.
- Consents are deleted, not kept anonymised: a consent row without its user proves nothing, and
  the audit log already holds when each consent was granted and withdrawn.
- The registry mirror stays: the person, their permit, account, card and contributions are the
  registry's records, not ours. Only the link (users.person_id) goes with the user row, so the
  card returns to "not linked" and a future account must verify again.
- Service points' QR checks stay as their record of a check, but lose the user id.
- The audit keeps a masked record: earlier entries by or about the user keep their action and
  time, with the user id replaced by an opaque pseudonym, and one `account.deleted` entry says
  when an account was deleted and how many rows of each kind went, with no identifier.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, or_, select, update

from app import clock, pii, view_cache
from app.accounts.auth import client_locale_key, session_key_key
from app.accounts.models.service_point import QrCheck, ServicePoint
from app.accounts.models.user import Consent, UserAccount
from app.accounts.sessions import SessionStore
from app.audit import log as audit
from app.audit.models import AuditLog
from app.card import card, contributions
from app.errors import AppError, NotFound
from app.extensions import db, rows_changed
from app.i18n import _l, lazy_pgettext, to_text
from app.journeys import screen_cache
from app.journeys.models import FlowState
from app.notices import inbox
from app.notices.models.notice import Notice, NoticeDelivery
from app.notices.models.subscription import SubscriptionGrant, SubscriptionQuota, SubscriptionReceipt
from app.request_schemas import AccountDeletionIn, parse
from app.verify.models import InPersonReference, VerificationAttempt
from app.verify.verification import shown_outcome, wechat_subject, wechat_subjects

#: Bumped when the export's shape changes, so a reader knows which fields to expect.
EXPORT_FORMAT = 1


class AccountNotFound(NotFound):
    """The signed-in account no longer exists (deleted in the meantime)."""

    code = "account.not_found"
    message = _l("We could not find your account. Please sign in again.")


class DeletionNotConfirmed(AppError):
    """DELETE /me needs an explicit confirmation in its body."""

    code = "account.delete_not_confirmed"
    status = 422
    message = _l("Please confirm that you want to delete your account.")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _user(user_id: int) -> UserAccount:
    user = db.session.get(UserAccount, user_id)
    if user is None:
        raise AccountNotFound()
    return user


def pseudonym(user_id: int) -> str:
    """An opaque stand-in for a deleted user's id in the audit log (keyed hash, not reversible)."""
    return "deleted:" + pii.codec().lookup_hash(str(int(user_id)), "deleted-user")[:16]


# ---- export -------------------------------------------------------------------------------------


def _registry_views(user_id: int, today) -> dict:
    """The linked person's data exactly as the card screens show it; a screen that does not apply is None."""
    views: dict[str, Any] = {}
    for name, build in (
        ("card", lambda: card.card_view(user_id)),
        ("permit", lambda: card.permit_view(user_id, today)),
        ("insurances", lambda: card.insurances_view(user_id, today)),
        ("contributions_csv", lambda: contributions.export_csv(user_id, None)[1]),
    ):
        try:
            views[name] = build()
        except AppError as error:  # not verified, no permit on record…: say why instead of failing
            views[name] = None
            views.setdefault("unavailable", {})[name] = error.code
    return views


def export_user(user_id: int, *, locale: str, today) -> dict:
    """Everything held about the user, as JSON-ready data (flow answers decrypted for them alone)."""
    user = _user(user_id)
    consents = db.session.scalars(select(Consent).where(Consent.user_id == user_id).order_by(Consent.id))
    # With the records kept from an earlier, deleted account of the same WeChat user.
    attempt_rows = db.session.scalars(
        select(VerificationAttempt)
        .where(
            or_(
                VerificationAttempt.user_id == user_id,
                VerificationAttempt.wechat_subject.in_(wechat_subjects(user.openid)),
            )
        )
        .order_by(VerificationAttempt.id)
    )
    references = db.session.scalars(
        select(InPersonReference).where(InPersonReference.user_id == user_id).order_by(InPersonReference.id)
    )
    flows = db.session.scalars(select(FlowState).where(FlowState.user_id == user_id).order_by(FlowState.id))
    quotas = db.session.scalars(
        select(SubscriptionQuota).where(SubscriptionQuota.user_id == user_id).order_by(SubscriptionQuota.id)
    )
    grants = db.session.scalars(
        select(SubscriptionGrant).where(SubscriptionGrant.user_id == user_id).order_by(SubscriptionGrant.id)
    )
    receipts = db.session.scalars(
        select(SubscriptionReceipt)
        .where(SubscriptionReceipt.user_id == user_id)
        .order_by(SubscriptionReceipt.id)
    )
    deliveries = db.session.execute(
        select(NoticeDelivery, Notice)
        .join(Notice, Notice.id == NoticeDelivery.notice_id)
        .where(NoticeDelivery.user_id == user_id)
        .order_by(NoticeDelivery.id)
    ).all()
    checks = db.session.execute(
        select(QrCheck, ServicePoint.name)
        .join(ServicePoint, ServicePoint.id == QrCheck.service_point_id)
        .where(QrCheck.user_id == user_id)
        .order_by(QrCheck.id)
    ).all()
    document = {
        "format": EXPORT_FORMAT,
        "exported_at": clock.now().isoformat(),
        "account": {
            "id": user.id,
            "openid": user.openid,
            "unionid": user.unionid,
            "locale": user.locale,
            "status": user.status,
            "linked_person": user.person_id is not None,
            "verified_at": _iso(user.verified_at),
            "last_login_at": _iso(user.last_login_at),
            "created_at": _iso(user.created_at),
        },
        "consents": [
            {
                "purpose": c.purpose,
                "label": _purpose_label(c.purpose),
                "withdraw_label": to_text(_WITHDRAW_LABEL),
                "text_version": c.text_version,
                "locale": c.locale,
                "granted_at": _iso(c.granted_at),
                "withdrawn_at": _iso(c.withdrawn_at),
            }
            for c in consents
        ],
        # The identifier itself is not stored with an attempt, only a keyed hash that means nothing outside.
        # The outcome is the one the user was told: which detail failed stays with staff.
        "verification_attempts": [
            {
                "step": a.step,
                "result": a.result,
                "failure_code": shown_outcome(a.failure_code),
                "identifier_type": a.identifier_type,
                "at": _iso(a.created_at),
            }
            for a in attempt_rows
        ],
        "in_person_references": [
            {
                "created_at": _iso(r.created_at),
                "expires_at": _iso(r.expires_at),
                "confirmed_at": _iso(r.confirmed_at),
                "cancelled_at": _iso(r.cancelled_at),
            }
            for r in references
        ],
        "flows": [
            {
                "flow": f.flow,
                "step": f.step,
                "answers": dict(f.answers or {}),
                "history": list(f.history or []),
                "updated_at": _iso(f.updated_at),
            }
            for f in flows
        ],
        "subscriptions": {
            "ledger": [
                {
                    "template_id": q.template_id,
                    "status": q.status,
                    "available": q.available,
                    "accepted_total": q.accepted_total,
                    "sent_total": q.sent_total,
                    "delivered_total": q.delivered_total,
                    "failed_total": q.failed_total,
                }
                for q in quotas
            ],
            "grants": [{"template_id": g.template_id, "accepted_at": _iso(g.accepted_at)} for g in grants],
            "delivery_reports": [
                {"template_id": r.template_id, "error_code": r.error_code, "received_at": _iso(r.received_at)}
                for r in receipts
            ],
        },
        "notices": [
            {
                **inbox.notice_item(notice, locale, delivery.read_at),
                "channel": delivery.channel,
                "state": delivery.state,
                "sent_at": _iso(delivery.sent_at),
                "created_at": _iso(delivery.created_at),
            }
            for delivery, notice in deliveries
        ],
        "qr_checks": [
            {"service_point": name, "result": check.result, "checked_at": _iso(check.checked_at)}
            for check, name in checks
        ],
        "registry": _registry_views(user_id, today) if user.person_id is not None else None,
    }
    audit.record("privacy.exported", actor_type="user", actor_id=user_id, entity="user", entity_id=user_id)
    db.session.commit()
    return document


# ---- deletion -----------------------------------------------------------------------------------


def _delete_rows(model, user_id: int) -> int:
    return rows_changed(delete(model).where(model.user_id == user_id))


def delete_account(
    user_id: int, *, redis_client, sessions: SessionStore, request_id: str | None = None
) -> dict:
    """Delete the user's application data (see the module docstring); the counts of what went."""
    user = _user(user_id)
    alias = pseudonym(user_id)
    counts = {
        "flows": _delete_rows(FlowState, user_id),
        "consents": _delete_rows(Consent, user_id),
        "in_person_references": _delete_rows(InPersonReference, user_id),
        "subscription_quotas": _delete_rows(SubscriptionQuota, user_id),
        "subscription_grants": _delete_rows(SubscriptionGrant, user_id),
        "subscription_receipts": _delete_rows(SubscriptionReceipt, user_id),
        "notice_deliveries": _delete_rows(NoticeDelivery, user_id),
    }
    # Attempts stay, as the security record of this WeChat identity, until their retention ends.
    counts["verification_attempts_kept"] = rows_changed(
        update(VerificationAttempt)
        .where(VerificationAttempt.user_id == user_id)
        .values(user_id=None, wechat_subject=wechat_subject(user.openid))
    )
    counts["qr_checks_unlinked"] = rows_changed(
        update(QrCheck).where(QrCheck.user_id == user_id).values(user_id=None)
    )
    # Earlier audit entries keep what happened and when, no longer to whom.
    db.session.execute(
        update(AuditLog)
        .where(AuditLog.actor_type == "user", AuditLog.actor_id == str(user_id))
        .values(actor_id=alias)
    )
    db.session.execute(
        update(AuditLog)
        .where(AuditLog.entity == "user", AuditLog.entity_id == str(user_id))
        .values(entity_id=alias)
    )
    db.session.delete(user)
    audit.record(
        "account.deleted",
        actor_type="user",
        actor_id=None,
        entity="user",
        entity_id=None,
        details={"rows": counts},
        request_id=request_id,
    )
    db.session.commit()
    # Redis last: if the database refused, the user can still sign in and try again.
    counts["sessions"] = sessions.revoke_all(user_id)
    view_cache.forget_user(redis_client, user_id)
    screen_cache.forget_user(redis_client, user_id)
    # The attempt counter is keyed by the WeChat identity, not the account: it stays until it expires.
    redis_client.delete(session_key_key(user_id), client_locale_key(user_id))
    return counts


def require_confirmation(body) -> None:
    """DELETE /me must say {"confirm": true}: an accidental request must never delete an account."""
    parse(AccountDeletionIn, body, error=DeletionNotConfirmed)


# ---- retention ----------------------------------------------------------------------------------


def purge_expired(*, retention_days: int, now: datetime | None = None) -> dict:
    """Delete what is kept only for the retention period: attempts, used references, the ledger's keys."""
    now = now or clock.now()
    cutoff = now - timedelta(days=retention_days)
    removed_attempts = rows_changed(
        delete(VerificationAttempt).where(VerificationAttempt.created_at < cutoff)
    )
    # Grants and receipts only keep a repeated report (WeChat repeats a push within seconds, a
    # client retries within minutes) from counting twice; their counts stay in the ledger row.
    removed_grants = rows_changed(delete(SubscriptionGrant).where(SubscriptionGrant.accepted_at < cutoff))
    removed_receipts = rows_changed(
        delete(SubscriptionReceipt).where(SubscriptionReceipt.received_at < cutoff)
    )
    # Unconfirmed references are useless once expired; confirmed or cancelled ones are kept for the
    # retention period as the record of the in-person check, like the attempts.
    removed_references = rows_changed(
        delete(InPersonReference).where(
            or_(
                and_(InPersonReference.confirmed_at.is_(None), InPersonReference.expires_at < now),
                InPersonReference.expires_at < cutoff,
            )
        )
    )
    removed = {
        "verification_attempts": removed_attempts,
        "in_person_references": removed_references,
        "subscription_grants": removed_grants,
        "subscription_receipts": removed_receipts,
    }
    if any(removed.values()):
        audit.record(
            "privacy.purged", actor_type="system", details={**removed, "retention_days": retention_days}
        )
    db.session.commit()
    return removed


_PURPOSE_LABELS = {
    "sensitive_identifiers": lazy_pgettext(
        "consent purpose", "Using the name in my passport and my identity numbers to verify who I am"
    ),
    "notifications": lazy_pgettext("consent purpose", "Notices and reminders from this service"),
}
_WITHDRAW_LABEL = lazy_pgettext("button", "Withdraw consent")


def _purpose_label(purpose: str) -> str:
    """What a consent was given for, in the user's language (the code itself if unknown)."""
    label = _PURPOSE_LABELS.get(purpose)
    return to_text(label) if label is not None else purpose
