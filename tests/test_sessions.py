"""Opaque session tokens in Redis: create, look up, sliding TTL, logout, revoke-all."""

from __future__ import annotations

from app.services.sessions import SessionStore, owner_hint, session_key
from tests.redis_probe import commands_sent


def test_token_is_opaque_and_stored_under_its_hash(redis_client):
    store = SessionStore(redis_client, "session", 60)
    token = store.create(7, {"openid": "o1"})
    assert len(token) >= 43
    assert redis_client.get(f"ssc:session:{token}") is None
    assert redis_client.get(session_key("session", token)) is not None
    assert store.get(token).owner_id == 7
    assert store.get(token).data == {"openid": "o1"}


def test_lookup_refreshes_the_ttl(redis_client):
    store = SessionStore(redis_client, "session", 60)
    token = store.create(1)
    redis_client.expire(session_key("session", token), 5)
    store.get(token)
    assert redis_client.ttl(session_key("session", token)) > 50


def test_unknown_expired_and_absurd_tokens_are_none(redis_client):
    store = SessionStore(redis_client, "session", 60)
    assert store.get(None) is None
    assert store.get("nope") is None
    assert store.get("x" * 500) is None
    token = store.create(1)
    redis_client.delete(session_key("session", token))
    assert store.get(token) is None


def test_logout_and_revoke_all(redis_client):
    store = SessionStore(redis_client, "session", 60)
    first, second, other = store.create(1), store.create(1), store.create(2)
    store.revoke(first)
    assert store.get(first) is None and store.get(second) is not None
    assert store.revoke_all(1) == 1
    assert store.get(second) is None
    assert store.get(other) is not None


def test_kinds_do_not_mix(redis_client):
    users = SessionStore(redis_client, "session", 60)
    admins = SessionStore(redis_client, "admin", 60)
    token = users.create(1)
    assert admins.get(token) is None


def test_a_token_names_its_owner_but_an_edited_name_finds_nothing(redis_client):
    store = SessionStore(redis_client, "session", 60)
    token = store.create(42)
    assert owner_hint(token) == 42
    _, _, secret = token.partition(".")
    assert store.get(f"43.{secret}") is None  # the id is part of what is hashed
    assert store.lookup(f"43.{secret}", lambda owner: [f"k:{owner}"]) == (None, {})
    assert owner_hint("nodot") is None and owner_hint("x.y") is None and owner_hint("1" * 30 + ".y") is None


def test_lookup_fetches_the_owners_keys_in_the_same_round_trip(redis_client):
    store = SessionStore(redis_client, "session", 60)
    token = store.create(7, {"locale": "ko"})
    redis_client.set("k:7", b"seven")
    with commands_sent(redis_client) as sent:
        session, fetched = store.lookup(token, lambda owner: [f"k:{owner}", f"missing:{owner}"])
    assert session.owner_id == 7 and session.data == {"locale": "ko"}
    assert fetched == {"k:7": b"seven", "missing:7": None}
    assert sent == []  # one pipeline (MGET and the expiry), no separate command


def test_lookup_of_a_token_without_an_owner_name_fetches_nothing_extra(redis_client):
    store = SessionStore(redis_client, "session", 60)
    legacy = "a" * 43  # tokens issued before owners were named still work
    redis_client.set(session_key("session", legacy), '{"owner_id": 3, "data": {}}', ex=60)
    session, fetched = store.lookup(legacy, lambda owner: [f"k:{owner}"])
    assert session.owner_id == 3 and fetched == {}


def test_lookup_slides_the_expiry_once_a_minute_per_process(redis_client, monkeypatch):
    from app.services import sessions

    store = SessionStore(redis_client, "session", 600)
    token = store.create(1)
    key = session_key("session", token)
    clock = [1000.0]
    monkeypatch.setattr(sessions.time, "monotonic", lambda: clock[0])
    store.lookup(token)
    redis_client.expire(key, 100)
    store.lookup(token)
    assert redis_client.ttl(key) <= 100  # slid a moment ago: not again
    clock[0] += sessions.SLIDE_INTERVAL_SECONDS
    store.lookup(token)
    assert redis_client.ttl(key) > 500


def test_a_revoked_session_is_gone_for_lookup_too(redis_client):
    store = SessionStore(redis_client, "session", 60)
    token = store.create(5)
    assert store.lookup(token)[0] is not None
    store.revoke(token)
    assert store.lookup(token) == (None, {})
