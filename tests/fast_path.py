"""Helpers for the tests of the WSGI fast path (app/web/repeat_screens.py)."""

from __future__ import annotations

from app.web.repeat_screens import RepeatScreens
from tests.verify.conftest import fresh_request_globals


def fast_layer(app) -> RepeatScreens:
    """The app's RepeatScreens layer, found down the WSGI chain."""
    layer = app.wsgi_app
    for _ in range(10):
        if isinstance(layer, RepeatScreens):
            return layer
        layer = getattr(layer, "wsgi_app", None) or getattr(layer, "app", None)
    raise AssertionError("no RepeatScreens layer in the WSGI chain")


def get(client, path: str, headers: dict):
    """A GET with fresh request globals, as production has."""
    fresh_request_globals()
    return client.get(path, headers=headers)


def same_answer(first, second) -> None:
    """Two responses are the same answer: status, body and every header but the request id (in any order)."""
    assert (first.status_code, first.data) == (second.status_code, second.data)

    def headers(response):
        return sorted(h for h in response.headers if h[0] != "X-Request-ID")

    assert headers(first) == headers(second)


def repeat_is_fast(client, path: str, headers: dict, flask_calls: list):
    """GET `path` twice: the repeat must not reach Flask and must be the same answer; the first answer."""
    first = get(client, path, headers)
    assert first.status_code == 200
    calls = len(flask_calls)
    second = get(client, path, headers)
    assert len(flask_calls) == calls, "the repeat was not answered by the fast path"
    same_answer(first, second)
    return first
