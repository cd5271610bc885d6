"""The JSON API: every module here and every domain's `api` with a `bp` is mounted under /api/v1; `root_bp` at the root."""

from __future__ import annotations

import importlib
import pkgutil

from flask import Blueprint


def register_api(app) -> None:
    """Mount every API blueprint (discovered, so adding a module is enough).

    The JSON API authenticates with bearer tokens, never cookies, so CSRF protection (which the
    cookie-based console needs) is switched off for every API blueprint here, in one place.
    """
    from app.api.converters import install
    from app.extensions import csrf

    install(app)  # before any rule is added: the console's rules, added later, get it too
    api_v1 = Blueprint("api", __name__, url_prefix="/api/v1")
    from app.domains import parts

    own = (
        importlib.import_module(f"{__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name)
    )
    for module in (*own, *parts("api")):
        if hasattr(module, "bp"):
            csrf.exempt(module.bp)
            api_v1.register_blueprint(module.bp)
        if hasattr(module, "root_bp"):
            app.register_blueprint(module.root_bp)
    app.register_blueprint(api_v1)
