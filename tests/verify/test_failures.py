"""Every way verification can fail: distinct outcomes with next steps, attempt limits and the lockout."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app import clock
from app.accounts.models.user import UserAccount
from app.extensions import db as _db
from app.i18n.formatting import format_date, format_time
from app.journeys.models import FlowState
from app.registry.models import SocialSecurityCard
from app.verify.attempts import identifier_key, subject_key
from app.verify.models import VerificationAttempt
from app.verify.verification import wechat_subject
from tests.factories import make_person, make_pr_id, make_user


def attempts():
    """Every recorded attempt, oldest first."""
    return _db.session.scalars(select(VerificationAttempt).order_by(VerificationAttempt.id)).all()


def confirm(trip):
    """Press Confirm on check-your-answers."""
    return trip.post("check", "confirm")


#: The fields a user is asked to check when the details do not match a record.
FIELDS_TO_CHECK = ["passport_name", "identifier", "date_of_birth"]


@pytest.mark.parametrize(
    ("overrides", "recorded"),
    [
        ({"identifier": "156999999999999999"}, "not_found"),
        ({"name": "SMITH JOHN"}, "name_mismatch"),
        ({"date_of_birth": "1988-04-13"}, "dob_mismatch"),
        ({"name": "SMITH JOHN", "date_of_birth": "1988-04-13"}, "name_mismatch"),
        # A near name with a wrong birth date is no sign of the holder: no hint.
        ({"name": "Hans Mueller-Luedenscheidt", "date_of_birth": "1988-04-13"}, "dob_mismatch"),
        ({"name": "Hans Mueller-Luedenscheidt", "identifier": "156999999999999999"}, "not_found"),
    ],
)
def test_details_that_do_not_match_get_one_answer_listing_what_to_check(journey, person, overrides, recorded):
    trip = journey()
    trip.to_check(person, **overrides)
    response = confirm(trip)
    assert response.status_code == 422
    body = response.get_json()
    assert body["step"] == "check"
    assert body["error"]["code"] == "verification.no_match"
    assert body["errors"][0] == {"field": None, "message": body["error"]["message"]}
    assert [e["field"] for e in body["errors"][1:4]] == FIELDS_TO_CHECK
    assert "You have 4 more tries." in body["errors"][4]["message"]
    # The record keeps the detail for staff; it counts as a failure all the same.
    [attempt] = attempts()
    assert (attempt.result, attempt.failure_code, attempt.step) == ("fail", recorded, "identifier_match")
    assert attempt.identifier_hash and person.permits[0].permit_number not in attempt.identifier_hash
    assert _db.session.get(UserAccount, trip.user.id).person_id is None


def _answer_to(journey, person, **overrides) -> tuple[int, dict]:
    """A fresh user's answer to one wrong submission: the status and the screen without its summary."""
    trip = journey()
    trip.to_check(person, **overrides)
    response = confirm(trip)
    body = response.get_json()
    body.pop("summary")  # the user's own answers, read back to them
    return response.status_code, body


@pytest.mark.parametrize(
    "wrong",
    [
        {"name": "SMITH JOHN"},
        {"date_of_birth": "1988-04-13"},
        {"name": "SMITH JOHN", "date_of_birth": "1988-04-13"},
    ],
)
def test_an_unknown_number_and_wrong_details_for_a_known_one_get_the_same_answer(journey, person, wrong):
    unknown = _answer_to(journey, person, identifier="156999999999999999", **wrong)
    known = _answer_to(journey, person, **wrong)
    assert json.dumps(unknown, sort_keys=True).encode() == json.dumps(known, sort_keys=True).encode()
    status, body = known
    assert status == 422 and body["error"]["code"] == "verification.no_match"


def test_the_near_name_hint_only_for_the_surely_holder(journey, person):
    trip = journey()
    trip.to_check(person, name="Hans Mueller-Luedenscheidt")
    body = confirm(trip).get_json()
    assert body["error"]["code"] == "verification.name_near"
    assert body["errors"][0] == {"field": "passport_name", "message": body["error"]["message"]}
    assert "missing or extra" in body["error"]["message"]
    assert attempts()[-1].failure_code == "name_near"


def test_the_export_tells_the_user_only_what_they_were_told(journey, person, client, login):
    for overrides in ({"identifier": "156999999999999999"}, {"name": "SMITH JOHN"}):
        trip = journey()
        trip.to_check(person, **overrides)
        confirm(trip)
        export = client.get("/api/v1/me/export", headers=login(trip.user)).get_json()
        assert [a["failure_code"] for a in export["verification_attempts"]] == ["no_match"]


@pytest.mark.calendar
@pytest.mark.parametrize("status", ["expired", "cancelled"])
def test_expired_or_cancelled_permit(journey, status):
    person = make_person(permit_status=status)
    trip = journey()
    trip.to_check(person)
    body = confirm(trip).get_json()
    assert body["error"]["code"] == "verification.permit_inactive"
    assert body["errors"][0]["field"] is None
    assert "employer" in body["errors"][0]["message"]


@pytest.mark.calendar
def test_permit_past_its_end_date_counts_as_expired(journey):
    person = make_person(permit_valid_from=date(2020, 1, 1), permit_valid_to=date(2022, 1, 1))
    trip = journey()
    trip.to_check(person)
    assert confirm(trip).get_json()["error"]["code"] == "verification.permit_inactive"


@pytest.mark.calendar
def test_a_permit_that_ended_yesterday_in_shanghai_is_expired_though_utc_is_still_on_that_day(
    users_day_ahead, journey
):
    person = make_person(permit_valid_from=date(2024, 1, 1), permit_valid_to=date(2026, 12, 31))
    trip = journey()
    trip.to_check(person)
    assert confirm(trip).get_json()["error"]["code"] == "verification.permit_inactive"


@pytest.mark.parametrize(
    "typed",
    [
        "MUELLER LUEDENSCHEIDT HANS PETER",
        "MULLER LUDENSCHEIDT HANS PETER",
        "Hans Peter Müller-Lüdenscheidt",
        "hans peter mueller luedenscheidt",
        "MUELLER-LUEDENSCHEIDT<<HANS<PETER",
        "Müller-Lüdenscheidt, Hans Peter",
    ],
)
def test_tolerant_names_pass(journey, person, typed):
    trip = journey()
    trip.to_check(person, name=typed)
    response = confirm(trip)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["step"] == "second_factor"


def test_ssn_and_pr_id_routes(journey):
    ssn_person = make_person(passport_name="O'BRIEN, Siobhán")
    trip = journey()
    trip.to_check(ssn_person, name="OBRIEN SIOBHAN", identifier_type="ssn")
    assert confirm(trip).get_json()["step"] == "second_factor"

    pr_person = make_person(
        passport_name="KIM, Min-jun", nationality="KOR", pr_id=make_pr_id(nationality="KOR")
    )
    trip = journey()
    trip.to_check(pr_person, name="Kim Min Jun", identifier_type="pr_id")
    assert confirm(trip).get_json()["step"] == "second_factor"


def test_a_person_cannot_be_claimed_twice(journey, person):
    make_user(person=person, verified=True)
    trip = journey()
    trip.to_check(person)
    body = confirm(trip).get_json()
    assert body["error"]["code"] == "verification.already_linked"
    assert "Another WeChat account already uses these details" in body["errors"][0]["message"]
    # Not a guess: it does not use up an attempt.
    assert attempts()[-1].failure_code == "already_linked"


def test_wrong_phone_counts_and_offers_the_service_point(journey, person, wechat_emulator, redis_client):
    trip = journey()
    trip.to_check(person)
    confirm(trip)
    trip.answer("second_factor", method="phone")
    response = trip.post("phone", phone_code=wechat_emulator.mint_phone_code(trip.openid, "+8613700000000"))
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"]["code"] == "verification.phone_mismatch"
    assert body["errors"][0]["field"] == "phone_code"
    assert body["fields"][0]["value"] == ""  # a code is never echoed
    assert int(redis_client.get(person_key(trip.user))) == 1
    assert _db.session.get(UserAccount, trip.user.id).person_id is None
    # Back to choose the other way.
    assert trip.answer("phone", "back")["step"] == "second_factor"


def test_expired_phone_code_is_not_a_failure(journey, person, wechat_emulator, redis_client):
    trip = journey()
    trip.to_check(person)
    confirm(trip)
    trip.answer("second_factor", method="phone")
    response = trip.post("phone", phone_code="pc_not_a_real_code")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "verification.code_invalid"
    assert int(redis_client.get(person_key(trip.user)) or 0) == 0


def test_record_without_a_phone_points_to_the_service_point(journey, wechat_emulator):
    person = make_person(phone=None)
    trip = journey()
    trip.to_check(person)
    confirm(trip)
    trip.answer("second_factor", method="phone")
    body = trip.post(
        "phone", phone_code=wechat_emulator.mint_phone_code(trip.openid, "+8613700000000")
    ).get_json()
    assert body["error"]["code"] == "verification.phone_missing"


def test_wechat_down_is_503_and_costs_no_attempt(journey, person, wechat_emulator, redis_client):
    trip = journey()
    trip.to_check(person)
    confirm(trip)
    trip.answer("second_factor", method="phone")
    code = wechat_emulator.mint_phone_code(trip.openid, person.phone)
    wechat_emulator.fail("getuserphonenumber", errcode=-1, times=None)
    response = trip.post("phone", phone_code=code)
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "verification.phone_unavailable"
    assert int(redis_client.get(person_key(trip.user)) or 0) == 0
    assert trip.get().get_json()["step"] == "phone"


def person_key(user) -> str:
    """The Redis key counting the failures of this user's WeChat identity."""
    return subject_key(wechat_subject(user.openid))


def lock_out(trip, person, times=5):
    """Fail `times` matches in a row; the last response."""
    trip.to_check(person, name="SMITH JOHN")
    response = None
    for _ in range(times):
        response = confirm(trip)
    return response


@pytest.mark.calendar
def test_fifth_failure_locks_with_the_time_in_the_users_language_and_zone(app, journey, person):
    trip = journey(locale="ko")
    trip.to_check(person, name="SMITH JOHN")
    for _ in range(4):
        body = confirm(trip).get_json()
        assert body["error"]["code"] == "verification.no_match"
    response = confirm(trip)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 5 * 3600
    body = response.get_json()
    assert body["step"] == "locked" and body["locale"] == "ko"
    assert body["error"]["code"] == "verification.locked"
    until = datetime.fromisoformat(body["error"]["details"]["retry_at"])
    assert timedelta(hours=5, minutes=59) < until - clock.now() <= timedelta(hours=6, minutes=1)
    with force_locale("ko"):
        shown_time, shown_date = format_time(until), format_date(until)
    assert shown_time in body["error"]["message"] and shown_date in body["error"]["message"]
    shanghai = until.astimezone(timezone(timedelta(hours=8)))
    assert f"{shanghai.minute:02d}" in shown_time
    assert body["actions"] == []  # no "Try again" while it cannot work

    # Every re-entry shows the lockout until it lifts; trying again is refused.
    assert trip.get().get_json()["step"] == "locked"
    again = trip.post("locked")
    assert again.status_code == 429 and again.get_json()["step"] == "locked"
    assert [a.result for a in attempts()] == ["fail"] * 5


@pytest.mark.calendar
def test_a_locked_user_cannot_try_another_number(journey, person):
    trip = journey()
    lock_out(trip, person)
    other = make_person(passport_name="DOE, Jane")
    # Lift the screen only: the user's counter in Redis still says locked.
    state = _db.session.scalar(select(FlowState).where(FlowState.user_id == trip.user.id))
    state.context = {**state.context, "locked_until": "2000-01-01T00:00:00+00:00"}
    _db.session.commit()
    assert trip.get().get_json()["step"] == "check"
    trip.answer("check", "change", field="identifier")
    trip.answer("identifier", identifier=other.permits[0].permit_number)
    trip.answer("check", "change", field="passport_name")
    trip.answer("name", passport_name="DOE JANE")
    response = confirm(trip)
    assert response.status_code == 429
    assert attempts()[-1].result == "locked"


@pytest.mark.calendar
def test_the_identifier_is_locked_across_accounts(journey, person, redis_client):
    lock_out(journey(), person)
    from app.verify.verification import hash_identifier

    digest = hash_identifier("permit_number", person.permits[0].permit_number)
    assert int(redis_client.get(identifier_key(digest))) == 5
    # A different account with the right answers for the same number is refused too.
    fresh = journey()
    fresh.to_check(person)
    response = confirm(fresh)
    assert response.status_code == 429
    assert response.get_json()["step"] == "locked"
    # … without using up that account's own attempts.
    assert int(redis_client.get(person_key(fresh.user)) or 0) == 0
    # Another number still works for the fresh account.
    other = make_person(passport_name="DOE, Jane")
    another = journey()
    another.to_check(other)
    assert confirm(another).status_code == 200


@pytest.mark.calendar
def test_the_lock_lifts_when_the_window_ends(journey, person, redis_client):
    trip = journey()
    lock_out(trip, person)
    for key in redis_client.scan_iter("ssc:verification_record:*"):  # the window's counters expired
        redis_client.delete(key)
    state = _db.session.scalar(select(FlowState).where(FlowState.user_id == trip.user.id))
    state.context = {**state.context, "locked_until": "2000-01-01T00:00:00+00:00"}
    _db.session.commit()
    screen = trip.get().get_json()
    assert screen["step"] == "check"
    trip.answer("check", "change", field="passport_name")
    trip.answer("name", passport_name=person.passport_name)
    assert confirm(trip).get_json()["step"] == "second_factor"


def test_a_pass_gives_the_attempt_back(journey, person, redis_client):
    trip = journey()
    trip.to_check(person)
    confirm(trip)
    assert int(redis_client.get(person_key(trip.user))) == 0


@pytest.mark.calendar
def test_phone_failures_lock_too(journey, person, wechat_emulator):
    trip = journey()
    trip.to_check(person)
    confirm(trip)
    trip.answer("second_factor", method="phone")
    statuses = []
    for _ in range(5):
        code = wechat_emulator.mint_phone_code(trip.openid, "+8613700000000")
        statuses.append(trip.post("phone", phone_code=code).status_code)
    assert statuses == [422, 422, 422, 422, 429]
    assert trip.get().get_json()["step"] == "locked"
    card = _db.session.scalar(
        select(SocialSecurityCard).where(SocialSecurityCard.account_id == person.account.id)
    )
    assert card.status == "not_activated"
