"""End to end: verifying links the account but never changes the card; an unverified user sees none."""

from __future__ import annotations

from tests.factories import make_person
from tests.verify.conftest import fresh_request_globals


def card(trip):
    """GET /api/v1/card as this user."""
    fresh_request_globals()
    return trip.client.get("/api/v1/card", headers=trip.headers)


def test_verification_links_the_account_and_leaves_the_card_status_to_the_registry(journey, wechat_emulator):
    person = make_person(passport_name="KIM, Min-jun", nationality="KOR")
    verified = journey(locale="ko")
    unverified = journey(locale="ko")

    # Before: nobody sees a card.
    for trip in (verified, unverified):
        response = card(trip)
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "card.not_verified"

    verified.to_check(person, name="Kim Minjun")
    verified.answer("check", "confirm")
    verified.answer("second_factor", method="phone")
    verified.answer("phone", phone_code=wechat_emulator.mint_phone_code(verified.openid, person.phone))

    response = card(verified)
    assert response.status_code == 200
    # The service does not activate cards: a card the registry has as not activated stays so.
    status = response.get_json()["card"]["status"]
    assert status["code"] == "not_activated" and status["usable"] is False

    # The other user, who stopped before the second factor, still has no card.
    unverified.to_check(person, name="Kim Minjun")
    assert unverified.post("check", "confirm").get_json()["error"]["code"] == "verification.already_linked"
    assert card(unverified).status_code == 403
