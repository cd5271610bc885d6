"""The journey's screens through the WSGI fast path (app/web/repeat_screens.py): Flask's answer, only sooner."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.extensions import db as _db
from app.journeys import flow_cache, screen_cache
from app.journeys.models import FlowState
from tests.factories import make_user
from tests.fast_path import fast_layer, get, same_answer
from tests.verify.conftest import PATH, fresh_request_globals
from tests.verify.test_failures import lock_out


@pytest.mark.parametrize("locale", ["en", "ar", "zh_Hant", "ko"])
def test_a_repeat_journey_screen_is_the_same_answer_without_flask(client, login, flask_calls, locale):
    headers = login(make_user(locale=locale))
    first = get(client, PATH, headers)  # starts the journey (a database write)
    kept = get(client, PATH, headers)  # rendered from the state's Redis copy, and kept
    assert first.status_code == 200 and flask_calls == [PATH, PATH]
    second = get(client, PATH, headers)
    assert flask_calls == [PATH, PATH], "the repeat was not answered by the fast path"
    same_answer(first, second)
    same_answer(kept, second)
    body = second.get_json()
    assert body["locale"] == locale and body["dir"] == ("rtl" if locale == "ar" else "ltr")
    assert second.headers["Cache-Control"] == "private, no-store"
    assert second.headers["Content-Security-Policy"] and second.headers["X-Content-Type-Options"] == "nosniff"


def test_the_screen_follows_every_answer_and_step_back(client, login, flask_calls):
    headers = login(make_user(locale="en"))
    assert get(client, PATH, headers).get_json()["step"] == "start"
    assert get(client, PATH, headers).get_json()["step"] == "start"
    fresh_request_globals()
    assert (
        client.post(
            PATH, json={"step": "start", "action": "continue", "answers": {}}, headers=headers
        ).get_json()["step"]
        == "consent"
    )
    assert get(client, PATH, headers).get_json()["step"] == "consent"
    assert get(client, PATH, headers).get_json()["step"] == "consent"
    fresh_request_globals()
    client.post(PATH, json={"step": "consent", "action": "back", "answers": {}}, headers=headers)
    assert get(client, PATH, headers).get_json()["step"] == "start"
    # An answer keeps the screen it leads to: only the first GET (journey started), the copy's
    # first render and the 2 POSTs reached Flask; every GET after an answer came from the kept screen.
    assert flask_calls.count(PATH) == 4


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_the_screen_an_answer_kept_is_the_one_flask_renders(
    app, client, login, flask_calls, redis_client, locale
):
    """The GET after an answer is answered before Flask, with exactly what Flask renders from the copy."""
    user = make_user(locale=locale)
    headers = login(user)
    get(client, PATH, headers)
    fresh_request_globals()
    answered = client.post(PATH, json={"step": "start", "action": "continue", "answers": {}}, headers=headers)
    assert answered.status_code == 200 and answered.get_json()["step"] == "consent"
    calls = len(flask_calls)
    fast = get(client, PATH, headers)
    assert len(flask_calls) == calls, "the GET after the answer was not answered by the fast path"
    assert fast.data == answered.data
    redis_client.delete(screen_cache.key(user.id, "verify"))
    fresh_request_globals()
    rendered = get(client, PATH, headers)
    assert len(flask_calls) == calls + 1
    same_answer(fast, rendered)


def test_an_answer_with_errors_keeps_no_screen(client, login, flask_calls, redis_client):
    """A screen showing errors is not what a GET shows: nothing is kept, the next GET goes to Flask."""
    user = make_user(locale="en")
    headers = login(user)
    get(client, PATH, headers)
    fresh_request_globals()
    client.post(PATH, json={"step": "start", "action": "continue", "answers": {}}, headers=headers)
    redis_client.delete(screen_cache.key(user.id, "verify"))
    fresh_request_globals()
    refused = client.post(
        PATH, json={"step": "consent", "action": "continue", "answers": {}}, headers=headers
    )
    assert refused.status_code == 422
    assert redis_client.get(screen_cache.key(user.id, "verify")) is None
    calls = len(flask_calls)
    assert get(client, PATH, headers).status_code == 200
    assert len(flask_calls) == calls + 1


def test_the_locale_of_the_request_decides_and_never_an_earlier_one(client, login, flask_calls):
    user = make_user(locale=None)  # first run: no saved choice, so the client's language decides
    for language in ("fr", "de", "fr", "ar"):
        body = get(client, PATH, {**login(user), "X-Client-Language": language}).get_json()
        assert (body["step"], body["locale"]) == ("language", language)
    vary = get(client, PATH, {**login(user), "X-Client-Language": "ar"})
    assert vary.headers["Content-Language"] == "ar" and "X-Client-Language" in vary.headers["Vary"]
    # ?lang= always goes to Flask, which honours it.
    fresh_request_globals()
    assert client.get(f"{PATH}?lang=ko", headers=login(user)).get_json()["locale"] == "ko"
    assert flask_calls[-1] == PATH


def test_another_users_screen_is_never_served(client, login, flask_calls):
    alice, bob = make_user(locale="en"), make_user(locale="de")
    alice_headers, bob_headers = login(alice), login(bob)
    for _ in range(3):
        get(client, PATH, alice_headers)
    assert get(client, PATH, bob_headers).get_json()["locale"] == "de"
    # Bob's token with Alice's id in front is no token at all: 401, never Alice's screen.
    secret = bob_headers["Authorization"].split(".", 1)[1]
    forged = {"Authorization": f"Bearer {alice.id}.{secret}"}
    assert get(client, PATH, forged).status_code == 401
    assert get(client, PATH, {}).status_code == 401


def test_a_signed_out_session_gets_401(client, login):
    headers = login(make_user(locale="en"))
    for _ in range(3):
        get(client, PATH, headers)
    fresh_request_globals()
    assert client.post("/api/v1/auth/logout", headers=headers).status_code < 300
    assert get(client, PATH, headers).status_code == 401


def test_a_bulk_change_to_journey_states_is_never_hidden(client, login, flask_calls, redis_client):
    headers = login(make_user(locale="en"))
    for _ in range(3):
        get(client, PATH, headers)
    redis_client.incr(flow_cache.GENERATION_KEY)  # what consent withdrawal or erasure does
    calls = len(flask_calls)
    assert get(client, PATH, headers).get_json()["step"] == "start"
    assert len(flask_calls) == calls + 1


@pytest.mark.calendar
def test_a_screen_that_reads_the_clock_is_not_kept(client, journey, person, flask_calls, monkeypatch):
    trip = journey()
    lock_out(trip, person)
    assert trip.get().get_json()["step"] == "locked"
    assert trip.get().get_json()["step"] == "locked"
    calls = len(flask_calls)
    state = _db.session.scalar(select(FlowState).where(FlowState.user_id == trip.user.id))
    later = clock.now() + timedelta(hours=7)
    monkeypatch.setattr(clock, "now", lambda: later)
    # Nothing saved changed, only the time: the lock has lifted, and Flask shows the next screen.
    assert trip.get().get_json()["step"] == state.context.get("resume", "check")
    assert len(flask_calls) == calls + 1


def test_a_kept_screen_of_another_release_is_not_served(app, client, login, flask_calls):
    headers = login(make_user(locale="en"))
    first = get(client, PATH, headers)
    get(client, PATH, headers)
    layer = fast_layer(app)
    layer.release = app.extensions[screen_cache.RELEASE_EXTENSION] = "another-release"
    calls = len(flask_calls)
    same_answer(first, get(client, PATH, headers))
    assert len(flask_calls) == calls + 1
    get(client, PATH, headers)
    assert len(flask_calls) == calls + 1  # kept again, under the new release


def test_a_failing_redis_leaves_the_answer_to_flask(client, login, flask_calls, monkeypatch):
    from app.accounts.sessions import SessionStore

    headers = login(make_user(locale="en"))
    first = get(client, PATH, headers)
    real_lookup = SessionStore.lookup
    failures = []

    def fail_once(self, *args, **kwargs):
        if not failures:
            failures.append(1)
            raise ConnectionError("Redis went away")
        return real_lookup(self, *args, **kwargs)

    monkeypatch.setattr(SessionStore, "lookup", fail_once)
    calls = len(flask_calls)
    same_answer(first, get(client, PATH, headers))
    assert failures and len(flask_calls) == calls + 1


def test_a_kept_screen_holds_no_answer_in_the_clear(client, journey, person, redis_client):
    trip = journey()
    trip.to_check(person)
    for _ in range(2):
        assert trip.get().get_json()["step"] == "check"
    kept = redis_client.get(screen_cache.key(trip.user.id, "verify"))
    assert kept is not None
    for secret in (person.passport_name, person.permits[0].permit_number, "MUELLER"):
        assert secret.encode("utf-8") not in kept
    assert trip.get().get_json()["summary"][0]["value"] == person.passport_name


def test_withdrawing_consent_drops_the_kept_screens(client, journey, person, redis_client):
    trip = journey()
    trip.to_check(person)
    trip.get(), trip.get()
    assert redis_client.exists(screen_cache.key(trip.user.id, "verify"))
    fresh_request_globals()
    response = client.post("/api/v1/me/consents/sensitive_identifiers/withdraw", headers=trip.headers)
    assert response.status_code < 300, response.get_json()
    assert not redis_client.exists(screen_cache.key(trip.user.id, "verify"))
    assert trip.get().get_json()["step"] == "start"


def test_fast_screens_off_sends_every_request_through_flask(app_config, monkeypatch):
    from app import create_app
    from app.config import load_config

    monkeypatch.setenv("FAST_SCREENS", "0")
    assert load_config({"APP_ENV": "testing"})["FAST_SCREENS"] is False
    with pytest.raises(AssertionError, match="no RepeatScreens layer"):
        fast_layer(create_app({**app_config, "FAST_SCREENS": False}))
    monkeypatch.setenv("FAST_SCREENS", "1")
    assert load_config({"APP_ENV": "testing"})["FAST_SCREENS"] is True
