"""Consent for sensitive personal information: recorded per text version and locale, withdrawable."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts.consents import UnknownPurpose, active_consent, grant_consent, withdraw_consent
from app.accounts.models.user import Consent
from app.audit.models import AuditLog
from app.errors import NotFound
from app.extensions import db as _db
from app.journeys.models import FlowState
from app.verify.journey import CONSENT_TEXT_VERSION
from tests.factories import make_user


def test_consent_screen_records_version_and_locale(journey):
    trip = journey(locale="ja")
    trip.get()
    trip.answer("start")
    screen = trip.get().get_json()
    assert screen["fields"][0]["name"] == "consent_sensitive"
    assert screen["fields"][0]["type"] == "checkbox" and screen["fields"][0]["value"] is False
    assert any(CONSENT_TEXT_VERSION in line for line in screen["body"])
    trip.answer("consent", consent_sensitive="true")
    [consent] = _db.session.scalars(select(Consent)).all()
    assert (consent.purpose, consent.text_version, consent.locale) == (
        "sensitive_identifiers",
        CONSENT_TEXT_VERSION,
        "ja",
    )
    assert consent.granted_at is not None and consent.withdrawn_at is None
    # Going back and agreeing again does not stack a second consent.
    trip.answer("name", "back")
    trip.answer("consent", consent_sensitive=True)
    assert len(_db.session.scalars(select(Consent)).all()) == 1


def test_withdrawing_deletes_unfinished_answers(journey, person):
    trip = journey()
    trip.to_check(person)
    withdrawn = withdraw_consent(trip.user.id, "sensitive_identifiers")
    assert withdrawn.withdrawn_at is not None
    assert active_consent(trip.user.id, "sensitive_identifiers") is None
    assert _db.session.scalar(select(FlowState)) is None
    assert _db.session.scalar(select(AuditLog).where(AuditLog.action == "consent.withdrawn")) is not None
    # The journey starts again and asks for consent again.
    assert trip.get().get_json()["step"] == "start"


def test_a_new_text_version_replaces_the_old_consent(db):
    user = make_user()
    first = grant_consent(user.id, "sensitive_identifiers", text_version="2020-01", locale="en")
    second = grant_consent(user.id, "sensitive_identifiers", text_version="2026-11", locale="ko")
    assert first.withdrawn_at is not None and active_consent(user.id, "sensitive_identifiers") == second


def test_withdraw_errors(db):
    user = make_user()
    with pytest.raises(NotFound):
        withdraw_consent(user.id, "sensitive_identifiers")
    with pytest.raises(UnknownPurpose):
        withdraw_consent(user.id, "marketing")
    with pytest.raises(UnknownPurpose):
        grant_consent(user.id, "marketing", text_version="1", locale="en")


def test_the_consent_names_the_security_record_kept_after_deletion(journey, app):
    trip = journey(locale="en")
    trip.get()
    trip.answer("start")
    body = trip.get().get_json()["body"]
    days = app.config["VERIFICATION_ATTEMPT_RETENTION_DAYS"]
    assert any(
        "we log every identity check" in line and f"{days} days" in line and "delete your account" in line
        for line in body
    ), body
