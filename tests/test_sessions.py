"""Opaque session tokens in Redis: create, look up, sliding TTL, logout, revoke-all."""

from __future__ import annotations

from app.services.sessions import SessionStore, session_key


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
