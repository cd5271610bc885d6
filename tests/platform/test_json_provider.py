"""Responses are encoded by orjson exactly as Flask's own encoder would encode them."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask.json.provider import DefaultJSONProvider

from app.i18n import _l


@dataclass
class _Point:
    x: int
    label: str


def _flask_encoding(app, value) -> object:
    """What Flask's default provider makes of `value`, parsed back."""
    return json.loads(DefaultJSONProvider(app).dumps(value))


@pytest.mark.parametrize(
    "value",
    [
        {"text": "社保卡 · بطاقة · Müller", "n": 3, "f": 1.5, "none": None, "list": [True, False]},
        {"when": datetime(2026, 11, 28, 9, 30, tzinfo=UTC), "day": date(2026, 11, 28)},
        {"amount": Decimal("1234.50"), "id": uuid.UUID(int=7), "point": _Point(1, "a")},
        {1: "integer keys become strings"},
        {"huge": 2**80},  # beyond orjson's 64 bits: Flask's encoder takes over
    ],
)
def test_same_json_as_flasks_encoder(app, value):
    with app.app_context():
        assert json.loads(app.json.dumps(value)) == _flask_encoding(app, value)
        response = app.json.response(value)
    assert json.loads(response.get_data()) == _flask_encoding(app, value)
    assert response.mimetype == "application/json"


def test_output_is_utf8_not_escaped(app):
    with app.app_context():
        assert app.json.dumps({"name": "张伟"}) == '{"name":"张伟"}'


def test_options_such_as_indent_are_honoured(app):
    with app.app_context():
        assert app.json.dumps({"a": 1}, indent=2) == '{\n  "a": 1\n}'


def test_a_lazy_string_on_the_wire_fails_tests_loudly(app):
    with app.test_request_context(), pytest.raises(TypeError, match="lazy string"):
        app.json.dumps({"title": _l("Identity check")})


def test_bad_request_json_is_a_value_error(app):
    with app.app_context():
        with pytest.raises(ValueError):
            app.json.loads('{"a": "\\ud800"}')
        with pytest.raises(ValueError):
            app.json.loads("[" * 100_000 + "]" * 100_000)
