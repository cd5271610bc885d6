"""SSC Bridge: the application factory, the only place where the layers are assembled."""

from __future__ import annotations

from flask import Flask

from app.config import PROJECT_ROOT, ConfigError, load_config
from app.json_provider import StrictJSONProvider
from app.web.flask_app import FlaskCachingSyncChecks


def create_app(config: dict | None = None) -> Flask:
    """Build the app for APP_ENV (or `config` overrides); nothing connects before this runs."""
    from app import pii
    from app.api import register_api
    from app.cli import register_commands
    from app.domains import load_models
    from app.errors import register_error_handlers
    from app.extensions import init_extensions
    from app.i18n import init_i18n
    from app.journeys import flow_cache, screen_cache
    from app.logs import configure_logging
    from app.web.security_headers import guard_request_bodies
    from app.web.stack import build_request_stack
    from app.wechat import init_wechat

    try:
        settings = load_config(config)
    except ConfigError as refusal:
        from app.cli.config import loaded_by_flask_command, refused_app

        if loaded_by_flask_command():  # only `flask config check` runs; every other command fails
            return refused_app(refusal)
        raise  # gunicorn and anything else do not start
    app = FlaskCachingSyncChecks(__name__, instance_path=str(PROJECT_ROOT / "instance"))
    app.json_provider_class = StrictJSONProvider
    app.json = StrictJSONProvider(app)
    app.config.update(settings)
    app.config["MIGRATIONS_DIR"] = PROJECT_ROOT / "migrations"

    configure_logging(app)
    pii.configure(app.config["PII_KEY"], app.config.get("PII_KEY_PREVIOUS"))
    init_extensions(app)
    load_models()
    flow_cache.install()  # Redis copies of journey states follow every database commit
    # What journey screens are rendered with (code and catalogs): part of a kept screen's stamp.
    app.extensions[screen_cache.RELEASE_EXTENSION] = screen_cache.release_id(
        str(app.root_path), str(app.config["TRANSLATIONS_DIR"])
    )
    init_i18n(app)
    register_error_handlers(app)
    guard_request_bodies(app)
    init_wechat(app)
    register_api(app)
    _init_optional(app)
    register_commands(app)
    build_request_stack(app)  # the WSGI layers in front of Flask, in the order app/web/stack.py lists
    return app


def _init_optional(app: Flask) -> None:
    """Subsystems that register their own routes: the admin console and the mini program preview."""
    from app.admin import init_admin
    from app.preview import init_preview

    init_admin(app)
    init_preview(app)  # development and testing only
