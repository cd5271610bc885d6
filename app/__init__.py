"""SSC Bridge: the application factory, the only place where the layers are assembled."""

from __future__ import annotations

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from app.config import PROJECT_ROOT, load_config


class StrictJSONProvider(DefaultJSONProvider):
    """UTF-8 JSON; in tests a lazy string reaching the wire is a bug, so it raises."""

    ensure_ascii = False
    sort_keys = False

    def default(self, o):
        from flask_babel import LazyString

        if isinstance(o, LazyString) and self._app.config.get("TESTING"):
            raise TypeError(f"lazy string leaked into a response: {o._func.__name__}")
        return super().default(o)


def create_app(config: dict | None = None) -> Flask:
    """Build the app for APP_ENV (or `config` overrides); nothing connects before this runs."""
    from app import models, pii
    from app.api import register_api
    from app.cli import register_commands
    from app.errors import register_error_handlers
    from app.extensions import init_extensions
    from app.i18n import init_i18n
    from app.logs import configure_logging
    from app.wechat import init_wechat

    settings = load_config(config)
    app = Flask(__name__, instance_path=str(PROJECT_ROOT / "instance"))
    app.json_provider_class = StrictJSONProvider
    app.json = StrictJSONProvider(app)
    app.config.update(settings)
    app.config["MIGRATIONS_DIR"] = PROJECT_ROOT / "migrations"

    configure_logging(app)
    pii.configure(app.config["PII_KEY"])
    init_extensions(app)
    models.load_all()
    init_i18n(app)
    register_error_handlers(app)
    init_wechat(app)
    register_api(app)
    _init_optional(app)
    register_commands(app)
    return app


def _init_optional(app: Flask) -> None:
    """Subsystems that register their own routes: the admin console and the WeChat emulator."""
    from app.admin import init_admin

    init_admin(app)
