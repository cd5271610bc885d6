"""Fixtures of the security tests: a user holding some of everything, and admin tokens per role."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app import clock
from app.accounts import admin_auth, consents, service_points
from app.card import qr
from app.extensions import db
from app.journeys.models import FlowState
from app.notices import subscriptions
from app.notices.models.notice import Notice, NoticeDelivery
from app.verify import verification
from app.verify.models import VerificationAttempt
from tests.factories import make_contribution, make_user

ADMIN_PASSWORD = "correct horse battery"
ADMIN_ROLES = ("viewer", "translator", "editor", "publisher", "superadmin")


def make_notice(**overrides) -> Notice:
    """A published notice (no translations needed for an inbox row)."""
    fields = {
        "category": "policy_change",
        "priority": "normal",
        "audience": {"all": True},
        "source_locale": "en",
        "source_title": "Circular 12",
        "source_url": "https://example.org/12",
        "source_date": date(2026, 11, 1),
        "status": "published",
        "published_at": clock.now(),
    }
    fields.update(overrides)
    notice = Notice(**fields)
    db.session.add(notice)
    db.session.commit()
    return notice


def furnish(user, point_name: str = "Counter 1") -> dict:
    """Give a verified user one row of every kind the application keeps about users; what was made."""
    consent = consents.grant_consent(user.id, "sensitive_identifiers", text_version="2026-11", locale="en")
    consents.grant_consent(user.id, "notifications", text_version="2026-11", locale="en")
    db.session.add(
        FlowState(
            user_id=user.id,
            flow="verify",
            step="identifier",
            answers={"passport_name": "MÜLLER, Hans", "identifier_type": "permit_number"},
        )
    )
    db.session.add(
        VerificationAttempt(
            user_id=user.id,
            person_id=user.person_id,
            identifier_type="permit_number",
            identifier_hash="a" * 64,
            step="identifier_match",
            result="pass",
        )
    )
    db.session.commit()
    verification.create_in_person_reference(user.id, user.person_id)
    subscriptions.record_client_report(user.id, {"tmpl_notice_update": "accept"}, "report-1")
    subscriptions.record_event(
        user.id,
        user.openid,
        "subscribe_msg_sent_event",
        1795848008,
        [{"TemplateId": "tmpl_notice_update", "MsgID": "3000000000000000002", "ErrorCode": "0"}],
    )
    notice = make_notice()
    db.session.add(NoticeDelivery(notice_id=notice.id, user_id=user.id, channel="in_app", state="delivered"))
    db.session.commit()
    point, _key = service_points.create_service_point(point_name)
    qr.record_check(point, user.id, "valid", None)
    make_contribution(user.person, period="2026-01")
    return {"consent": consent, "notice": notice, "point": point}


@pytest.fixture
def rich_user(app):
    """A verified user with consents, flow answers, attempts, a reference, quota, an inbox row and a QR check."""
    user = make_user(verified=True, locale="en")
    furnish(user)
    return user


@pytest.fixture
def admin_token(client):
    """`admin_token("editor")` → Authorization headers of a fresh admin API token of that role."""
    counter = iter(range(1, 10_000))

    def _token(role: str) -> dict:
        admin = admin_auth.create_admin(f"{role}-{next(counter)}", ADMIN_PASSWORD, role)
        response = client.post(
            "/api/v1/admin/auth", json={"username": admin.username, "password": ADMIN_PASSWORD}
        )
        assert response.status_code == 200, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    return _token


def old(days: int):
    """A moment `days` ago."""
    return clock.now() - timedelta(days=days)
