"""SSC Bridge: the application factory, the only place where the layers are assembled."""

from __future__ import annotations

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from app.config import PROJECT_ROOT, load_config
from app.flask_app import SSCFlask


class StrictJSONProvider(DefaultJSONProvider):
    """UTF-8 JSON; in tests a lazy string reaching the wire is a bug, so it raises."""

    ensure_ascii = False
    sort_keys = False

    def default(self, o):
        from flask_babel import LazyString

        if isinstance(o, LazyString) and self._app.config.get("TESTING"):
            raise TypeError(f"lazy string leaked into a response: {o._func.__name__}")
        return super().default(o)

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


def create_app(config: dict | None = None) -> Flask:
    """Build the app for APP_ENV (or `config` overrides); nothing connects before this runs."""
    from app import models, pii
    from app.api import register_api
    from app.cli import register_commands
    from app.errors import register_error_handlers
    from app.extensions import init_extensions
    from app.i18n import init_i18n
    from app.logs import configure_logging
    from app.metrics import init_metrics
    from app.security_headers import init_security_headers
    from app.services import flow_cache
    from app.wechat import init_wechat

    settings = load_config(config)
    app = SSCFlask(__name__, instance_path=str(PROJECT_ROOT / "instance"))
    app.json_provider_class = StrictJSONProvider
    app.json = StrictJSONProvider(app)
    app.config.update(settings)
    app.config["MIGRATIONS_DIR"] = PROJECT_ROOT / "migrations"

    configure_logging(app)
    pii.configure(app.config["PII_KEY"])
    init_extensions(app)
    models.load_all()
    flow_cache.install()  # Redis copies of journey states follow every database commit
    init_i18n(app)
    register_error_handlers(app)
    init_security_headers(app)
    init_metrics(app)
    init_wechat(app)
    register_api(app)
    _init_optional(app)
    register_commands(app)
    return app


def _init_optional(app: Flask) -> None:
    """Subsystems that register their own routes: the admin console and the WeChat emulator."""
    from app.admin import init_admin

    init_admin(app)
