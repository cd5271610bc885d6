"""The card screens through the WSGI fast path (app/web/repeat_screens.py): Flask's answer, only sooner."""

from __future__ import annotations

import pytest

from tests.factories import make_user
from tests.fast_path import get, repeat_is_fast, same_answer

pytestmark = pytest.mark.calendar  # the kept screens are keyed by the users' date

CARD_PATHS = ("/api/v1/card", "/api/v1/card/permit", "/api/v1/card/insurances", "/api/v1/card/contributions")


@pytest.mark.parametrize("path", CARD_PATHS)
def test_a_repeat_card_screen_is_the_same_answer_without_flask(client, login, holder_user, flask_calls, path):
    repeat_is_fast(client, path, login(holder_user), flask_calls)


def test_a_card_screen_in_a_saved_language_other_than_the_headers_goes_to_flask(
    client, login, holder, flask_calls
):
    headers = {**login(make_user(person=holder, verified=True, locale="de")), "Accept-Language": "fr"}
    first = get(client, "/api/v1/card", headers)
    second = get(client, "/api/v1/card", headers)
    assert first.get_json()["locale"] == second.get_json()["locale"] == "de"
    same_answer(first, second)
    assert flask_calls.count("/api/v1/card") == 2


def test_a_kept_card_screen_holds_nothing_in_the_clear(client, login, holder_user, redis_client):
    from app import view_cache

    headers = login(holder_user)
    body = get(client, "/api/v1/card", headers)
    assert "MÜLLER" in body.get_data(as_text=True)
    keys = list(redis_client.scan_iter(match=f"{view_cache.PREFIX}:{holder_user.id}:*"))
    assert keys
    for key in keys:
        kept = redis_client.get(key)
        assert "MÜLLER".encode() not in kept and b"123456789" not in kept and b"card" not in kept
    same_answer(body, get(client, "/api/v1/card", headers))


@pytest.mark.parametrize("query", ["year=2025", "year=2024", "year=2025&limit=2"])
def test_a_repeat_contributions_page_is_the_same_answer_without_flask(
    client, login, holder_user, flask_calls, query
):
    headers = login(holder_user)
    path = f"/api/v1/card/contributions?{query}"
    first = repeat_is_fast(client, path, headers, flask_calls)
    cursor = first.get_json().get("next_cursor")
    if "limit" in query:  # the next page, by its cursor: a page of its own, never the first one again
        assert cursor
        following = get(client, f"{path}&cursor={cursor}", headers)
        again = get(client, f"{path}&cursor={cursor}", headers)
        same_answer(following, again)
        assert following.data != first.data


@pytest.mark.parametrize(
    "query",
    [
        "year=2025&year=2024",  # a repeated name: Flask reads the first; the fast path leaves it to Flask
        "year=2025&format=csv",
        "lang=de",
        "year=%32025",
        "year=2025&",
        "year=",
    ],
)
def test_any_other_contributions_query_goes_to_flask(client, login, holder_user, flask_calls, query):
    headers = login(holder_user)
    get(client, "/api/v1/card/contributions?year=2024", headers)  # a kept page that must not answer these
    path = f"/api/v1/card/contributions?{query}"
    first = get(client, path, headers)
    calls = len(flask_calls)
    get(client, path, headers)
    assert len(flask_calls) == calls + 1
    if first.status_code == 200 and first.mimetype == "application/json":
        assert first.get_json()["year"] != 2024 or query.startswith("year=2024")


def test_a_query_on_other_screens_goes_to_flask(client, login, holder_user, flask_calls):
    headers = login(holder_user)
    get(client, "/api/v1/card", headers)
    calls = len(flask_calls)
    assert get(client, "/api/v1/card?lang=de", headers).get_json()["locale"] == "de"
    assert len(flask_calls) == calls + 1
