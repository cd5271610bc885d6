"""The card screens through the WSGI fast path (app/api/fast_screens.py): Flask's answer, only sooner."""

from __future__ import annotations

import pytest

from tests.factories import make_user
from tests.fast_path import get, same_answer

CARD_PATHS = ("/api/v1/card", "/api/v1/card/permit", "/api/v1/card/insurances", "/api/v1/card/contributions")


@pytest.mark.parametrize("path", CARD_PATHS)
def test_a_repeat_card_screen_is_the_same_answer_without_flask(client, login, holder_user, flask_calls, path):
    headers = login(holder_user)
    first = get(client, path, headers)
    assert first.status_code == 200
    calls = len(flask_calls)
    second = get(client, path, headers)
    assert len(flask_calls) == calls, "the repeat was not answered by the fast path"
    same_answer(first, second)


def test_a_card_screen_in_a_saved_language_other_than_the_headers_goes_to_flask(client, login, holder,
                                                                                 flask_calls):
    headers = {**login(make_user(person=holder, verified=True, locale="de")), "Accept-Language": "fr"}
    first = get(client, "/api/v1/card", headers)
    second = get(client, "/api/v1/card", headers)
    assert first.get_json()["locale"] == second.get_json()["locale"] == "de"
    same_answer(first, second)
    assert flask_calls.count("/api/v1/card") == 2


def test_a_kept_card_screen_holds_nothing_in_the_clear(client, login, holder_user, redis_client):
    from app.services import view_cache

    headers = login(holder_user)
    body = get(client, "/api/v1/card", headers)
    assert "MÜLLER" in body.get_data(as_text=True)
    keys = list(redis_client.scan_iter(match=f"{view_cache.PREFIX}:{holder_user.id}:*"))
    assert keys
    for key in keys:
        kept = redis_client.get(key)
        assert "MÜLLER".encode() not in kept and b"123456789" not in kept and b"card" not in kept
    same_answer(body, get(client, "/api/v1/card", headers))
