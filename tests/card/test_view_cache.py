"""Rendered card screens are cached briefly per user and locale; nothing crosses users."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from app import view_cache
from tests.factories import make_user
from tests.redis_probe import commands_sent

pytestmark = pytest.mark.calendar  # the kept screens are keyed by the users' date and expire


def _count_queries(db, call):
    """Run `call` and return (its result, the number of SQL statements it sent)."""
    statements = []

    def count(*_args, **_kwargs):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        result = call()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return result, len(statements)


def test_a_repeat_view_needs_no_sql(client, login, holder_user, db):
    headers = login(holder_user)
    for path in (
        "/api/v1/card",
        "/api/v1/card/contributions?year=2025",
        "/api/v1/card/permit",
        "/api/v1/card/insurances",
    ):
        first, queries = _count_queries(db, lambda p=path: client.get(p, headers=headers))
        assert first.status_code == 200 and queries == 1
        again, queries = _count_queries(db, lambda p=path: client.get(p, headers=headers))
        assert again.status_code == 200 and queries == 0
        assert again.get_data() == first.get_data()
        assert again.headers["Content-Language"] == "en"


def test_each_locale_has_its_own_entry(client, login, holder_user):
    headers = login(holder_user)
    english = client.get("/api/v1/card/contributions?year=2025", headers=headers).get_json()
    german = client.get("/api/v1/card/contributions?year=2025&lang=de", headers=headers).get_json()
    assert english["locale"] == "en" and german["locale"] == "de"
    assert english["months"][0]["label"] == "January 2025"
    assert german["months"][0]["label"] == "Januar 2025"


def test_errors_are_never_cached(client, login, db, redis_client):
    user = make_user(locale="en")
    assert client.get("/api/v1/card", headers=login(user)).status_code == 403
    assert list(redis_client.scan_iter(match=f"{view_cache.PREFIX}:*")) == []


def test_forgetting_a_user_shows_registry_changes_at_once(
    client, login, holder, holder_user, db, redis_client
):
    headers = login(holder_user)
    assert client.get("/api/v1/card", headers=headers).get_json()["card"]["status"]["code"] == "normal"
    holder.account.card.status = "temp_lost"
    db.session.commit()
    assert client.get("/api/v1/card", headers=headers).get_json()["card"]["status"]["code"] == "normal"
    assert view_cache.forget_user(redis_client, holder_user.id) == 1
    assert client.get("/api/v1/card", headers=headers).get_json()["card"]["status"]["code"] == "temp_lost"


def test_entries_expire(client, login, holder_user, redis_client):
    client.get("/api/v1/card", headers=login(holder_user))
    [key] = list(redis_client.scan_iter(match=f"{view_cache.PREFIX}:{holder_user.id}:*"))
    assert 0 < redis_client.ttl(key) <= view_cache.TTL_SECONDS


def test_a_kept_screen_comes_with_the_session_in_one_round_trip(client, login, holder_user, redis_client):
    headers = login(holder_user)
    first = client.get("/api/v1/card", headers=headers)
    with commands_sent(redis_client) as sent:
        again = client.get("/api/v1/card", headers=headers)
    assert again.get_data() == first.get_data()
    assert sent == ["MGET"]  # the session and the kept screen together: no GET of its own


def test_a_saved_language_beats_the_prefetched_guess(client, login, holder_user, redis_client):
    holder_user.locale = "de"
    headers = {**login(holder_user), "X-Client-Language": "en"}
    english_key = view_cache.key(holder_user.id, "card", "en")
    redis_client.set(english_key, b'{"locale": "en", "planted": true}', ex=60)
    answer = client.get("/api/v1/card", headers=headers)
    assert answer.get_json()["locale"] == "de" and "planted" not in answer.get_json()
    assert answer.headers["Content-Language"] == "de"


def test_a_prefetched_screen_is_never_another_users(client, login, holder_user, redis_client, db):
    stranger = make_user(locale="en")
    planted = view_cache.key(stranger.id, "card", "en")
    redis_client.set(planted, b'{"planted": true}', ex=60)
    token = login(holder_user)["Authorization"].split(" ", 1)[1]
    _, _, secret = token.partition(".")
    forged = {"Authorization": f"Bearer {stranger.id}.{secret}"}
    assert client.get("/api/v1/card", headers=forged).status_code == 401
