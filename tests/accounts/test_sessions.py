"""Opaque session tokens in Redis: create, look up, sliding TTL, logout, revoke-all."""

from __future__ import annotations

import time

import pytest

from app.accounts.sessions import INDEX_MARGIN_SECONDS, SessionStore, index_key, owner_hint, session_key
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
    # Digits that are not ASCII ("²" is a digit to str.isdigit, not to int): no owner, no error.
    assert owner_hint("².x") is None and owner_hint("١٢.x") is None
    assert store.get("².x") is None and store.lookup("².x", lambda owner: []) == (None, {})


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
    from app.accounts import sessions

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


def _use_for(store: SessionStore, token: str, seconds: float, *, via_lookup: bool) -> None:
    """Keep a session busy for `seconds` (a request every quarter of its lifetime)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert (store.lookup(token)[0] if via_lookup else store.get(token)) is not None
        time.sleep(store.ttl / 4)


@pytest.mark.parametrize("via_lookup", [True, False], ids=["lookup", "get"])
def test_revoke_all_ends_a_session_used_longer_than_twice_its_lifetime(redis_client, via_lookup):
    # A compressed lifetime: two seconds (the Redis stand-in keeps expiries to whole seconds).
    store = SessionStore(redis_client, "session", 2)
    token = store.create(9)
    _use_for(store, token, 4.6, via_lookup=via_lookup)
    assert store.get(token) is not None  # still in use, long after the first expiry of the index
    assert store.revoke_all(9) == 1
    assert store.get(token) is None and store.lookup(token) == (None, {})


def test_the_index_expires_with_its_last_session(redis_client):
    store = SessionStore(redis_client, "session", 60)
    store.create(4)
    index_ttl = redis_client.ttl(index_key("session", 4))
    assert 60 <= index_ttl <= 60 + INDEX_MARGIN_SECONDS  # never forever, never before the session


def test_a_session_missing_from_its_index_joins_it_again_when_used(redis_client):
    store = SessionStore(redis_client, "session", 60)
    token = store.create(8)
    redis_client.delete(index_key("session", 8))  # an index that expired under an older release
    assert store.lookup(token)[0] is not None
    assert store.revoke_all(8) == 1 and store.get(token) is None


def test_revoke_all_keeps_a_session_created_meanwhile_in_the_index(redis_client):
    store = SessionStore(redis_client, "session", 60)
    first = store.create(6)
    members = redis_client.smembers  # revoke_all reads the index, then a new sign-in lands

    def read_then_sign_in(key):
        found = members(key)
        late.append(store.create(6))
        return found

    late: list[str] = []
    redis_client.smembers = read_then_sign_in
    try:
        assert store.revoke_all(6) == 1
    finally:
        del redis_client.smembers
    assert store.get(first) is None and store.get(late[0]) is not None
    assert store.revoke_all(6) == 1 and store.get(late[0]) is None


def test_a_session_of_nobody_yet_is_not_indexed_and_peeking_does_not_slide(redis_client):
    store = SessionStore(redis_client, "console", 600)
    token = store.create(None, {"csrf": "x"}, ttl=60)
    assert "." not in token and not list(redis_client.scan_iter("ssc:console-index:*"))
    session, left_ms = store.peek(token)
    assert session.owner_id is None and session.data == {"csrf": "x"} and 0 < left_ms <= 60_000
    redis_client.expire(session_key("console", token), 5)
    store.peek(token)
    assert redis_client.ttl(session_key("console", token)) <= 5


def test_an_update_racing_a_logout_never_brings_the_session_back(redis_client):
    """A language change read the session just before another request ended it: the session stays ended."""
    store = SessionStore(redis_client, "user", 600)
    token = store.create(5, {"locale": "en"})
    read = store.get

    def read_then_ended(wanted):
        current = read(wanted)
        store.revoke_all(5)  # the account's deletion (or a logout) lands between the read and the write
        return current

    store.get = read_then_ended
    assert store.update(token, {"locale": "de"}) is False
    store.get = read
    assert redis_client.get(session_key("user", token)) is None
    assert store.get(token) is None


def test_an_update_of_a_live_session_is_written(redis_client):
    store = SessionStore(redis_client, "user", 600)
    token = store.create(6, {"locale": "en"})
    assert store.update(token, {"locale": "de"}) is True
    assert store.get(token).data == {"locale": "de"}


def test_saving_keeps_the_expiry_and_never_brings_an_ended_session_back(redis_client):
    store = SessionStore(redis_client, "console", 600)
    token = store.create(3, {"n": 1})
    session, _ = store.peek(token)
    redis_client.expire(session_key("console", token), 30)
    assert store.save(session, {"n": 2}) is True
    assert store.peek(token)[0].data == {"n": 2} and redis_client.ttl(session_key("console", token)) <= 30
    store.revoke_all(3)
    assert store.save(session, {"n": 3}) is False  # a request that loaded it before the revocation
    assert store.peek(token) is None and redis_client.get(session_key("console", token)) is None


@pytest.mark.parametrize("path", ["/api/v1/guides", "/api/v1/me", "/api/v1/card", "/api/v1/flows/verify"])
def test_a_token_with_a_non_ascii_digit_is_refused_not_a_server_error(client, db, path):
    """gunicorn passes byte 0xB2 in a header as "²", which str.isdigit takes for a digit."""
    response = client.get(path, headers={"Authorization": "Bearer ².x", "Accept-Language": "de"})
    assert response.status_code in (200, 401), response.status_code
    if response.status_code == 401:
        assert response.get_json()["error"]["code"] == "auth.required"
