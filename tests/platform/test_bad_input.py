"""Malformed and oversized bodies on every route, and unexpected exceptions: envelopes, never a bare 500."""

from __future__ import annotations

import json

import pytest

from app.accounts.sessions import SessionStore

from .conftest import add_probe_routes

MALFORMED_BODIES = [
    b'{"a":',  # truncated
    b"\xff\xfe\x00garbage",  # not UTF-8
    b"[" * 100_000,  # nested past the parser's recursion limit
    b'{"a": "\\ud800"}',  # a lone surrogate
    b"1" * 5000,  # an integer too long to convert
    b"null",  # valid JSON, wrong shape
    b'"just a string"',  # valid JSON, wrong shape
]


def _sample_value(converter: str) -> str:
    return "1" if converter in ("int", "IntegerConverter") else "x"


def _url(rule) -> str:
    """The rule's path with every variable filled with a plausible value."""
    values = {name: _sample_value(type(conv).__name__) for name, conv in rule._converters.items()}
    return rule.build(values, append_unknown=False)[1]


def _body_routes(app, *, default_limit_only: bool = False):
    """(method, url) of every route that takes a body; optionally only those on MAX_CONTENT_LENGTH."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        if default_limit_only and getattr(app.view_functions[rule.endpoint], "max_content_length", None):
            continue  # an upload view with its own, larger limit (tested with body_limit)
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            yield method, _url(rule)


@pytest.fixture
def auth_headers(probe_app):
    """A valid user session so bodies get past authentication and are actually parsed."""
    store = SessionStore(probe_app.extensions["redis"], "session", probe_app.config["SESSION_TTL_SECONDS"])
    return {"Authorization": f"Bearer {store.create(1, {'openid': 'o-fuzz', 'locale': None})}"}


def _assert_envelope(response, path):
    """JSON API routes answer the envelope; WeChat-facing routes (push, emulator) speak WeChat's
    own formats, and console pages their HTML error page: for those only 'never a 500' holds."""
    if not path.startswith(("/api/", "/probe")):
        return
    body = response.get_json(silent=True)
    assert body and body["error"]["code"], (path, response.status_code, response.data[:200])


def test_malformed_json_on_every_route_is_never_a_500(probe_app, auth_headers):
    """Every route of the app (plus the probes, so the sweep is never empty)."""
    client = probe_app.test_client()
    swept = 0
    for method, path in _body_routes(probe_app):
        for body in MALFORMED_BODIES:
            response = client.open(
                path, method=method, data=body, content_type="application/json", headers=auth_headers
            )
            assert response.status_code < 500, (method, path, body[:20], response.data[:300])
            if response.status_code >= 400:
                _assert_envelope(response, path)
        swept += 1
    assert swept > 0


def test_malformed_json_is_a_400_envelope(probe_app):
    client = probe_app.test_client()
    for body in MALFORMED_BODIES[:5]:
        response = client.post("/probe/echo", data=body, content_type="application/json")
        assert response.status_code == 400, body[:20]
        assert response.get_json()["error"]["code"] == "request.invalid"
    assert client.post("/probe/echo", json={"b": 1, "a": 2}).get_json() == {"keys": ["a", "b"]}


def test_oversized_body_on_every_route_is_a_413_envelope(probe_app, auth_headers):
    client = probe_app.test_client()
    limit = probe_app.config["MAX_CONTENT_LENGTH"]
    body = b'{"pad": "' + b"x" * limit + b'"}'
    for method, path in _body_routes(probe_app, default_limit_only=True):
        response = client.open(
            path, method=method, data=body, content_type="application/json", headers=auth_headers
        )
        assert response.status_code == 413, (method, path, response.status_code)
        assert response.get_json()["error"]["code"] == "request.too_large"


def test_body_at_the_limit_is_accepted(probe_app):
    limit = probe_app.config["MAX_CONTENT_LENGTH"]
    padding = "x" * (limit - len('{"pad": ""}'))
    response = probe_app.test_client().post(
        "/probe/echo", data=json.dumps({"pad": padding}), content_type="application/json"
    )
    assert response.status_code == 200


def test_unexpected_exception_is_a_500_envelope_without_trace(_schema, database_url, capsys):
    """Built inside the test so the JSON log handler writes to the captured stderr."""
    from app import create_app
    from tests.conftest import make_test_config

    application = create_app(make_test_config(database_url))
    add_probe_routes(application)
    capsys.readouterr()
    response = application.test_client().get("/probe/boom", headers={"X-Request-ID": "req-boom-12345"})

    assert response.status_code == 500
    error = response.get_json()["error"]
    assert error["code"] == "internal"
    assert error["request_id"] == "req-boom-12345"
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "RuntimeError" not in text and "secret internal" not in text
    assert response.headers["X-Request-ID"] == "req-boom-12345"

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    logged = [line for line in lines if line.get("event") == "unexpected error"]
    assert logged, lines
    assert logged[0]["request_id"] == "req-boom-12345"
    assert logged[0]["level"] == "error"
    # The traceback is in the log (for operators), with the card-like number masked.
    assert "RuntimeError" in logged[0]["exception"]
    assert "4111111111111111" not in json.dumps(logged[0])
