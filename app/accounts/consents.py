"""Consents under China's Personal Information Protection Law: granted per purpose, versioned, withdrawable."""

from __future__ import annotations

from sqlalchemy import delete, select

from app import clock
from app.accounts.models.user import CONSENT_PURPOSES, Consent
from app.audit import log as audit
from app.errors import AppError, NotFound
from app.extensions import db, get_redis
from app.i18n import _l
from app.journeys import screen_cache
from app.journeys.models import FlowState

#: Flows whose saved answers were collected under a purpose, deleted when it is withdrawn.
FLOWS_BY_PURPOSE = {"sensitive_identifiers": ("verify",)}


class UnknownPurpose(AppError):
    """The purpose is not one this service asks consent for."""

    code = "consent.unknown_purpose"
    status = 422
    message = _l("This is not something we ask your consent for.")


def active_consent(user_id: int, purpose: str, *, for_update: bool = False) -> Consent | None:
    """The user's current (not withdrawn) consent for a purpose, if any (locked until commit when asked)."""
    query = (
        select(Consent)
        .where(Consent.user_id == user_id, Consent.purpose == purpose, Consent.withdrawn_at.is_(None))
        .order_by(Consent.id.desc())
        .limit(1)
    )
    return db.session.scalar(query.with_for_update() if for_update else query)


def grant_consent(
    user_id: int, purpose: str, *, text_version: str, locale: str, commit: bool = True
) -> Consent:
    """Record consent to one version of a purpose's text in the locale it was read in (idempotent)."""
    if purpose not in CONSENT_PURPOSES:
        raise UnknownPurpose()
    current = active_consent(user_id, purpose)
    if current is not None and current.text_version == text_version:
        return current
    now = clock.now()
    if current is not None:
        # A newer text replaces the older consent rather than stacking two active ones.
        current.withdrawn_at = now
    consent = Consent(
        user_id=user_id, purpose=purpose, text_version=text_version, locale=locale, granted_at=now
    )
    db.session.add(consent)
    audit.record(
        "consent.granted",
        actor_type="user",
        actor_id=user_id,
        entity="consent",
        details={"purpose": purpose, "text_version": text_version, "locale": locale},
    )
    if commit:
        db.session.commit()
    return consent


def withdraw_consent(user_id: int, purpose: str) -> Consent:
    """Withdraw the user's consent for a purpose and delete in-progress answers collected under it."""
    if purpose not in CONSENT_PURPOSES:
        raise UnknownPurpose()
    current = active_consent(user_id, purpose)
    if current is None:
        raise NotFound(code="consent.not_found")
    current.withdrawn_at = clock.now()
    flows = FLOWS_BY_PURPOSE.get(purpose, ())
    if flows:
        db.session.execute(delete(FlowState).where(FlowState.user_id == user_id, FlowState.flow.in_(flows)))
    audit.record(
        "consent.withdrawn",
        actor_type="user",
        actor_id=user_id,
        entity="consent",
        entity_id=current.id,
        details={"purpose": purpose},
    )
    db.session.commit()
    if flows:  # the kept screens showed those answers; the bumped copy generation already hides them
        screen_cache.forget_user(get_redis(), user_id)
    return current
