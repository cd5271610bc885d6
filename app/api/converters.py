"""URL converters shared by every route: ids that no database column can hold are a 404, not a crash."""

from __future__ import annotations

from werkzeug import routing

#: The widest id column (BIGINT, SQLite INTEGER) holds a signed 64-bit integer.
MAX_ID = 2**63 - 1


class IntegerConverter(routing.IntegerConverter):
    """`<int:…>` refusing values beyond a signed 64-bit integer (the SQLite driver raises on them).

    It keeps werkzeug's class name, so code that recognises integer segments by name still does.
    """

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def install(app) -> None:
    """Make `int` the bounded converter; run before any rule is added (rules bind converters when added)."""
    app.url_map.converters["int"] = IntegerConverter
