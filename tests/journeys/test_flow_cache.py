"""The Redis copy of journey states: it follows every commit, never a rollback, and keeps answers encrypted."""

from __future__ import annotations

import json

from sqlalchemy import delete, select

from app.extensions import db
from app.journeys import flow_cache
from app.journeys.models import FlowState


def _state(user_id: int) -> FlowState:
    return db.session.scalar(
        select(FlowState).where(FlowState.user_id == user_id, FlowState.flow == "verify")
    )


def _copy(redis_client, user_id: int) -> dict | None:
    raw = redis_client.get(flow_cache.key(user_id, "verify"))
    return json.loads(raw) if raw is not None else None


def _to_name_step(journey):
    trip = journey()
    trip.get()
    trip.answer("start")
    trip.answer("consent", consent_sensitive=True)
    return trip


def test_a_committed_orm_change_is_shown_at_once(journey, redis_client):
    """A state changed and committed anywhere (not through the engine) is what the next GET shows."""
    trip = _to_name_step(journey)
    assert trip.get().get_json()["step"] == "name"
    state = _state(trip.user.id)
    state.step = "consent"
    db.session.commit()
    assert _copy(redis_client, trip.user.id)["step"] == "consent"
    assert trip.get().get_json()["step"] == "consent"


def test_a_rolled_back_change_never_reaches_the_copy(journey, redis_client):
    """Flushed but rolled back: the copy and the screen keep the saved step."""
    trip = _to_name_step(journey)
    state = _state(trip.user.id)
    state.step = "start"
    db.session.flush()
    db.session.rollback()
    assert _copy(redis_client, trip.user.id)["step"] == "name"
    assert trip.get().get_json()["step"] == "name"


def test_a_deleted_state_drops_its_copy(journey, redis_client):
    """Deleting the row through the ORM deletes the copy; the journey starts again."""
    trip = _to_name_step(journey)
    db.session.delete(_state(trip.user.id))
    db.session.commit()
    assert _copy(redis_client, trip.user.id) is None
    assert trip.get().get_json()["step"] == "start"


def test_a_bulk_delete_retires_every_older_copy(journey, redis_client):
    """A bulk DELETE cannot name its rows: the generation moves on and older copies are ignored."""
    trip = _to_name_step(journey)
    other = _to_name_step(journey)
    assert trip.get().get_json()["step"] == "name"
    db.session.execute(delete(FlowState).where(FlowState.user_id == trip.user.id))
    db.session.commit()
    assert _copy(redis_client, trip.user.id) is not None  # still there, but from an older generation
    assert trip.get().get_json()["step"] == "start"
    assert other.get().get_json()["step"] == "name"  # read from the database, then copied again
    assert _copy(redis_client, other.user.id)["g"] == int(redis_client.get(flow_cache.GENERATION_KEY))


def test_withdrawing_consent_restarts_the_journey_on_screen(journey, client):
    """The consent service deletes flows in bulk; the next screen is the first one, not a stale copy."""
    from app.accounts.consents import withdraw_consent

    trip = _to_name_step(journey)
    assert trip.get().get_json()["step"] == "name"
    withdraw_consent(trip.user.id, "sensitive_identifiers")
    assert trip.get().get_json()["step"] == "start"


def test_answers_stay_encrypted_in_the_copy(journey, redis_client):
    """The passport name is in the copy only as ciphertext, and the screen still shows it."""
    trip = _to_name_step(journey)
    trip.answer("name", passport_name="ZHANG, Wěi Secretname")
    raw = redis_client.get(flow_cache.key(trip.user.id, "verify"))
    assert b"Secretname" not in raw and "Secretname" not in raw.decode("utf-8")
    trip.post("identifier_type", "back")
    screen = trip.get().get_json()
    assert screen["step"] == "name"
    assert screen["fields"][0]["value"] == "ZHANG, Wěi Secretname"


def test_a_fill_never_replaces_a_fresher_copy(app, redis_client):
    """A reader's late fill (SET NX) loses to the copy a writer already put there."""
    from types import SimpleNamespace

    fresh = SimpleNamespace(step="name", answers={}, context={}, history=[])
    stale = SimpleNamespace(step="start", answers={}, context={}, history=[])
    redis_client.set(flow_cache.key(7, "verify"), flow_cache._encode(fresh, 0))
    flow_cache.fill(redis_client, 7, "verify", stale, 0)
    copy, generation = flow_cache.read(redis_client, 7, "verify")
    assert (copy.step, generation) == ("name", 0)


def test_redis_failing_after_a_commit_is_logged_not_raised(journey, monkeypatch, caplog):
    """The data is committed: the request succeeds and the lagging copy is logged."""
    trip = _to_name_step(journey)
    state = _state(trip.user.id)
    state.step = "consent"

    def broken_redis():
        raise ConnectionError("redis went away")

    monkeypatch.setattr(flow_cache, "get_redis", broken_redis)
    with caplog.at_level("WARNING", logger="app.journeys.flow_cache"):
        db.session.commit()
    assert "journey state copies not updated" in caplog.text
    db.session.expire_all()
    assert _state(trip.user.id).step == "consent"
