"""The app's JSON: UTF-8, encoded by orjson, and strict where a mistake would reach users.

Responses are encoded by orjson (a journey screen in a few µs instead of tens). Whatever it
cannot encode exactly as Flask's own encoder would (an integer beyond 64 bits, keyword
arguments such as indent) goes through Flask's encoder instead; dates, decimals, dataclasses and
lazy strings reach the same `default` either way. Parsing stays on the standard library, with the
two checks that make bad request bodies a 400 instead of a 500.
"""

from __future__ import annotations

import orjson
from flask.json.provider import DefaultJSONProvider

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


class StrictJSONProvider(DefaultJSONProvider):
    """UTF-8 JSON; in tests a lazy string reaching the wire is a bug, so it raises."""

    ensure_ascii = False
    sort_keys = False

    def default(self, o):
        """Flask's conversions (dates, decimals, dataclasses, __html__); lazy strings raise in tests."""
        from flask_babel import LazyString

        if isinstance(o, LazyString) and self._app.config.get("TESTING"):
            raise TypeError(f"lazy string leaked into a response: {o!r}")
        return super().default(o)

    def dump_bytes(self, obj) -> bytes:
        """`obj` as compact UTF-8 JSON bytes."""
        try:
            return orjson.dumps(obj, default=self.default, option=_OPTIONS)
        except orjson.JSONEncodeError as error:
            if isinstance(error.__cause__, TypeError) and "lazy string" in str(error.__cause__):
                raise error.__cause__ from None
            return super().dumps(obj).encode("utf-8")

    def dumps(self, obj, **kwargs) -> str:
        """`obj` as a JSON string (Flask's encoder when given options such as indent)."""
        if kwargs:
            return super().dumps(obj, **kwargs)
        return self.dump_bytes(obj).decode("utf-8")

    def response(self, *args, **kwargs):
        """jsonify: the body encoded once, straight to bytes."""
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(self.dump_bytes(obj) + b"\n", mimetype=self.mimetype)

    def loads(self, s, **kwargs):
        """Parse JSON; absurd nesting and lone surrogates are malformed input (a 400), not a 500."""
        try:
            value = super().loads(s, **kwargs)
        except RecursionError as error:
            raise ValueError("JSON is nested too deeply") from error
        # A lone "\ud800" parses into a str that cannot be encoded as UTF-8 later: a crash in
        # the response or the database. Request bodies are small, so the walk costs microseconds.
        _require_encodable(value)
        return value


def _require_encodable(value) -> None:
    """Raise ValueError when any string in parsed JSON holds a lone surrogate."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as error:
                raise ValueError("JSON holds a lone surrogate") from error
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
