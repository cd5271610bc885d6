"""Attempt limits in Redis: atomic reservations, give-backs, windows, and the limit under concurrency.

Run with TEST_REDIS_URL (and TEST_DATABASE_URL) to prove the same against real Redis and MariaDB.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db as _db
from app.verify.attempts import AttemptLimiter, Locked, identifier_key, subject_key
from app.verify.models import VerificationAttempt
from tests.factories import make_person, make_user
from tests.verify.conftest import PATH, Journey

NOW = datetime(2026, 11, 28, 6, 0, 30, tzinfo=UTC)


@pytest.fixture
def limiter(redis_client):
    """Five failures per six hours, as configured by default."""
    return AttemptLimiter(redis_client, 5, 6 * 3600)


def test_reserve_keep_and_give_back(limiter, redis_client):
    first = limiter.reserve("s1", "abc")
    assert first.counts == (1, 1)
    assert limiter.locked_until(first) is None
    limiter.give_back(first)
    assert int(redis_client.get(subject_key("s1"))) == 0
    assert 0 < redis_client.ttl(identifier_key("abc")) <= 6 * 3600
    for _ in range(4):
        limiter.reserve("s1", "abc")
    fifth = limiter.reserve("s1", "abc", now=NOW)
    until = limiter.locked_until(fifth, now=NOW)
    assert until is not None and until.second == 0 and until > NOW + timedelta(hours=5, minutes=59)
    with pytest.raises(Locked):
        limiter.reserve("s1", "abc")
    assert limiter.status("s1", "abc") is not None
    assert limiter.status("s2", None) is None


def test_a_refused_try_does_not_use_the_other_keys(limiter, redis_client):
    for number in range(5):
        limiter.reserve(f"s{100 + number}", "shared")
    with pytest.raises(Locked):
        limiter.reserve("s999", "shared")
    assert int(redis_client.get(subject_key("s999"))) == 0


def test_the_window_starts_at_the_first_failure(limiter, redis_client):
    limiter.reserve("s7", None)
    redis_client.expire(subject_key("s7"), 100)
    limiter.reserve("s7", None)
    assert redis_client.ttl(subject_key("s7")) <= 100  # a later failure does not extend the window


def test_the_limit_holds_under_concurrent_reservations(limiter):
    barrier = threading.Barrier(40)
    admitted, refused = [], []

    def worker():
        barrier.wait()
        try:
            admitted.append(limiter.reserve("s42", "same-number"))
        except Locked:
            refused.append(1)

    threads = [threading.Thread(target=worker) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(admitted) == 5 and len(refused) == 35


def _post_concurrently(app, journeys: list[Journey]) -> list[int]:
    """Every journey presses Confirm at the same moment, each from its own thread and app context."""
    barrier = threading.Barrier(len(journeys))
    statuses: list[int] = []
    lock = threading.Lock()

    def worker(trip: Journey):
        client = app.test_client()
        barrier.wait()
        response = client.post(
            PATH, json={"step": "check", "action": "confirm", "answers": {}}, headers=trip.headers
        )
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=worker, args=(trip,)) for trip in journeys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def _failures() -> int:
    return _db.session.scalar(
        select(func.count()).select_from(VerificationAttempt).where(VerificationAttempt.result == "fail")
    )


def test_concurrent_submissions_from_many_accounts_cannot_pass_the_identifier_limit(app, journey):
    person = make_person(passport_name="DOE, Jane")
    trips = []
    for _ in range(12):
        trip = journey()
        trip.to_check(person, name="SMITH JOHN")
        trips.append(trip)
    _db.session.remove()
    statuses = _post_concurrently(app, trips)
    assert sorted(statuses) == [422] * 4 + [429] * 8
    assert _failures() == 5


def test_concurrent_submissions_of_one_user_cannot_pass_the_user_limit(app, journey):
    person = make_person(passport_name="DOE, Jane")
    user = make_user(locale="en")
    first = journey(user)
    first.to_check(person, name="SMITH JOHN")
    devices = [journey(user) for _ in range(10)]
    _db.session.remove()
    statuses = _post_concurrently(app, devices)
    assert set(statuses) <= {409, 422, 429}
    assert _failures() <= 5
    assert first.get().get_json()["step"] in ("check", "locked")
    # However the race went, the sixth try is refused.
    for _ in range(6):
        if first.get().get_json()["step"] != "check":
            break
        first.post("check", "confirm")
    assert first.get().get_json()["step"] == "locked"
    assert _failures() == 5
