"""The in-person route: a one-time reference, hashed at rest, confirmed once by staff before it expires."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.accounts.consents import withdraw_consent
from app.accounts.models.admin import AdminUser
from app.accounts.models.user import UserAccount
from app.audit.models import AuditLog
from app.extensions import db as _db
from app.registry.models import SocialSecurityCard
from app.verify import verification
from app.verify.models import InPersonReference
from tests.factories import make_person, make_user

pytestmark = pytest.mark.calendar  # a reference expires after 7 days


@pytest.fixture
def staff(db):
    """A console user who confirms references."""
    admin = AdminUser(username="counter1", role="editor", password_hash="x")
    db.session.add(admin)
    db.session.commit()
    return admin


def to_reference(journey, person):
    """Walk to the in-person screen; (trip, shown reference)."""
    trip = journey()
    trip.to_check(person)
    trip.answer("check", "confirm")
    screen = trip.answer("second_factor", method="in_person")
    assert screen["step"] == "in_person"
    reference = screen["body"][0].rsplit(" ", 1)[-1]
    return trip, reference


def test_reference_is_shown_hashed_at_rest_and_expiring(journey, person):
    trip, reference = to_reference(journey, person)
    assert len(reference) == 9 and reference[4] == "-"
    row = _db.session.scalar(select(InPersonReference))
    assert reference.replace("-", "") not in row.reference_hash
    assert row.expires_at > clock.now() + timedelta(days=6)
    # The screen shows the same reference on every visit (and on another device).
    assert reference in trip.get().get_json()["body"][0]
    assert reference in journey(trip.user).get().get_json()["body"][0]


def test_staff_confirmation_verifies_the_user_and_leaves_the_card_alone(journey, person, staff):
    trip, reference = to_reference(journey, person)
    # Before confirmation, "check again" says it is not confirmed yet.
    response = trip.post("in_person")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "verification.not_confirmed"

    details = verification.describe_in_person_reference(reference.lower())
    assert details["passport_name"] == person.passport_name
    assert details["passport_number"].endswith(person.documents[0].number[-4:])
    assert details["passport_number"] != person.documents[0].number

    result = verification.confirm_in_person(reference.lower().replace("-", " "), staff.id)
    assert result["user_id"] == trip.user.id and result["person_id"] == person.id
    user = _db.session.get(UserAccount, trip.user.id)
    assert user.person_id == person.id and user.verified_at is not None
    card = _db.session.scalar(
        select(SocialSecurityCard).where(SocialSecurityCard.account_id == person.account.id)
    )
    # Activation happens in the official channels: the registry's status is kept.
    assert card.status == "not_activated"
    row = _db.session.scalar(select(InPersonReference))
    assert row.confirmed_by == staff.id and row.confirmed_at is not None
    audit = _db.session.scalar(select(AuditLog).where(AuditLog.action == "verification.completed"))
    assert (audit.actor_type, audit.actor_id, audit.details["method"]) == (
        "admin",
        str(staff.id),
        "in_person",
    )

    # The user's journey moves on by itself.
    assert trip.get().get_json()["step"] == "result"

    with pytest.raises(verification.ReferenceUsed):
        verification.confirm_in_person(reference, staff.id)


def test_unknown_expired_and_replaced_references(journey, person, staff):
    with pytest.raises(verification.ReferenceNotFound) as error:
        verification.confirm_in_person("ZZZZ-ZZZZ", staff.id)
    assert error.value.status == 404 and error.value.code == "verification.reference_not_found"
    with pytest.raises(verification.ReferenceNotFound):
        verification.confirm_in_person("short", staff.id)

    trip, first = to_reference(journey, person)
    trip.answer("in_person", "back")
    screen = trip.answer("second_factor", method="in_person")
    second = screen["body"][0].rsplit(" ", 1)[-1]
    assert second != first
    with pytest.raises(verification.ReferenceExpired) as error:
        verification.confirm_in_person(first, staff.id)
    assert error.value.status == 409

    row = _db.session.scalar(select(InPersonReference).where(InPersonReference.cancelled_at.is_(None)))
    row.expires_at = clock.now() - timedelta(minutes=1)
    _db.session.commit()
    with pytest.raises(verification.ReferenceExpired):
        verification.confirm_in_person(second, staff.id)
    assert _db.session.get(UserAccount, trip.user.id).person_id is None


def test_a_withdrawn_consent_voids_the_reference(journey, person, staff):
    """After withdrawing consent to identity checks, staff can neither see the person's details nor link them."""
    trip, reference = to_reference(journey, person)
    withdraw_consent(trip.user.id, verification.CONSENT_PURPOSE)
    with pytest.raises(verification.ReferenceWithdrawn) as error:
        verification.describe_in_person_reference(reference)
    assert error.value.status == 409 and error.value.code == "verification.reference_withdrawn"
    with pytest.raises(verification.ReferenceWithdrawn):
        verification.confirm_in_person(reference, staff.id)
    assert _db.session.get(UserAccount, trip.user.id).person_id is None
    assert _db.session.scalar(select(InPersonReference)).confirmed_at is None


def test_a_person_claimed_meanwhile_cannot_be_confirmed_twice(journey, person, staff):
    trip, reference = to_reference(journey, person)
    make_user(person=person, verified=True)
    with pytest.raises(verification.PersonAlreadyLinked) as error:
        verification.confirm_in_person(reference, staff.id)
    assert error.value.status == 409
    assert _db.session.get(UserAccount, trip.user.id).person_id is None
    # The reference stays unused, so staff can retry once the conflict is resolved.
    assert _db.session.scalar(select(InPersonReference)).confirmed_at is None


def test_complete_verification_is_idempotent_and_refuses_a_second_person(db):
    person = make_person()
    user = make_user()
    verification.complete_verification(
        user.id, person.id, method="phone", actor_type="user", actor_id=user.id
    )
    verification.complete_verification(
        user.id, person.id, method="phone", actor_type="user", actor_id=user.id
    )
    assert len(db.session.scalars(select(AuditLog)).all()) == 1
    with pytest.raises(verification.AccountLinkedElsewhere):
        verification.complete_verification(
            user.id, make_person().id, method="phone", actor_type="user", actor_id=user.id
        )


def test_verification_never_changes_the_card_status(db):
    person = make_person(card_status="temp_lost")
    user = make_user()
    verification.complete_verification(
        user.id, person.id, method="phone", actor_type="user", actor_id=user.id
    )
    card = db.session.scalar(
        select(SocialSecurityCard).where(SocialSecurityCard.account_id == person.account.id)
    )
    assert card.status == "temp_lost"
